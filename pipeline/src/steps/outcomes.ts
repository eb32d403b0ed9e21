/**
 * Where every video ends: the dead-letter record of a failure, a local run's
 * report, and the streaming job's counts of what became of its
 * notifications (Beam metrics).
 */
import { promises as fs } from "node:fs";
import { STAGES, Stage } from "../errors";
import { setMaxRetrySeconds } from "../failure-policy";
import { log } from "../log";
import { DeadLetter, outputLayout, writeDeadLetter } from "../output/manifest";
import type { FailedOutcome, Failure, Outcome, VideoAttempt } from "../model";
import type { PipelineOptions } from "../options";
import type { Counter, Metric } from "apache-beam/transforms/pardo";

/** Writes the dead-letter record of a video that could not be processed. */
export async function deadLetter(failure: Failure, options: PipelineOptions): Promise<FailedOutcome> {
  setMaxRetrySeconds(options.maxRetrySeconds);
  const layout = outputLayout(options.outputDirectory, failure.key);
  const record: DeadLetter = {
    source: failure.source,
    key: failure.key,
    status: "failed",
    stage: failure.stage,
    reason: failure.reason,
    retryable: failure.retryable,
    failedAt: new Date().toISOString(),
    ...(failure.notification ? { notification: failure.notification } : {}),
  };
  await writeDeadLetter(record, layout);
  log("WARNING", `dead letter ${failure.key}: ${failure.reason}`, {
    event: "dead letter",
    video: failure.key,
    source: failure.source,
    stage: failure.stage,
    reason: failure.reason,
    retryable: failure.retryable,
    record: layout.deadLetter,
  });
  return { status: "failed", ...failure, deadLetter: layout.deadLetter };
}

/** Appends an outcome to a local JSON-lines report (how a one-machine run learns what happened). */
export async function recordOutcome(reportPath: string, outcome: Outcome): Promise<Outcome> {
  await fs.appendFile(reportPath, JSON.stringify(outcome) + "\n");
  return outcome;
}

/**
 * The streaming job's Beam metrics, which Dataflow's job page and Flink's web
 * UI show: counters of what became of the notifications and uploads, and the
 * distribution of each video's processing time. Flat, as the SDK binds only
 * a context's own fields.
 */
export function jobMetrics(counter: (name: string) => Counter, distribution: (name: string) => Metric<number>) {
  return {
    processed: counter("uploads_processed"),
    frames: counter("frames_processed"),
    processingMs: distribution("processing_ms_per_video"),
    skipped: counter("notifications_skipped"),
    duplicates: counter("duplicate_notifications"),
    ...Object.fromEntries(STAGES.map((stage) => [`deadLettered_${stage}`, counter(`dead_lettered_${stage}`)])),
  } as JobMetrics;
}

export type JobMetrics = {
  processed: Counter;
  frames: Counter;
  processingMs: Metric<number>;
  skipped: Counter;
  duplicates: Counter;
} & Record<`deadLettered_${Stage}`, Counter>;

/** Counts an outcome in the job's metrics, and passes it on. */
export function countOutcome(outcome: Outcome, metrics: JobMetrics): Outcome {
  if (outcome.status === "ok") {
    metrics.processed.increment();
    metrics.frames.increment(outcome.frames);
    metrics.processingMs.update(Math.round(outcome.wallSec * 1000));
  } else {
    metrics[`deadLettered_${outcome.stage}`].increment();
  }
  return outcome;
}

/** Counts the notifications that asked for nothing (other events, other files, videoflow's own outputs). */
export function countSkipped(skipped: unknown, metrics: JobMetrics): unknown {
  metrics.skipped.increment();
  return skipped;
}

/** Counts the copies of an upload's notification met in one window beyond the one processed, and passes them on. */
export function countCopies(copies: VideoAttempt[], metrics: JobMetrics): VideoAttempt[] {
  if (copies.length > 1) metrics.duplicates.increment(copies.length - 1);
  return copies;
}

/** Counts every notification of an upload found already done. */
export function countDone(done: { deliveries: number }, metrics: JobMetrics): unknown {
  metrics.duplicates.increment(done.deliveries);
  return done;
}
