/** The pipeline's own parameters: every runtime takes them (process, listen, the Dataflow job). */
import { DEFAULT_MAX_RETRY_SECONDS } from "../failure-policy";
import { OptionsOf, parseParameters } from "./spec";
import type { ParameterSpec } from "./spec";
import { decimal, matching, oneOf, outputFolder, predictionEndpoint, trueOrFalse, wholeNumber, widthByHeight } from "./rules";

const GIB = 1024 ** 3;

/** Parameters of the pipeline itself: every runtime takes them. */
export const pipelineParameters = [
  {
    name: "outputDirectory",
    paramType: "GCS_WRITE_FOLDER",
    groupName: "Target",
    cliAlias: "output",
    label: "Output directory",
    helpText:
      "Where results are written: a Cloud Storage prefix (gs://bucket/prefix) or, when running on one machine, a local " +
      "directory. Each video gets <outputDirectory>/<video key>/ with gray.mp4, preview.jpg and manifest.json (written " +
      "last); a video that cannot be processed gets <outputDirectory>/_deadletter/<video key>.json. For example, gs://my-bucket/videoflow.",
    ...outputFolder(),
    isOptional: false,
  },
  {
    name: "runner",
    paramType: "ENUM",
    inTemplate: false,
    label: "Beam runner",
    helpText:
      "Where the pipeline runs: direct (Beam's direct runner, in this process), flink (a local Apache Flink " +
      "cluster in Beam's Flink job server, started for the run; with listen, the streaming job reading Pub/Sub " +
      "through Beam's Java read, for development: see the README; needs Java 17 and the parts " +
      "scripts/setup-runners.sh fetches) or dataflow (listen only: submits the streaming job to Google Cloud " +
      "Dataflow and exits; needs the Dataflow parameters). Defaults to direct.",
    ...oneOf(["direct", "flink", "dataflow"]),
    isOptional: true,
    defaultValue: "direct",
  },
  {
    name: "environmentType",
    paramType: "ENUM",
    inTemplate: false,
    label: "Where the runner runs the workers",
    helpText:
      "With --runner flink: LOOPBACK runs the TypeScript workers in this process; PROCESS has Flink start them " +
      "itself, as processes of their own, through the worker entry point (dist/pipeline/src/launch/worker-boot.js), " +
      "the way Dataflow starts them in containers (a cluster's TaskManagers need that: --flinkMaster). Defaults to " +
      "LOOPBACK, or PROCESS with --flinkMaster.",
    ...oneOf(["LOOPBACK", "PROCESS"]),
    isOptional: true,
  },
  {
    name: "flinkMaster",
    paramType: "TEXT",
    inTemplate: false,
    label: "Flink cluster",
    helpText:
      "With --runner flink: the JobManager (host:port of its REST API, like flink-jm:8081) of a running Flink 1.15 " +
      "session cluster to submit to, instead of a cluster started for the run. Its TaskManagers start the workers " +
      "(PROCESS), so each host needs the worker entry point: the project's image as the TaskManager image. Local " +
      "paths are made absolute; with a cluster on another host they are refused (use gs://, or --sharedPaths true).",
    ...matching("[A-Za-z0-9.-]+:[0-9]{1,5}", "must be host:port, like flink-jm:8081"),
    isOptional: true,
  },
  {
    name: "sharedPaths",
    paramType: "BOOLEAN",
    inTemplate: false,
    label: "Local paths are the same on every host",
    helpText:
      "With --flinkMaster on another host: true says every host of the cluster sees the same files at the same " +
      "paths (a shared file system), so local inputs and output are allowed. Defaults to false.",
    ...trueOrFalse(),
    isOptional: true,
    defaultValue: "false",
  },
  {
    name: "workerCommand",
    paramType: "TEXT",
    inTemplate: false,
    label: "The worker entry point on the cluster's hosts",
    helpText:
      "With --environmentType PROCESS (the default with --flinkMaster): the worker entry point's path on the hosts " +
      "that run the workers, which Flink runs to start each of them. Defaults to this installation's own, right on " +
      "this host and on a cluster whose TaskManagers run the project's image when videoflow runs from that image " +
      "too (there: /opt/videoflow/dist/pipeline/src/launch/worker-boot.js).",
    ...matching("/.+", "must be an absolute path"),
    isOptional: true,
  },
  {
    name: "segmentSeconds",
    paramType: "NUMBER",
    groupName: "Processing",
    label: "Segment length (seconds)",
    helpText:
      "Videos longer than this are cut into segments of about this many seconds, each starting at a frame, that " +
      "workers process in parallel; the segments are joined back without re-encoding, with the same frames and times " +
      "as a whole run. 0 never cuts. Defaults to 60.",
    ...decimal(0, 86400),
    isOptional: true,
    defaultValue: "60",
  },
  {
    name: "previewFrames",
    paramType: "NUMBER",
    groupName: "Target",
    label: "Frames in the preview",
    helpText:
      "How many evenly spaced frames the preview contact sheet (preview.jpg) shows, each labelled with its frame " +
      "number and timestamp. From 1 to 64. Defaults to 12.",
    ...wholeNumber(1, 64),
    isOptional: true,
    defaultValue: "12",
  },
  {
    name: "maxInputBytes",
    paramType: "NUMBER",
    groupName: "Source",
    label: "Largest video accepted (bytes)",
    helpText:
      "Videos larger than this many bytes are not processed: they go to the dead letter with their size. Defaults to " +
      `${10 * GIB} (10 GiB).`,
    ...wholeNumber(1),
    isOptional: true,
    defaultValue: String(10 * GIB),
  },
  {
    name: "maxUndecodableFrames",
    paramType: "NUMBER",
    groupName: "Processing",
    label: "Undecodable frames allowed",
    helpText:
      "A video whose container holds frames the decoder cannot decode (a broken slice, a damaged packet) is still " +
      "processed when there are at most this many: gray.mp4 leaves them out and the manifest counts them " +
      "(video.framesUndecodable). More, or none decodable at all, send the video to the dead letter. Defaults to 25.",
    ...wholeNumber(0),
    isOptional: true,
    defaultValue: "25",
  },
  {
    name: "writeGrayVideo",
    paramType: "BOOLEAN",
    groupName: "Target",
    label: "Write the gray video",
    helpText:
      "true writes gray.mp4, the video in grayscale (H.264). false skips it, and with it the encoding, the costliest " +
      "step, when only predictions and the preview are wanted; frames are still decoded and counted, so a damaged " +
      "video is still caught. Defaults to true.",
    ...trueOrFalse(),
    isOptional: true,
    defaultValue: "true",
  },
  {
    name: "predictionEndpoint",
    paramType: "TEXT",
    groupName: "Inference",
    label: "Prediction endpoint",
    helpText:
      "Sends frames to this ML prediction endpoint and writes predictions.jsonl: a Vertex AI endpoint " +
      "(projects/<project>/locations/<region>/endpoints/<endpoint>), an AI Platform model " +
      "(projects/<project>/models/<model>[/versions/<version>]), or the http(s):// :predict URL of any server " +
      "with the same request shape, such as TF Serving (http://host:8501/v1/models/<model>:predict). Google " +
      "endpoints use Application Default Credentials. No inference when empty.",
    ...predictionEndpoint(),
    isOptional: true,
  },
  {
    name: "inferenceFps",
    paramType: "NUMBER",
    groupName: "Inference",
    label: "Frames per second sent for inference",
    helpText: "How many frames per second of video are sent to the prediction endpoint, evenly spaced. 0 sends every frame. Defaults to 0.",
    ...decimal(0),
    isOptional: true,
    defaultValue: "0",
  },
  {
    name: "inferenceSize",
    paramType: "TEXT",
    groupName: "Inference",
    label: "Frame size sent for inference",
    helpText: "Frames are resized to WIDTHxHEIGHT (for example 320x240) before they are sent. Empty keeps the video's size.",
    ...widthByHeight(),
    isOptional: true,
  },
  {
    name: "instanceFormat",
    paramType: "ENUM",
    groupName: "Inference",
    enumOptions: [
      {
        value: "b64",
        label: 'b64: JPEG as {"image_bytes": {"b64": ...}}',
        description: "TF Serving's binary convention; custom-trained Vertex AI models",
      },
      { value: "automl", label: 'automl: JPEG as {"content": ...}', description: "Vertex AI AutoML image models" },
      { value: "pixels", label: "pixels: gray values as rows of numbers", description: "models that take a tensor of pixels" },
    ],
    label: "Instance format",
    helpText:
      'How a frame is sent: b64 ({"image_bytes": {"b64": JPEG}}, TF Serving\'s binary convention), automl ' +
      '({"content": JPEG in base64}, Vertex AutoML image models) or pixels (the gray values as rows of numbers). Defaults to b64.',
    ...oneOf(["b64", "automl", "pixels"]),
    isOptional: true,
    defaultValue: "b64",
  },
  {
    name: "maxBatchSize",
    paramType: "NUMBER",
    groupName: "Inference",
    label: "Frames per request",
    helpText: "At most this many frames go in one prediction request (and never more than 1.5 MB of request body). Defaults to 16.",
    ...wholeNumber(1, 1000),
    isOptional: true,
    defaultValue: "16",
  },
  {
    name: "maxConcurrentRequests",
    paramType: "NUMBER",
    groupName: "Inference",
    label: "Requests in flight",
    helpText: "How many prediction requests one worker keeps in flight at once. Defaults to 8.",
    ...wholeNumber(1, 256),
    isOptional: true,
    defaultValue: "8",
  },
  {
    name: "maxRetrySeconds",
    paramType: "NUMBER",
    groupName: "Processing",
    label: "Retry budget (seconds)",
    helpText:
      "How long a call that fails for a passing reason (Cloud Storage or the prediction endpoint answering 429 or " +
      "5xx, a time-out, a dropped connection) is retried, with growing waits, before its video goes to the dead " +
      "letter with the number of tries and the last error. Failures that retrying cannot mend (a damaged video, a " +
      `403) go to the dead letter at once. 0 never retries. Defaults to ${DEFAULT_MAX_RETRY_SECONDS} (10 minutes).`,
    ...decimal(0, 86400),
    isOptional: true,
    defaultValue: String(DEFAULT_MAX_RETRY_SECONDS),
  },
] as const satisfies readonly ParameterSpec[];

export type PipelineOptions = OptionsOf<typeof pipelineParameters>;
/** The Beam runners videoflow runs on (launch/runners.ts, launch/dataflow.ts). */
export type RunnerName = PipelineOptions["runner"];
/** Where a portable runner runs the TypeScript workers. */
export type EnvironmentType = PipelineOptions["environmentType"];

/**
 * Validates raw parameter values (strings from argv or a template launch)
 * into PipelineOptions, applying defaults. Throws a UsageError naming each
 * bad parameter and what is wrong with it.
 */
export function parseOptions(raw: Record<string, string | undefined>): PipelineOptions {
  return parseParameters(raw, pipelineParameters);
}
