/**
 * Options: the single source of truth for every parameter's name, label,
 * help text and validation. The CLI's flags, the Flex Template's
 * metadata.json and the Dataflow job all read their parameters from here.
 */
import { z } from "zod";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface ParameterSpec {
  name: string;
  /** Shorter CLI spelling accepted as well as --name. */
  cliAlias?: string;
  label: string;
  helpText: string;
  /** Validates and converts the value as given on a command line or in a template form. */
  schema: z.ZodType;
  isOptional: boolean;
  defaultValue?: string;
  regexes?: string[];
}

const GIB = 1024 ** 3;

/** Parameters of the pipeline itself: every runtime takes them. */
export const pipelineParameters = [
  {
    name: "outputDirectory",
    cliAlias: "output",
    label: "Output directory",
    helpText:
      "Where results are written: a Cloud Storage prefix (gs://bucket/prefix) or, when running on one machine, a local " +
      "directory. Each video gets <outputDirectory>/<video key>/ with gray.mp4, preview.jpg and manifest.json (written " +
      "last); a video that cannot be processed gets <outputDirectory>/_deadletter/<video key>.json. For example, gs://my-bucket/videoflow.",
    schema: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .refine((v) => !v.startsWith("gs://") || /^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/.*)?$/.test(v), {
        message: "is not a valid gs://bucket/prefix",
      }),
    isOptional: false,
    regexes: ["^gs:\\/\\/[^\\n\\r]+$"],
  },
  {
    name: "segmentSeconds",
    label: "Segment length (seconds)",
    helpText:
      "Videos longer than this are cut into segments of about this many seconds, on exact frame boundaries, that " +
      "workers process in parallel; the segments are joined back without re-encoding. 0 never cuts. Defaults to 60.",
    schema: z.coerce.number().finite().min(0, "must be 0 or more").max(86400, "must be at most 86400"),
    isOptional: true,
    defaultValue: "60",
    regexes: ["^[0-9]+(\\.[0-9]+)?$"],
  },
  {
    name: "previewFrames",
    label: "Frames in the preview",
    helpText:
      "How many evenly spaced frames the preview contact sheet (preview.jpg) shows, each labelled with its frame " +
      "number and timestamp. From 1 to 64. Defaults to 12.",
    schema: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(64, "must be at most 64"),
    isOptional: true,
    defaultValue: "12",
    regexes: ["^[0-9]+$"],
  },
  {
    name: "maxInputBytes",
    label: "Largest video accepted (bytes)",
    helpText:
      "Videos larger than this many bytes are not processed: they go to the dead letter with their size. Defaults to " +
      `${10 * GIB} (10 GiB).`,
    schema: z.coerce.number().int("must be a whole number").positive("must be more than 0"),
    isOptional: true,
    defaultValue: String(10 * GIB),
    regexes: ["^[0-9]+$"],
  },
] as const satisfies readonly ParameterSpec[];

/** Parameters of the streaming runtimes (`videoflow listen`, and the Dataflow job). */
export const streamingParameters = [
  {
    name: "inputSubscription",
    label: "Pub/Sub subscription of the bucket's notifications",
    helpText:
      "The Pub/Sub subscription that receives the input bucket's Cloud Storage notifications (payload format " +
      "JSON_API_V1 or NONE), in the format projects/<project>/subscriptions/<subscription>. Only OBJECT_FINALIZE " +
      "of video objects is processed; every other message is acknowledged and counted.",
    schema: z.string().regex(/^projects\/[^\n\r\/]+\/subscriptions\/[^\n\r\/]+$/, "must be projects/<project>/subscriptions/<subscription>"),
    isOptional: false,
    regexes: ["^projects\\/[^\\n\\r\\/]+\\/subscriptions\\/[^\\n\\r\\/]+$"],
  },
  {
    name: "deadLetterTopic",
    label: "Pub/Sub dead-letter topic",
    helpText:
      "A Pub/Sub topic, in the format projects/<project>/topics/<topic>, that receives one message (JSON: source, " +
      "stage, reason) for every notification or video that will never succeed. The dead-letter record under " +
      "<outputDirectory>/_deadletter/ is written either way.",
    schema: z.string().regex(/^projects\/[^\n\r\/]+\/topics\/[^\n\r\/]+$/, "must be projects/<project>/topics/<topic>"),
    isOptional: true,
    regexes: ["^projects\\/[^\\n\\r\\/]+\\/topics\\/[^\\n\\r\\/]+$"],
  },
  {
    name: "maxInFlight",
    label: "Notifications in flight",
    helpText:
      "How many notifications one listener holds unacknowledged at once (Pub/Sub flow control): the videos it " +
      "works on together. Defaults to 8.",
    schema: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(1000, "must be at most 1000"),
    isOptional: true,
    defaultValue: "8",
    regexes: ["^[0-9]+$"],
  },
  {
    name: "videoExtensions",
    label: "Video file extensions",
    helpText:
      "Comma-separated file extensions taken for videos when an object's content type does not start with video/. " +
      "Defaults to mp4,m4v,mov,avi,mkv,webm,mpg,mpeg,ts,mts,wmv,flv,3gp,ogv.",
    schema: z
      .string()
      .regex(/^[A-Za-z0-9]+(,[A-Za-z0-9]+)*$/, "must be extensions separated by commas, like mp4,mov")
      .transform((v) => v.toLowerCase().split(",")),
    isOptional: true,
    defaultValue: "mp4,m4v,mov,avi,mkv,webm,mpg,mpeg,ts,mts,wmv,flv,3gp,ogv",
    regexes: ["^[A-Za-z0-9]+(,[A-Za-z0-9]+)*$"],
  },
  {
    name: "maxDeliveryAttempts",
    label: "Attempts before the dead letter",
    helpText:
      "How many times a video that fails for a reason worth retrying (storage or network errors) is tried before it " +
      "goes to the dead letter. Defaults to 5.",
    schema: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(100, "must be at most 100"),
    isOptional: true,
    defaultValue: "5",
    regexes: ["^[0-9]+$"],
  },
] as const satisfies readonly ParameterSpec[];

/** Every parameter, for documentation and the template. */
export const parameters: readonly ParameterSpec[] = [...pipelineParameters, ...streamingParameters];

export interface PipelineOptions {
  outputDirectory: string;
  segmentSeconds: number;
  previewFrames: number;
  maxInputBytes: number;
}

export interface StreamingOptions extends PipelineOptions {
  inputSubscription: string;
  deadLetterTopic?: string;
  maxInFlight: number;
  videoExtensions: string[];
  maxDeliveryAttempts: number;
}

/**
 * Validates raw parameter values (strings from argv or a template launch)
 * into PipelineOptions, applying defaults. Throws a UsageError naming each
 * bad parameter and what is wrong with it.
 */
export function parseOptions(raw: Record<string, string | undefined>): PipelineOptions {
  return parseParameters(raw, pipelineParameters) as unknown as PipelineOptions;
}

export function parseStreamingOptions(raw: Record<string, string | undefined>): StreamingOptions {
  return parseParameters(raw, parameters) as unknown as StreamingOptions;
}

function parseParameters(raw: Record<string, string | undefined>, specs: readonly ParameterSpec[]): Record<string, unknown> {
  const known = new Set<string>(specs.map((p) => p.name));
  const unknown = Object.keys(raw).filter((k) => !known.has(k) && raw[k] !== undefined);
  if (unknown.length > 0) throw new UsageError(`unknown parameter${unknown.length > 1 ? "s" : ""}: ${unknown.map((k) => `--${k}`).join(", ")}`);
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const p of specs) {
    const given = raw[p.name] ?? p.defaultValue;
    if (given === undefined || given === "") {
      if (!p.isOptional) problems.push(`--${p.name}${p.cliAlias ? ` (--${p.cliAlias})` : ""} is required: ${p.label.toLowerCase()}`);
      continue;
    }
    const result = p.schema.safeParse(given);
    if (result.success) values[p.name] = result.data;
    else problems.push(`--${p.name} ${result.error.issues.map((i) => i.message).join(", ")} (got "${given}")`);
  }
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return values;
}
