/** Parameters of `videoflow cost`, the monthly cost of a Dataflow deployment (cost.ts; prices in pipeline/data/dataflow-prices.json). */
import { OptionsOf, UsageError, parseParameters } from "./spec";
import type { ParameterSpec } from "./spec";
import { decimal, matching, trueOrFalse, wholeNumber } from "./rules";

export const costParameters = [
  {
    name: "workers",
    label: "Workers",
    helpText: "How many Dataflow workers run all month. Defaults to 1, as Dataflow keeps at least one streaming worker up.",
    ...wholeNumber(1, 1000),
    isOptional: true,
    defaultValue: "1",
    paramType: "NUMBER",
    inTemplate: false,
  },
  {
    name: "machineType",
    label: "Worker machine type",
    helpText:
      "The workers' machine type, one of those in pipeline/data/dataflow-prices.json, like n1-standard-4. Defaults to Dataflow's default for the mode: n1-standard-4 streaming, n1-standard-2 with Streaming Engine, n1-standard-1 batch.",
    ...matching("[a-z][a-z0-9]*-[a-z]+-[0-9]+", "must be a machine type like n1-standard-4"),
    isOptional: true,
    paramType: "TEXT",
    inTemplate: false,
  },
  {
    name: "diskSizeGb",
    label: "Disk per worker (GB)",
    helpText:
      "Persistent disk per worker, in GB. Defaults to Dataflow's default for the mode: 420 streaming, 30 with Streaming Engine, 250 batch.",
    ...wholeNumber(10, 65536),
    isOptional: true,
    paramType: "NUMBER",
    inTemplate: false,
  },
  {
    name: "streaming",
    label: "Streaming workers",
    helpText: "true prices streaming workers (the template's job), false batch workers. Defaults to true.",
    ...trueOrFalse(),
    isOptional: true,
    defaultValue: "true",
    paramType: "BOOLEAN",
    inTemplate: false,
  },
  {
    name: "streamingEngine",
    label: "Streaming Engine",
    helpText:
      "true prices a streaming job with Streaming Engine (smaller workers and disks, plus a charge per GB the engine processes). Defaults to false, as the original design.",
    ...trueOrFalse(),
    isOptional: true,
    defaultValue: "false",
    paramType: "BOOLEAN",
    inTemplate: false,
  },
  {
    name: "framesPerSecond",
    label: "Frames per second a worker sustains",
    helpText:
      "With this, the cost also comes per hour of video processed: the frames per second one worker processes (the benchmark's figure for your videos and machine type).",
    ...decimal("above 0"),
    isOptional: true,
    paramType: "NUMBER",
    inTemplate: false,
  },
  {
    name: "videoFps",
    label: "Frame rate of the videos",
    helpText: "The frame rate of the videos processed, for the cost per hour of video. Defaults to 30.",
    ...decimal("above 0"),
    isOptional: true,
    defaultValue: "30",
    paramType: "NUMBER",
    inTemplate: false,
  },
] as const satisfies readonly ParameterSpec[];

export type CostOptions = OptionsOf<typeof costParameters>;

export function parseCostOptions(raw: Record<string, string | undefined>): CostOptions {
  const options = parseParameters(raw, costParameters);
  if (options.streamingEngine && !options.streaming)
    throw new UsageError("--streamingEngine true is for streaming jobs: not with --streaming false");
  return options;
}
