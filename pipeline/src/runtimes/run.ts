/**
 * The one-machine runtime: runs the pipeline once over a list of videos on
 * the chosen runner (Beam's direct runner, or local Flink) and returns what
 * happened to each. And the streaming job's graph over recorded
 * notifications, bounded, which is how the Dataflow graph runs off Dataflow.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as beam from "apache-beam";
import { runToCompletion } from "../launch/runners";
import { flinkTarget } from "../launch/flink-cluster";
import { videoKey } from "../io/keys";
import { PipelineOptions, StreamingOptions, UsageError } from "../options";
import { StreamingShape, processUploads, processVideos, reportOutcomes } from "../beam/pipeline";
import { replayPubSubMessages } from "../beam/pubsub";
import type { Outcome, VideoAttempt, VideoInput } from "../model";
import { scratchDir } from "../io/storage";

export function videoInputs(sources: string[]): VideoInput[] {
  const inputs = sources.map((source) => ({ source, key: videoKey(source) }));
  const seen = new Map<string, string>();
  for (const { source, key } of inputs) {
    const other = seen.get(key);
    if (other !== undefined) {
      throw new UsageError(
        `${other} and ${source} would both write to the output folder "${key}": process them in separate runs or rename one`,
      );
    }
    seen.set(key, source);
  }
  return inputs;
}

/** A new attempt at each input: an id that names its scratch and work files (see VideoAttempt). */
export function attemptsAt(inputs: VideoInput[]): VideoAttempt[] {
  return inputs.map((input) => ({ ...input, attempt: randomBytes(6).toString("hex") }));
}

/** Runs the pipeline over `inputs` (distinct keys) and returns each one's outcome, in order. */
export async function processOnce(inputs: VideoInput[], options: PipelineOptions): Promise<Outcome[]> {
  const attempts = attemptsAt(inputs);
  const outcomes = await withReport((report) =>
    runToCompletion(
      options.runner,
      (root: beam.Root) => {
        root
          .apply(beam.withName("videos", beam.create(attempts, false)))
          .apply(processVideos(options))
          .apply(reportOutcomes(report));
      },
      flinkTarget(options),
    ),
  );
  const missing = inputs.filter((i) => !outcomes.some((o) => o.key === i.key));
  if (missing.length > 0) throw new Error(`the pipeline reported nothing for ${missing.map((m) => m.source).join(", ")}`);
  return inputs.map((i) => outcomes.find((o) => o.key === i.key)!);
}

/**
 * The streaming job's graph (beam/pipeline.ts, processUploads: "segments" is what
 * Dataflow runs) over recorded notifications (serialized PubsubMessages),
 * read as Dataflow's read gives them, to the end; returns every outcome the
 * job announced. On Flink it runs with Flink's streaming translation.
 */
export async function runStreamingGraph(
  messages: Uint8Array[],
  options: StreamingOptions,
  shape: StreamingShape = "segments",
): Promise<Outcome[]> {
  return withReport((report) =>
    runToCompletion(
      options.runner,
      async (root: beam.Root) => (await processUploads(options, replayPubSubMessages(messages), shape)(root)).apply(reportOutcomes(report)),
      { ...flinkTarget(options), streaming: true },
    ),
  );
}

/** Runs `run` with a fresh report file for its outcomes (steps.recordOutcome) and returns what it recorded. */
async function withReport(run: (report: string) => Promise<void>): Promise<Outcome[]> {
  await fs.mkdir(scratchDir("reports"), { recursive: true });
  const report = scratchDir("reports", `run-${process.pid}-${randomBytes(6).toString("hex")}.jsonl`);
  try {
    await run(report);
    const text = await fs.readFile(report, "utf8").catch(() => "");
    return text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Outcome);
  } finally {
    await fs.rm(report, { force: true });
  }
}
