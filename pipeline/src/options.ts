/**
 * Options: the single source of truth for every parameter's name, label,
 * help text and validation. The CLI's flags, the Flex Template's
 * metadata.json and the Dataflow job all read their parameters from here.
 */
import { z } from "zod";
import { InstanceFormat, parseEndpoint } from "./inference";

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
    name: "runner",
    label: "Beam runner",
    helpText:
      "Where the pipeline runs: direct (Beam's direct runner, in this process) or flink (a local Apache Flink " +
      "cluster in Beam's Flink job server, started for the run; needs Java 17 and the parts scripts/setup-runners.sh " +
      "fetches). videoflow listen runs on direct only, so far. Defaults to direct.",
    schema: z.enum(["direct", "flink"], { message: "must be direct or flink" }),
    isOptional: true,
    defaultValue: "direct",
    regexes: ["^(direct|flink)$"],
  },
  {
    name: "segmentSeconds",
    label: "Segment length (seconds)",
    helpText:
      "Videos longer than this are cut into segments of about this many seconds, each starting at a frame, that " +
      "workers process in parallel; the segments are joined back without re-encoding, with the same frames and times " +
      "as a whole run. 0 never cuts. Defaults to 60.",
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
  {
    name: "maxUndecodableFrames",
    label: "Undecodable frames allowed",
    helpText:
      "A video whose container holds frames the decoder cannot decode (a broken slice, a damaged packet) is still " +
      "processed when there are at most this many: gray.mp4 leaves them out and the manifest counts them " +
      "(video.framesUndecodable). More, or none decodable at all, send the video to the dead letter. Defaults to 25.",
    schema: z.coerce.number().int("must be a whole number").min(0, "must be 0 or more"),
    isOptional: true,
    defaultValue: "25",
    regexes: ["^[0-9]+$"],
  },
  {
    name: "writeGrayVideo",
    label: "Write the gray video",
    helpText:
      "true writes gray.mp4, the video in grayscale (H.264). false skips it, and with it the encoding, the costliest " +
      "step, when only predictions and the preview are wanted; frames are still decoded and counted, so a damaged " +
      "video is still caught. Defaults to true.",
    schema: z.enum(["true", "false"], { message: "must be true or false" }).transform((v) => v === "true"),
    isOptional: true,
    defaultValue: "true",
    regexes: ["^(true|false)$"],
  },
  {
    name: "predictionEndpoint",
    label: "Prediction endpoint",
    helpText:
      "Sends frames to this ML prediction endpoint and writes predictions.jsonl: a Vertex AI endpoint " +
      "(projects/<project>/locations/<region>/endpoints/<endpoint>), an AI Platform model " +
      "(projects/<project>/models/<model>[/versions/<version>]), or the http(s):// :predict URL of any server " +
      "with the same request shape, such as TF Serving (http://host:8501/v1/models/<model>:predict). Google " +
      "endpoints use Application Default Credentials. No inference when empty.",
    schema: z.string().refine((v) => {
      try {
        parseEndpoint(v);
        return true;
      } catch {
        return false;
      }
    }, "is not projects/P/locations/L/endpoints/E, projects/P/models/M[/versions/V] or an http(s):// URL"),
    isOptional: true,
    regexes: ["^(projects\\/[^\\n\\r\\/]+\\/(locations\\/[^\\n\\r\\/]+\\/endpoints|models)\\/[^\\n\\r]+|https?:\\/\\/[^\\n\\r]+)$"],
  },
  {
    name: "inferenceFps",
    label: "Frames per second sent for inference",
    helpText: "How many frames per second of video are sent to the prediction endpoint, evenly spaced. 0 sends every frame. Defaults to 0.",
    schema: z.coerce.number().finite().min(0, "must be 0 or more"),
    isOptional: true,
    defaultValue: "0",
    regexes: ["^[0-9]+(\\.[0-9]+)?$"],
  },
  {
    name: "inferenceSize",
    label: "Frame size sent for inference",
    helpText: "Frames are resized to WIDTHxHEIGHT (for example 320x240) before they are sent. Empty keeps the video's size.",
    schema: z
      .string()
      .regex(/^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$/, "must be WIDTHxHEIGHT, like 320x240")
      .transform((v) => ({ width: Number(v.split("x")[0]), height: Number(v.split("x")[1]) })),
    isOptional: true,
    regexes: ["^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$"],
  },
  {
    name: "instanceFormat",
    label: "Instance format",
    helpText:
      'How a frame is sent: b64 ({"image_bytes": {"b64": JPEG}}, TF Serving\'s binary convention), automl ' +
      '({"content": JPEG in base64}, Vertex AutoML image models) or pixels (the gray values as rows of numbers). Defaults to b64.',
    schema: z.enum(["b64", "automl", "pixels"]),
    isOptional: true,
    defaultValue: "b64",
    regexes: ["^(b64|automl|pixels)$"],
  },
  {
    name: "maxBatchSize",
    label: "Frames per request",
    helpText: "At most this many frames go in one prediction request (and never more than 1.5 MB of request body). Defaults to 16.",
    schema: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(1000, "must be at most 1000"),
    isOptional: true,
    defaultValue: "16",
    regexes: ["^[0-9]+$"],
  },
  {
    name: "maxConcurrentRequests",
    label: "Requests in flight",
    helpText: "How many prediction requests one worker keeps in flight at once. Defaults to 8.",
    schema: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(256, "must be at most 256"),
    isOptional: true,
    defaultValue: "8",
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

/** The Beam runners videoflow runs on (beam/runners.ts). */
export type RunnerName = "direct" | "flink";

export interface PipelineOptions {
  runner: RunnerName;
  outputDirectory: string;
  segmentSeconds: number;
  previewFrames: number;
  maxInputBytes: number;
  maxUndecodableFrames: number;
  writeGrayVideo: boolean;
  predictionEndpoint?: string;
  inferenceFps: number;
  inferenceSize?: { width: number; height: number };
  instanceFormat: InstanceFormat;
  maxBatchSize: number;
  maxConcurrentRequests: number;
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
