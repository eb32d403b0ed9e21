/**
 * The rules a parameter's value follows. Each gives both halves from one
 * pattern: the zod schema that checks the value on the command line or at a
 * template launch, and the regexes metadata.json hands the Console's form.
 * Written once, the two cannot drift apart.
 */
import { z } from "zod";
import { parseEndpoint } from "../inference/inference";
import { GCS_LOCATION, PROJECT_ID, PROJECT_NUMBER, PUBSUB_NAME, checkResourceName } from "../io/resource-names";

/**
 * A number written as `form` allows (a sign allowed, so that "-1" is told its
 * bound), then its value, checked by `value`. Not z.coerce: Number() also
 * takes "1e3", "0x10" and " 12", which the Console's form refuses, and makes
 * "abc" a NaN that zod reports as "expected number, received NaN".
 */
function numberWritten(form: RegExp, message: string, value: z.ZodNumber) {
  return z.string().regex(form, message).transform(Number).pipe(value);
}

/** A whole number from `min` (and up to `max`). */
export function wholeNumber(min: number, max?: number) {
  const from = z.number().min(min, min === 0 ? "must be 0 or more" : `must be at least ${min}`);
  const value = max === undefined ? from : from.max(max, `must be at most ${max}`);
  return { schema: numberWritten(/^-?[0-9]+$/, "must be a whole number", value), regexes: ["^[0-9]+$"] };
}

/** A number with or without decimals: from `min`, or above 0 (`min` "above 0"), up to `max`. */
export function decimal(min: number | "above 0", max?: number) {
  const from = min === "above 0" ? z.number().positive("must be more than 0") : z.number().min(min, `must be ${min} or more`);
  const value = max === undefined ? from : from.max(max, `must be at most ${max}`);
  return { schema: numberWritten(/^-?[0-9]+(\.[0-9]+)?$/, "must be a number, like 2 or 2.5", value), regexes: ["^[0-9]+(\\.[0-9]+)?$"] };
}

/** One of `values`, as written. */
export function oneOf<const V extends readonly [string, ...string[]]>(values: V) {
  const listed = values.length === 1 ? values[0] : `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
  return { schema: z.enum(values, { message: `must be ${listed}` }), regexes: [`^(${values.join("|")})$`] };
}

/** true or false, as a boolean. */
export function trueOrFalse() {
  const rule = oneOf(["true", "false"]);
  return { ...rule, schema: rule.schema.transform((v) => v === "true") };
}

/** A string matching `pattern` (regex source, anchored here) whole; `message` says what it must be. */
export function matching(pattern: string, message: string) {
  return { schema: z.string().regex(new RegExp(`^${pattern}$`), message), regexes: [`^${pattern}$`] };
}

/** A Google Cloud project id. */
export function projectId() {
  return matching(PROJECT_ID, "must be a project id: 6 to 30 lowercase letters, digits and hyphens, starting with a letter");
}

/** A Pub/Sub resource name (`projects/<project id>/<kind>/<name>`), with the services' own rules. */
export function pubsubResource(kind: "subscriptions" | "topics") {
  return {
    schema: z.string().superRefine((value, ctx) => {
      const problem = checkResourceName(value, kind);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    regexes: [`^projects\\/${PROJECT_ID}\\/${kind}\\/${PUBSUB_NAME}$`],
  };
}

const ABSOLUTE_PATH = "\\/[^\\n\\r]*";

/** A Cloud Storage location (gs://bucket/path) or, for checks offline, an absolute local path. */
export function gcsOrAbsolutePath() {
  return matching(`(${GCS_LOCATION}|${ABSOLUTE_PATH})`, "must be gs://bucket/path or an absolute local path");
}

/**
 * Where outputs go: a Cloud Storage location, or on one machine any local
 * directory. The template's form takes only the former.
 */
export function outputFolder() {
  const gcs = new RegExp(`^${GCS_LOCATION}$`);
  return {
    schema: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .refine((v) => !v.startsWith("gs://") || gcs.test(v), { message: "is not a valid gs://bucket/prefix" }),
    regexes: [`^${GCS_LOCATION}$`],
  };
}

/** WIDTHxHEIGHT, as { width, height }. */
export function widthByHeight() {
  const rule = matching("[1-9][0-9]{0,4}x[1-9][0-9]{0,4}", "must be WIDTHxHEIGHT, like 320x240");
  return { ...rule, schema: rule.schema.transform((v) => ({ width: Number(v.split("x")[0]), height: Number(v.split("x")[1]) })) };
}

/** File extensions separated by commas, as a list in lower case. */
export function extensionList() {
  const rule = matching("[A-Za-z0-9]+(,[A-Za-z0-9]+)*", "must be extensions separated by commas, like mp4,mov");
  return { ...rule, schema: rule.schema.transform((v) => v.toLowerCase().split(",")) };
}

/**
 * A prediction endpoint: a Vertex AI endpoint, an AI Platform model, or an
 * http(s):// URL (parseEndpoint's three shapes; its errors say which part is wrong).
 */
export function predictionEndpoint() {
  return {
    schema: z.string().superRefine((v, ctx) => {
      try {
        parseEndpoint(v);
      } catch (err) {
        const message = (err as Error).message;
        ctx.addIssue({
          code: "custom",
          message: message.includes("names a project")
            ? message
            : "is not projects/P/locations/L/endpoints/E, projects/P/models/M[/versions/V] or an http(s):// URL",
        });
      }
    }),
    regexes: [
      `^(projects\\/(${PROJECT_ID}|${PROJECT_NUMBER})\\/(locations\\/[^\\n\\r\\/]+\\/endpoints|models)\\/[^\\n\\r]+|https?:\\/\\/[^\\n\\r]+)$`,
    ],
  };
}
