/**
 * The videoflow pipeline: one composite transform that every runtime applies
 * (`videoflow process` now; the Pub/Sub listener and the Dataflow job later).
 *
 *   videos -> probe -> planSegments -> redistributeSegments -> processSegment
 *          -> regroupByVideo -> assemble -> outcomes
 *   (probe and assemble failures) -> writeDeadLetter -> outcomes
 *
 * Elements describe work (a source, a segment's frame range); frames stay in
 * the worker that decodes them.
 */
import * as beam from "apache-beam";
import { reshuffle } from "apache-beam/transforms/utils";
import { asyncMap, steps } from "./beam/workarounds";
import type { PipelineOptions } from "./options";
import type { Failure, Outcome, ProbedVideo, SegmentDone, SegmentTask, VideoAttempt } from "./steps";

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
