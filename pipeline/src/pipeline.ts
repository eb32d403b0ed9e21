/**
 * The videoflow pipeline: one composite transform that every runtime applies
 * (`videoflow process`, the Pub/Sub listener, the Dataflow streaming job).
 *
 *   videos -> probe -> planSegments -> redistributeSegments -> processSegment
 *          -> regroupByVideo -> assemble -> outcomes
 *   (probe and assemble failures) -> writeDeadLetter -> outcomes
 *
 * The Dataflow job puts the bucket's notifications in front of it:
 *
 *   readNotifications -> perVideoWindows -> decide -> processVideos -> announce
 *   (malformed notifications) -> writeDeadLetter -> announce
 *
 * Elements describe work (a source, a segment's frame range); frames stay in
 * the worker that decodes them.
 */
import * as beam from "apache-beam";
import { reshuffle } from "apache-beam/transforms/utils";
import { windowInto } from "apache-beam/transforms/window";
import { fixedWindows } from "apache-beam/transforms/windowings";
import { readPubSubMessages } from "./beam/pubsub";
import { asyncMap, steps } from "./beam/workarounds";
import type { PipelineOptions, StreamingOptions } from "./options";
import type { Failure, Outcome, ProbedVideo, SegmentDone, SegmentTask, VideoAttempt } from "./steps";

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
      .apply(beam.withName("regroupByVideo", beam.groupBy((done: SegmentDone) => done.key)))
      .apply(asyncMap("assemble", (group: beam.KV<string, Iterable<SegmentDone>>) => steps.assemble([...group.value], options)))
      .apply(beam.withName("routeAssembled", beam.split<Routed<Outcome>>(["ok", "failed"])));

    const deadLettered = beam
      .P([probed.failed, assembled.failed])
      .apply(beam.withName("failures", beam.flatten()))
      .apply(asyncMap("writeDeadLetter", (failure: Failure) => steps.deadLetter(failure, options)));

    return beam.P([assembled.ok, deadLettered]).apply(beam.withName("outcomes", beam.flatten()));
  };
}

/** The streaming job: the uploads the bucket's notifications announce, through processVideos. */
export function processUploads(options: StreamingOptions) {
  return function processUploads(root: beam.Root): beam.PCollection<Outcome> {
    const decided = root
      .apply(readPubSubMessages(options.inputSubscription))
      .apply(beam.withName("perVideoWindows", windowInto(fixedWindows(UPLOAD_WINDOW_SECONDS))))
      .map(beam.withName("decide", (message: Uint8Array) => steps.decideNotification(message, options)))
      .apply(beam.withName("routeNotifications", beam.split<{ ok: VideoAttempt; failed: Failure; skipped: unknown }>(["ok", "failed", "skipped"])));

    const processed = decided.ok.apply(processVideos(options));
    const rejected = decided.failed.apply(asyncMap("writeRejectedNotification", (failure: Failure) => steps.deadLetter(failure, options)));

    return beam
      .P([processed, rejected])
      .apply(beam.withName("uploadOutcomes", beam.flatten()))
      .apply(asyncMap("announce", (outcome: Outcome) => steps.announceOutcome(outcome, options)));
  };
}
