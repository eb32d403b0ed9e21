/**
 * Options: the single source of truth for every parameter's name, label,
 * help text and validation. The CLI's flags, the Flex Template's
 * metadata.json and the Dataflow job all read their parameters from here.
 */
import { z } from "zod";
import { DEFAULT_MAX_RETRY_SECONDS } from "./failure-policy";
import { InstanceFormat, parseEndpoint } from "./inference/inference";
import { PROJECT_ID, PROJECT_NUMBER, PUBSUB_NAME, checkResourceName } from "./io/resource-names";

/**
 * A command line videoflow cannot run. `showUsage`: the command line's shape
 * is wrong (no command, an unknown one, an unknown option), so the usage text
 * helps; a wrong value gets its one line only.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly showUsage = false,
  ) {
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
  /** How the template form shows it (metadata.json's paramType). */
  paramType: ParamType;
  /** The choices of an ENUM, with what the form shows for each. */
  enumOptions?: { value: string; label: string; description?: string }[];
  /** The template form's section. */
  groupName?: string;
  /** false: not a template parameter (a local runtime's only, or one the launcher and gcloud set). */
  inTemplate?: boolean;
}

/** The paramTypes videoflow's parameters use (the Flex Template metadata's names). */
export type ParamType = "TEXT" | "NUMBER" | "BOOLEAN" | "ENUM" | "GCS_WRITE_FOLDER" | "PUBSUB_SUBSCRIPTION" | "PUBSUB_TOPIC";

const GIB = 1024 ** 3;

/** A Pub/Sub resource name (`projects/<project id>/<kind>/<name>`): the schema and the form's regex, from one pattern. */
function pubsubResource(kind: "subscriptions" | "topics") {
  return {
    schema: z.string().superRefine((value, ctx) => {
      const problem = checkResourceName(value, kind);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    regexes: [`^projects\\/${PROJECT_ID}\\/${kind}\\/${PUBSUB_NAME}$`],
  };
}

/** Parameters of the pipeline itself: every runtime takes them. */
export const pipelineParameters = [
  {
    name: "outputDirectory",
    paramType: "GCS_WRITE_FOLDER", groupName: "Target",
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
    paramType: "ENUM", inTemplate: false,
    label: "Beam runner",
    helpText:
      "Where the pipeline runs: direct (Beam's direct runner, in this process), flink (a local Apache Flink " +
      "cluster in Beam's Flink job server, started for the run; with listen, the streaming job reading Pub/Sub " +
      "through Beam's Java read, for development: see the README; needs Java 17 and the parts " +
      "scripts/setup-runners.sh fetches) or dataflow (listen only: submits the streaming job to Google Cloud " +
      "Dataflow and exits; needs the Dataflow parameters). Defaults to direct.",
    schema: z.enum(["direct", "flink", "dataflow"], { message: "must be direct, flink or dataflow" }),
    isOptional: true,
    defaultValue: "direct",
    regexes: ["^(direct|flink|dataflow)$"],
  },
  {
    name: "environmentType",
    paramType: "ENUM", inTemplate: false,
    label: "Where the runner runs the workers",
    helpText:
      "With --runner flink: LOOPBACK runs the TypeScript workers in this process; PROCESS has Flink start them " +
      "itself, as processes of their own, through the worker entry point (dist/pipeline/src/beam/worker-boot.js), " +
      "the way Dataflow starts them in containers. Defaults to LOOPBACK.",
    schema: z.enum(["LOOPBACK", "PROCESS"], { message: "must be LOOPBACK or PROCESS" }),
    isOptional: true,
    defaultValue: "LOOPBACK",
    regexes: ["^(LOOPBACK|PROCESS)$"],
  },
  {
    name: "segmentSeconds",
    paramType: "NUMBER", groupName: "Processing",
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
    paramType: "NUMBER", groupName: "Target",
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
    paramType: "NUMBER", groupName: "Source",
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
    paramType: "NUMBER", groupName: "Processing",
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
    paramType: "BOOLEAN", groupName: "Target",
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
    paramType: "TEXT", groupName: "Inference",
    label: "Prediction endpoint",
    helpText:
      "Sends frames to this ML prediction endpoint and writes predictions.jsonl: a Vertex AI endpoint " +
      "(projects/<project>/locations/<region>/endpoints/<endpoint>), an AI Platform model " +
      "(projects/<project>/models/<model>[/versions/<version>]), or the http(s):// :predict URL of any server " +
      "with the same request shape, such as TF Serving (http://host:8501/v1/models/<model>:predict). Google " +
      "endpoints use Application Default Credentials. No inference when empty.",
    schema: z.string().superRefine((v, ctx) => {
      try {
        parseEndpoint(v);
      } catch (err) {
        const message = (err as Error).message;
        ctx.addIssue({ code: "custom", message: message.includes("names a project") ? message : "is not projects/P/locations/L/endpoints/E, projects/P/models/M[/versions/V] or an http(s):// URL" });
      }
    }),
    isOptional: true,
    regexes: [`^(projects\\/(${PROJECT_ID}|${PROJECT_NUMBER})\\/(locations\\/[^\\n\\r\\/]+\\/endpoints|models)\\/[^\\n\\r]+|https?:\\/\\/[^\\n\\r]+)$`],
  },
  {
    name: "inferenceFps",
    paramType: "NUMBER", groupName: "Inference",
    label: "Frames per second sent for inference",
    helpText: "How many frames per second of video are sent to the prediction endpoint, evenly spaced. 0 sends every frame. Defaults to 0.",
    schema: z.coerce.number().finite().min(0, "must be 0 or more"),
    isOptional: true,
    defaultValue: "0",
    regexes: ["^[0-9]+(\\.[0-9]+)?$"],
  },
  {
    name: "inferenceSize",
    paramType: "TEXT", groupName: "Inference",
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
    paramType: "ENUM", groupName: "Inference",
    enumOptions: [
      { value: "b64", label: "b64: JPEG as {\"image_bytes\": {\"b64\": ...}}", description: "TF Serving's binary convention; custom-trained Vertex AI models" },
      { value: "automl", label: "automl: JPEG as {\"content\": ...}", description: "Vertex AI AutoML image models" },
      { value: "pixels", label: "pixels: gray values as rows of numbers", description: "models that take a tensor of pixels" },
    ],
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
    paramType: "NUMBER", groupName: "Inference",
    label: "Frames per request",
    helpText: "At most this many frames go in one prediction request (and never more than 1.5 MB of request body). Defaults to 16.",
    schema: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(1000, "must be at most 1000"),
    isOptional: true,
    defaultValue: "16",
    regexes: ["^[0-9]+$"],
  },
  {
    name: "maxConcurrentRequests",
    paramType: "NUMBER", groupName: "Inference",
    label: "Requests in flight",
    helpText: "How many prediction requests one worker keeps in flight at once. Defaults to 8.",
    schema: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(256, "must be at most 256"),
    isOptional: true,
    defaultValue: "8",
    regexes: ["^[0-9]+$"],
  },
  {
    name: "maxRetrySeconds",
    paramType: "NUMBER", groupName: "Processing",
    label: "Retry budget (seconds)",
    helpText:
      "How long a call that fails for a passing reason (Cloud Storage or the prediction endpoint answering 429 or " +
      "5xx, a time-out, a dropped connection) is retried, with growing waits, before its video goes to the dead " +
      "letter with the number of tries and the last error. Failures that retrying cannot mend (a damaged video, a " +
      `403) go to the dead letter at once. 0 never retries. Defaults to ${DEFAULT_MAX_RETRY_SECONDS} (10 minutes).`,
    schema: z.coerce.number().finite().min(0, "must be 0 or more").max(86400, "must be at most 86400"),
    isOptional: true,
    defaultValue: String(DEFAULT_MAX_RETRY_SECONDS),
    regexes: ["^[0-9]+(\\.[0-9]+)?$"],
  },
] as const satisfies readonly ParameterSpec[];

/** Parameters of the streaming runtimes (`videoflow listen`, and the Dataflow job). */
export const streamingParameters = [
  {
    name: "inputSubscription",
    paramType: "PUBSUB_SUBSCRIPTION", groupName: "Source",
    label: "Pub/Sub subscription of the bucket's notifications",
    helpText:
      "The Pub/Sub subscription that receives the input bucket's Cloud Storage notifications (payload format " +
      "JSON_API_V1 or NONE), in the format projects/<project>/subscriptions/<subscription>. Only OBJECT_FINALIZE " +
      "of video objects is processed; every other message is acknowledged and counted.",
    ...pubsubResource("subscriptions"),
    isOptional: false,
  },
  {
    name: "deadLetterTopic",
    paramType: "PUBSUB_TOPIC", groupName: "Target",
    label: "Pub/Sub dead-letter topic",
    helpText:
      "A Pub/Sub topic, in the format projects/<project>/topics/<topic>, that receives one message (JSON: source, " +
      "stage, reason, and the notification that asked for the video, whole) for every notification or video that " +
      "failed for good, or for longer than maxRetrySeconds. The dead-letter record under " +
      "<outputDirectory>/_deadletter/ is written either way; videoflow redrive sends the uploads again.",
    ...pubsubResource("topics"),
    isOptional: true,
  },
  {
    name: "maxInFlight",
    paramType: "NUMBER", inTemplate: false,
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
    paramType: "TEXT", groupName: "Source",
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
] as const satisfies readonly ParameterSpec[];

const gcsPath = z.string().regex(/^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/.*)?$/, "must be gs://bucket/path");
/** A local path (offline checks) or a gs:// path (a real submission). */
const location = z.union([gcsPath, z.string().regex(/^\/[^\n\r]*$/)], { message: "must be gs://bucket/path or an absolute local path" });

/**
 * Dataflow's own parameters, for `listen --runner dataflow`: what the Flex
 * Template launcher passes (and gcloud's flags set), not the template's.
 */
export const dataflowParameters = [
  {
    name: "project",
    paramType: "TEXT", inTemplate: false,
    label: "Google Cloud project",
    helpText: "The Google Cloud project the Dataflow job runs in (its id, like my-project-123). Required with --runner dataflow.",
    schema: z.string().regex(new RegExp(`^${PROJECT_ID}$`), "must be a project id: 6 to 30 lowercase letters, digits and hyphens, starting with a letter"),
    isOptional: true,
    regexes: [`^${PROJECT_ID}$`],
  },
  {
    name: "region",
    paramType: "TEXT", inTemplate: false,
    label: "Dataflow region",
    helpText: "The region the Dataflow job runs in, like us-central1. Required with --runner dataflow.",
    schema: z.string().regex(/^[a-z]+-[a-z]+[0-9]+$/, "must be a region like us-central1"),
    isOptional: true,
    regexes: ["^[a-z]+-[a-z]+[0-9]+$"],
  },
  {
    name: "tempLocation",
    paramType: "TEXT", inTemplate: false,
    label: "Temporary location",
    helpText: "Where Dataflow keeps temporary files: gs://bucket/path (or, for an offline check, an absolute local path). Required with --runner dataflow, unless --stagingLocation is given (then the same).",
    schema: location,
    isOptional: true,
    regexes: ["^(gs:\\/\\/[^\\n\\r]+|\\/[^\\n\\r]*)$"],
  },
  {
    name: "stagingLocation",
    paramType: "TEXT", inTemplate: false,
    label: "Staging location",
    helpText: "Where the job's pipeline is staged for the workers: gs://bucket/path (or, for an offline check, an absolute local path). Defaults to --tempLocation.",
    schema: location,
    isOptional: true,
    regexes: ["^(gs:\\/\\/[^\\n\\r]+|\\/[^\\n\\r]*)$"],
  },
  {
    name: "sdkContainerImage",
    paramType: "TEXT", inTemplate: false,
    label: "Worker image",
    helpText: "The Docker image the Dataflow workers run (videoflow's image, which is also the template's launcher), like us-docker.pkg.dev/my-project/videoflow/videoflow:1.0. Required with --runner dataflow; a template launch defaults to the template's own image.",
    schema: z.string().regex(/^[a-z0-9.-]+(:[0-9]+)?\/[^\s:@]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/, "must be a full image name, like us-docker.pkg.dev/p/repo/image:tag"),
    isOptional: true,
    regexes: ["^[a-z0-9.-]+(:[0-9]+)?\\/[^\\s:@]+(:[\\w.-]+|@sha256:[0-9a-f]{64})$"],
  },
  {
    name: "jobName",
    paramType: "TEXT", inTemplate: false,
    label: "Job name",
    helpText: "The Dataflow job's name: lowercase letters, digits and hyphens, starting with a letter. Defaults to videoflow-<date and time>.",
    schema: z.string().regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, "must be lowercase letters, digits and hyphens, starting with a letter"),
    isOptional: true,
    regexes: ["^[a-z]([-a-z0-9]*[a-z0-9])?$"],
  },
  {
    name: "templateLocation",
    paramType: "TEXT", inTemplate: false,
    label: "Where to write the job request",
    helpText: "Writes the Dataflow job request (JSON) here instead of creating the job: how a Flex Template launcher collects a job, and how it is checked offline. gs://bucket/path or an absolute local path.",
    schema: location,
    isOptional: true,
    regexes: ["^(gs:\\/\\/[^\\n\\r]+|\\/[^\\n\\r]*)$"],
  },
  {
    name: "dataflowEndpoint",
    paramType: "TEXT", inTemplate: false,
    label: "Dataflow API endpoint",
    helpText: "The Dataflow API's root URL, for a stand-in (tests use a loopback server, http://127.0.0.1:PORT). Empty: Google's.",
    schema: z.string().regex(/^https?:\/\/[^\s]+$/, "must be an http(s):// URL"),
    isOptional: true,
    regexes: ["^https?:\\/\\/[^\\s]+$"],
  },
] as const satisfies readonly ParameterSpec[];

/** Parameters of `videoflow redrive`: which dead-lettered uploads to send again, and where. */
export const redriveParameters = [
  {
    ...pipelineParameters[0],
    helpText:
      "The output directory of the job whose dead-lettered uploads are sent again (its <outputDirectory>, where " +
      "_deadletter/ holds their records), for example gs://my-bucket/videoflow.",
    inTemplate: false,
  },
  {
    name: "inputTopic",
    paramType: "PUBSUB_TOPIC", inTemplate: false,
    label: "Topic the bucket notifies",
    helpText:
      "The Pub/Sub topic the input bucket's notifications go to (the one the job's inputSubscription is on), in the " +
      "format projects/<project>/topics/<topic>: each upload's original notification is published there again.",
    ...pubsubResource("topics"),
    isOptional: false,
  },
  {
    name: "stage",
    paramType: "ENUM", inTemplate: false,
    label: "Only failures at this stage",
    helpText:
      "Sends again only the uploads that failed at this stage (input, probe, segment, inference, assemble, run). " +
      "notification sends malformed notifications again, which only helps if what rejected them has changed. " +
      "Defaults to every stage but notification.",
    schema: z.enum(["notification", "input", "probe", "segment", "inference", "assemble", "run"]),
    isOptional: true,
    regexes: ["^(notification|input|probe|segment|inference|assemble|run)$"],
  },
  {
    name: "objectPrefix",
    paramType: "TEXT", inTemplate: false,
    label: "Only uploads whose name starts with this",
    helpText: "Sends again only the uploads whose object name (in the input bucket) starts with this, like cam-7/. Defaults to all.",
    schema: z.string().min(1, "must not be empty"),
    isOptional: true,
    regexes: ["^[^\\n\\r]+$"],
  },
] as const satisfies readonly ParameterSpec[];

export interface RedriveOptions {
  outputDirectory: string;
  inputTopic: string;
  stage?: string;
  objectPrefix?: string;
}

export function parseRedriveOptions(raw: Record<string, string | undefined>): RedriveOptions {
  return parseParameters(raw, redriveParameters) as unknown as RedriveOptions;
}

/** Parameters of `videoflow cost`, the monthly cost of a Dataflow deployment (cost.ts; prices in pipeline/data/dataflow-prices.json). */
export const costParameters = [
  {
    name: "workers",
    label: "Workers",
    helpText: "How many Dataflow workers run all month. Defaults to 1, as Dataflow keeps at least one streaming worker up.",
    schema: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(1000, "must be at most 1000"),
    isOptional: true,
    defaultValue: "1",
    regexes: ["^[0-9]+$"],
    paramType: "NUMBER", inTemplate: false,
  },
  {
    name: "machineType",
    label: "Worker machine type",
    helpText: "The workers' machine type, one of those in pipeline/data/dataflow-prices.json, like n1-standard-4. Defaults to Dataflow's default for the mode: n1-standard-4 streaming, n1-standard-2 with Streaming Engine, n1-standard-1 batch.",
    schema: z.string().regex(/^[a-z][a-z0-9]*-[a-z]+-[0-9]+$/, "must be a machine type like n1-standard-4"),
    isOptional: true,
    regexes: ["^[a-z][a-z0-9]*-[a-z]+-[0-9]+$"],
    paramType: "TEXT", inTemplate: false,
  },
  {
    name: "diskSizeGb",
    label: "Disk per worker (GB)",
    helpText: "Persistent disk per worker, in GB. Defaults to Dataflow's default for the mode: 420 streaming, 30 with Streaming Engine, 250 batch.",
    schema: z.coerce.number().int("must be a whole number").min(10, "must be at least 10").max(65536, "must be at most 65536"),
    isOptional: true,
    regexes: ["^[0-9]+$"],
    paramType: "NUMBER", inTemplate: false,
  },
  {
    name: "streaming",
    label: "Streaming workers",
    helpText: "true prices streaming workers (the template's job), false batch workers. Defaults to true.",
    schema: z.enum(["true", "false"], { message: "must be true or false" }).transform((v) => v === "true"),
    isOptional: true,
    defaultValue: "true",
    regexes: ["^(true|false)$"],
    paramType: "BOOLEAN", inTemplate: false,
  },
  {
    name: "streamingEngine",
    label: "Streaming Engine",
    helpText: "true prices a streaming job with Streaming Engine (smaller workers and disks, plus a charge per GB the engine processes). Defaults to false, as the original design.",
    schema: z.enum(["true", "false"], { message: "must be true or false" }).transform((v) => v === "true"),
    isOptional: true,
    defaultValue: "false",
    regexes: ["^(true|false)$"],
    paramType: "BOOLEAN", inTemplate: false,
  },
  {
    name: "framesPerSecond",
    label: "Frames per second a worker sustains",
    helpText: "With this, the cost also comes per hour of video processed: the frames per second one worker processes (the benchmark's figure for your videos and machine type).",
    schema: z.coerce.number().finite().positive("must be more than 0"),
    isOptional: true,
    regexes: ["^[0-9]+(\\.[0-9]+)?$"],
    paramType: "NUMBER", inTemplate: false,
  },
  {
    name: "videoFps",
    label: "Frame rate of the videos",
    helpText: "The frame rate of the videos processed, for the cost per hour of video. Defaults to 30.",
    schema: z.coerce.number().finite().positive("must be more than 0"),
    isOptional: true,
    defaultValue: "30",
    regexes: ["^[0-9]+(\\.[0-9]+)?$"],
    paramType: "NUMBER", inTemplate: false,
  },
] as const satisfies readonly ParameterSpec[];

export interface CostOptions {
  workers: number;
  machineType?: string;
  diskSizeGb?: number;
  streaming: boolean;
  streamingEngine: boolean;
  framesPerSecond?: number;
  videoFps: number;
}

export function parseCostOptions(raw: Record<string, string | undefined>): CostOptions {
  const options = parseParameters(raw, costParameters) as unknown as CostOptions;
  if (options.streamingEngine && !options.streaming) throw new UsageError("--streamingEngine true is for streaming jobs: not with --streaming false");
  return options;
}

/** Every parameter, for documentation and the template. */
export const parameters: readonly ParameterSpec[] = [...pipelineParameters, ...streamingParameters, ...dataflowParameters];

/** The Beam runners videoflow runs on (beam/runners.ts, beam/dataflow.ts). */
export type RunnerName = "direct" | "flink" | "dataflow";
/** Where a portable runner runs the TypeScript workers. */
export type EnvironmentType = "LOOPBACK" | "PROCESS";

export interface PipelineOptions {
  runner: RunnerName;
  environmentType: EnvironmentType;
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
  maxRetrySeconds: number;
}

export interface StreamingOptions extends PipelineOptions {
  project?: string;
  region?: string;
  tempLocation?: string;
  stagingLocation?: string;
  sdkContainerImage?: string;
  jobName?: string;
  templateLocation?: string;
  dataflowEndpoint?: string;
  inputSubscription: string;
  deadLetterTopic?: string;
  maxInFlight: number;
  videoExtensions: string[];
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
  const options = parseParameters(raw, parameters) as unknown as StreamingOptions;
  if (options.runner === "dataflow") {
    // As Beam's Python SDK does: either location stands for a missing other (a launcher may pass only one).
    options.tempLocation ??= options.stagingLocation;
    options.stagingLocation ??= options.tempLocation;
    const missing = (["project", "region", "tempLocation", "sdkContainerImage"] as const).filter((n) => !options[n]);
    if (missing.length > 0) {
      throw new UsageError(missing.map((n) => `--${n} is required with --runner dataflow: ${dataflowParameters.find((p) => p.name === n)!.helpText}`).join("\n"));
    }
  }
  return options;
}

/** snake_case (as Dataflow's launchers and Python write parameters) to camelCase (as videoflow names them). */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
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
