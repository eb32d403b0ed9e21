/**
 * The video steps: probe a video, plan its segments (probe.ts), process each
 * segment (decode, gray, encode, sample for the preview and inference:
 * segment.ts), assemble the outputs and commit them with the manifest
 * (assemble.ts); or all of it within one element (processWholeVideo). Here
 * too, the work a run starts before the pipeline reaches it. The elements
 * they pass are in video-elements.ts.
 */
import { deadLetter } from "./outcomes";
import { assemble } from "./assemble";
import { planSegmentTasks, probe, probeNow } from "./probe";
import { needsOpenCV, processSegment, processSegmentNow } from "./segment";
import { SegmentDone, identity, probesAhead, segmentsAhead } from "./video-elements";
import type { Outcome, VideoAttempt } from "../model";
import type { PipelineOptions } from "../options";
import { isGcsUri } from "../io/storage";
import { opencv } from "../video/vision";

/**
 * Starts a video's work before the pipeline reaches it (see ahead.ts): its
 * probe and, when `segments`, once probed, its segments. Resolves when the
 * probe is done and each segment's ffmpeg runs or waits its turn. The
 * pipeline's probe and processSegment steps take the results.
 */
export async function startVideoAhead(input: VideoAttempt, options: PipelineOptions, segments: boolean): Promise<void> {
  const probed = await probesAhead.start(identity(input), input.attempt, () => probeNow(input, options));
  if (!segments || !("ok" in probed)) return;
  const tasks = planSegmentTasks(probed.ok, options);
  const placed = tasks.map((task) => {
    let place: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (place = resolve));
    const done = segmentsAhead.start(identity(task), input.attempt, () => processSegmentNow(task, options, place));
    return Promise.race([started, done]);
  });
  // Until each segment's ffmpeg runs, or waits for cores, or ends without: a synchronous load after this (OpenCV's,
  // Beam's) would hold back the start of those still on their way to it (250 ms for the second of two side by side).
  await Promise.all(placed);
  // Loaded now, while the segments decode, and not when the first starts; their samples wait in ffmpeg's queue (decode.ts).
  if (tasks.some(needsOpenCV)) {
    try {
      opencv();
    } catch {
      // A binding that fails to load fails the segments that use it, as they use it.
    }
  }
}

/**
 * Starts a run's work before Beam loads (the direct runner, whose steps run
 * in this process, spends about half a second loading it first): the local
 * inputs' probes and the first one's segments. Resolves once the probes are
 * done and the first one's segments run (or wait for cores): the load would
 * hold back their results, and with them the segments' start. gs:// inputs are left to the
 * pipeline (their download is its probe step's).
 */
export async function startRunAhead(attempts: VideoAttempt[], options: PipelineOptions): Promise<void> {
  const local = attempts.filter((a) => !isGcsUri(a.source));
  await Promise.all(local.map((attempt, i) => startVideoAhead(attempt, options, i === 0)));
}

/** Work started ahead and not yet taken by a step (for tests). */
export function workAhead(): number {
  return probesAhead.size + segmentsAhead.size;
}

/**
 * A whole video within one element: probe, its segments one after another,
 * assemble, and the dead letter on failure. The streaming job on Flink runs
 * this instead of processVideos' fan-out, which regroups segments with a
 * GroupByKey that its read (Flink's unbounded-source read) would never fire
 * (see beam/pipeline.ts, StreamingShape).
 */
export async function processWholeVideo(input: VideoAttempt, options: PipelineOptions): Promise<Outcome> {
  const probed = await probe(input, options);
  if ("failed" in probed) return deadLetter(probed.failed, options);
  const segments: SegmentDone[] = [];
  for (const task of planSegmentTasks(probed.ok, options)) segments.push(await processSegment(task, options));
  const assembled = await assemble(segments, options);
  return "failed" in assembled ? deadLetter(assembled.failed, options) : assembled.ok;
}
