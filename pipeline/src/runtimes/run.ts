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
import type { PipelineOptions, StreamingOptions } from "../options";
import { StreamingShape, processUploads, processVideos, reportOutcomes } from "../beam/pipeline";
import type { Outcome, VideoAttempt, VideoInput } from "../model";
import { attemptsAt } from "../steps/inputs";
import { scratchDir } from "../io/storage";

/** Runs the pipeline over `inputs` (distinct keys) and returns each one's outcome, in order. */
export function processOnce(inputs: VideoInput[], options: PipelineOptions): Promise<Outcome[]> {
  return processAttempts(attemptsAt(inputs), options);
}

/** Runs the pipeline over attempts at distinct inputs and returns each one's outcome, in order. */
export async function processAttempts(attempts: VideoAttempt[], options: PipelineOptions): Promise<Outcome[]> {
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
  const missing = attempts.filter((i) => !outcomes.some((o) => o.key === i.key));
  if (missing.length > 0) throw new Error(`the pipeline reported nothing for ${missing.map((m) => m.source).join(", ")}`);
  return attempts.map((i) => outcomes.find((o) => o.key === i.key)!);
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
  // Loaded here: its external transform's modules are no part of a run over files.
  const { replayPubSubMessages } = await import("../beam/pubsub");
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
