/** Parameters of `videoflow redrive`: which dead-lettered uploads to send again, and where. */
import { STAGES } from "../errors";
import { OptionsOf, parseParameters } from "./spec";
import type { ParameterSpec } from "./spec";
import { matching, oneOf, pubsubResource } from "./rules";
import { pipelineParameters } from "./pipeline";

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
    paramType: "PUBSUB_TOPIC",
    inTemplate: false,
    label: "Topic the bucket notifies",
    helpText:
      "The Pub/Sub topic the input bucket's notifications go to (the one the job's inputSubscription is on), in the " +
      "format projects/<project>/topics/<topic>: each upload's original notification is published there again.",
    ...pubsubResource("topics"),
    isOptional: false,
  },
  {
    name: "stage",
    paramType: "ENUM",
    inTemplate: false,
    label: "Only failures at this stage",
    helpText:
      "Sends again only the uploads that failed at this stage (input, probe, segment, inference, assemble, run). " +
      "notification sends malformed notifications again, which only helps if what rejected them has changed. " +
      "Defaults to every stage but notification.",
    ...oneOf(STAGES),
    isOptional: true,
  },
  {
    name: "objectPrefix",
    paramType: "TEXT",
    inTemplate: false,
    label: "Only uploads whose name starts with this",
    helpText: "Sends again only the uploads whose object name (in the input bucket) starts with this, like cam-7/. Defaults to all.",
    ...matching("[^\\n\\r]+", "must be one line, not empty"),
    isOptional: true,
  },
] as const satisfies readonly ParameterSpec[];

export type RedriveOptions = OptionsOf<typeof redriveParameters>;

export function parseRedriveOptions(raw: Record<string, string | undefined>): RedriveOptions {
  return parseParameters(raw, redriveParameters);
}
