/**
 * The videoflow pipeline: one composite transform that every runtime applies
 * (`videoflow process`, the Pub/Sub listener, the Dataflow streaming job).
 *
 *   videos -> probe -> planSegments -> redistributeSegments -> processSegment
 *          -> regroupByVideo -> assemble -> outcomes
 *   (probe and assemble failures) -> writeDeadLetter -> outcomes
 *
 * The streaming job puts the bucket's notifications in front of it, and
 * counts what became of them (Beam metrics):
 *
 *   readNotifications -> perVideoWindows -> decide -> byUpload -> countCopies
 *          -> oneAttemptPerUpload -> processVideos -> announce -> countOutcomes
 *   (malformed notifications) -> writeDeadLetter -> announce
 *   (skipped notifications, uploads already done) -> countSkipped, countDone
 *
 * and on local Flink (see StreamingShape) takes each video whole:
 *
 *   readNotifications -> decide -> oneAttemptPerUpload -> processWholeVideo -> announce
 *
 * Elements describe work (a source, a segment's frame range); frames stay in
 * the worker that decodes them.
 */
import * as beam from "apache-beam";
import { reshuffle } from "apache-beam/transforms/utils";
import { windowInto } from "apache-beam/transforms/window";
import { fixedWindows } from "apache-beam/transforms/windowings";
import { asyncMap, steps } from "./workarounds";
import type { PipelineOptions, StreamingOptions } from "../options";
import type { Failure, Outcome, VideoAttempt } from "../model";
import type { JobMetrics, ProbedVideo, SegmentDone, SegmentTask } from "../steps";
// A type query, not `import type` (see workarounds.ts, 3).
type AsyncPTransform<
  I extends beam.PValue<unknown>,
  O extends beam.PValue<unknown>,
> = import("apache-beam/transforms/transform").AsyncPTransform<I, O>;

/**
 * Seconds of the fixed windows the streaming job gives its uploads: the
 * regroupByVideo GroupByKey needs windows on unbounded data, and a video's
 * segments keep their notification's timestamp, so they meet in one window.
 */
const UPLOAD_WINDOW_SECONDS = 1;

type Routed<T> = { ok: T; failed: Failure };

export function processVideos(options: PipelineOptions) {
  return function processVideos(videos: beam.PCollection<VideoAttempt>): beam.PCollection<Outcome> {
    const probed = videos
      .apply(asyncMap("probe", (video: VideoAttempt) => steps.probe(video, options)))
      .apply(beam.withName("routeProbed", beam.split<Routed<ProbedVideo>>(["ok", "failed"])));

    const assembled = probed.ok
      .flatMap(beam.withName("planSegments", (video: ProbedVideo) => steps.planSegmentTasks(video, options)))
      .apply(beam.withName("redistributeSegments", reshuffle<SegmentTask>()))
      .apply(asyncMap("processSegment", (task: SegmentTask) => steps.processSegment(task, options)))
      // By attempt, not by video: two attempts at one upload never mix their segments.
      .apply(
        beam.withName(
          "regroupByVideo",
          beam.groupBy((done: SegmentDone) => `${done.input.attempt}/${done.key}`),
        ),
      )
      .apply(asyncMap("assemble", (group: beam.KV<string, Iterable<SegmentDone>>) => steps.assemble([...group.value], options)))
      .apply(beam.withName("routeAssembled", beam.split<Routed<Outcome>>(["ok", "failed"])));

    const deadLettered = beam
      .P([probed.failed, assembled.failed])
      .apply(beam.withName("failures", beam.flatten()))
      .apply(asyncMap("writeDeadLetter", (failure: Failure) => steps.deadLetter(failure, options)));

    return beam.P([assembled.ok, deadLettered]).apply(beam.withName("outcomes", beam.flatten()));
  };
}

/**
 * How the streaming job works through its uploads:
 * - "segments" (Dataflow): processVideos, a video's segments fanned out to
 *   workers and regrouped per window, with one attempt per upload per window.
 * - "whole" (local Flink): each video within one element. The Flink job
 *   reads Pub/Sub with Flink's own unbounded-source read, whose watermark
 *   stays at its minimum, so no GroupByKey on its stream would fire (Beam's
 *   splittable read, whose watermark does advance, sometimes never reads
 *   there: docs/research/flink/FINDINGS.md, Q6). Without one, nothing waits
 *   for the watermark; copies of a notification meet at the manifest lookup.
 */
export type StreamingShape = "segments" | "whole";

/**
 * The streaming job: the uploads the bucket's notifications announce.
 * `readNotifications` yields each message as a serialized PubsubMessage with
 * its attributes (beam/pubsub.ts: Dataflow's own read, or the Java read on
 * Flink).
 */
export function processUploads(
  options: StreamingOptions,
  readNotifications: beam.PTransform<beam.Root, beam.PCollection<Uint8Array>> | AsyncPTransform<beam.Root, beam.PCollection<Uint8Array>>,
  shape: StreamingShape = "segments",
) {
  const { windowed, copiesOfUpload, processUploaded } = shape === "segments" ? segmentedUploads(options) : wholeUploads(options);
  return async function processUploads(root: beam.Root): Promise<beam.PCollection<Outcome>> {
    const metrics = steps.jobMetrics(beam.counter, beam.distribution);
    const decided = windowed(await root.applyAsync(readNotifications as AsyncPTransform<beam.Root, beam.PCollection<Uint8Array>>))
      .map(beam.withName("decide", (message: Uint8Array) => steps.decideNotification(message, options)))
      .apply(
        beam.withName(
          "routeNotifications",
          beam.split<{ ok: VideoAttempt; failed: Failure; skipped: unknown }>(["ok", "failed", "skipped"]),
        ),
      );
    decided.skipped.map(
      beam.withName("countSkipped", (skipped: unknown, m: JobMetrics) => steps.countSkipped(skipped, m)),
      metrics,
    );

    const uploads = decided.ok
      .apply(copiesOfUpload)
      .map(
        beam.withName("countCopies", (copies: VideoAttempt[], m: JobMetrics) => steps.countCopies(copies, m)),
        metrics,
      )
      .apply(asyncMap("oneAttemptPerUpload", (copies: VideoAttempt[]) => steps.oneAttemptPerUpload(copies, options)))
      .apply(beam.withName("routeUploads", beam.split<{ ok: VideoAttempt; skipped: { deliveries: number } }>(["ok", "skipped"])));
    uploads.skipped.map(
      beam.withName("countDone", (done: { deliveries: number }, m: JobMetrics) => steps.countDone(done, m)),
      metrics,
    );

    const processed = uploads.ok.apply(processUploaded);
    const rejected = decided.failed.apply(asyncMap("writeRejectedNotification", (failure: Failure) => steps.deadLetter(failure, options)));

    return beam
      .P([processed, rejected])
      .apply(beam.withName("uploadOutcomes", beam.flatten()))
      .apply(asyncMap("announce", (outcome: Outcome) => steps.announceOutcome(outcome, options)))
      .map(
        beam.withName("countOutcomes", (outcome: Outcome, m: JobMetrics) => steps.countOutcome(outcome, m)),
        metrics,
      );
  };
}

/** The steps of the "segments" shape: windows, the copies of an upload in one window, the fan-out. */
function segmentedUploads(options: StreamingOptions) {
  return {
    windowed: (messages: beam.PCollection<Uint8Array>) =>
      messages.apply(beam.withName("perVideoWindows", windowInto(fixedWindows(UPLOAD_WINDOW_SECONDS)))),
    copiesOfUpload: beam.withName("byUpload", (attempts: beam.PCollection<VideoAttempt>) =>
      attempts
        .apply(beam.groupBy((attempt: VideoAttempt) => attempt.key))
        .map(beam.withName("copies", (group: beam.KV<string, Iterable<VideoAttempt>>) => [...group.value])),
    ),
    processUploaded: processVideos(options),
  };
}

/** The steps of the "whole" shape: no windows (the global one), each notification on its own, each video in one element. */
function wholeUploads(options: StreamingOptions) {
  return {
    windowed: (messages: beam.PCollection<Uint8Array>) => messages,
    copiesOfUpload: beam.withName("eachAlone", (attempts: beam.PCollection<VideoAttempt>) =>
      attempts.map(beam.withName("copies", (attempt: VideoAttempt) => [attempt])),
    ),
    processUploaded: asyncMap("processWholeVideo", (attempt: VideoAttempt) => steps.processWholeVideo(attempt, options)),
  };
}

/**
 * Records each outcome in a local run's report file (runtimes/run.ts): how
 * the command learns what became of each video, whichever runner ran it.
 */
export function reportOutcomes(report: string) {
  return asyncMap("report", (outcome: Outcome) => steps.recordOutcome(report, outcome));
}
