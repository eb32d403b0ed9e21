/** Parameters of the streaming runtimes (`videoflow listen`, and the Dataflow job). */
import { DEFAULT_VIDEO_EXTENSIONS } from "../io/notifications";
import { OptionsOf, UsageError, parseParameters } from "./spec";
import type { ParameterSpec } from "./spec";
import { extensionList, pubsubResource, wholeNumber } from "./rules";
import { pipelineParameters } from "./pipeline";
import { dataflowParameters } from "./dataflow";

/** Parameters of the streaming runtimes (`videoflow listen`, and the Dataflow job). */
export const streamingParameters = [
  {
    name: "inputSubscription",
    paramType: "PUBSUB_SUBSCRIPTION",
    groupName: "Source",
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
    paramType: "PUBSUB_TOPIC",
    groupName: "Target",
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
    paramType: "NUMBER",
    inTemplate: false,
    label: "Notifications in flight",
    helpText:
      "How many notifications one listener holds unacknowledged at once (Pub/Sub flow control): the videos it " +
      "works on together. Defaults to 8.",
    ...wholeNumber(1, 1000),
    isOptional: true,
    defaultValue: "8",
  },
  {
    name: "videoExtensions",
    paramType: "TEXT",
    groupName: "Source",
    label: "Video file extensions",
    helpText:
      "Comma-separated file extensions taken for videos when an object's content type is not a video's (video/*, application/mxf). " +
      `Defaults to ${DEFAULT_VIDEO_EXTENSIONS.join(",")}.`,
    ...extensionList(),
    isOptional: true,
    defaultValue: DEFAULT_VIDEO_EXTENSIONS.join(","),
  },
] as const satisfies readonly ParameterSpec[];

/** What `listen` parses: the pipeline's parameters, the streaming ones and Dataflow's. */
export const listenParameters = [...pipelineParameters, ...streamingParameters, ...dataflowParameters] as const;

export type StreamingOptions = OptionsOf<typeof listenParameters>;

export function parseStreamingOptions(raw: Record<string, string | undefined>): StreamingOptions {
  const options = parseParameters(raw, listenParameters);
  if (options.runner === "dataflow") {
    // As Beam's Python SDK does: either location stands for a missing other (a launcher may pass only one).
    options.tempLocation ??= options.stagingLocation;
    options.stagingLocation ??= options.tempLocation;
    const missing = (["project", "region", "tempLocation", "sdkContainerImage"] as const).filter((n) => !options[n]);
    if (missing.length > 0) {
      throw new UsageError(
        missing
          .map((n) => `--${n} is required with --runner dataflow: ${dataflowParameters.find((p) => p.name === n)!.helpText}`)
          .join("\n"),
      );
    }
  }
  return options;
}
