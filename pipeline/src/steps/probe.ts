/**
 * The probe step: a video's source checked, staged and probed (or the result
 * of the probe started ahead, video.ts), and its segments planned.
 */
import { ProbedVideo, SegmentTask, VideoFacts, failed, named, probesAhead, identity } from "./video-elements";
import { VideoError } from "../errors";
import { setMaxRetrySeconds } from "../failure-policy";
import { log } from "../log";
import type { Routed, VideoAttempt } from "../model";
import { round } from "../util/numbers";
import type { PipelineOptions } from "../options";
import { ffmpegCoreCount } from "../video/decode";
import { CONTINUOUS_COPY, VideoInfo, probeVideo } from "../video/probe";
import {
  endsEvenly,
  keyframeSplitSeconds,
  picturesIn,
  planEvery,
  planSamples,
  planSegments,
  shorterParts,
  spreadIndices,
} from "../video/segment";
import { doneWithVideo, releaseVideo, stageVideo } from "./staging";
import { missingReason, sizeOf } from "../io/storage";

function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** Checks the source exists and is not empty or too large, stages it locally and probes it. */
export async function probe(input: VideoAttempt, options: PipelineOptions): Promise<Routed<ProbedVideo>> {
  return probesAhead.take(identity(input)) ?? probeNow(input, options);
}

export async function probeNow(input: VideoAttempt, options: PipelineOptions): Promise<Routed<ProbedVideo>> {
  setMaxRetrySeconds(options.maxRetrySeconds);
  const startedAt = Date.now();
  try {
    const size = await sizeOf(input.source);
    if (size === undefined) throw new VideoError("input", await missingReason(input.source));
    if (size === 0) throw new VideoError("input", `${input.source} is empty (0 bytes)`);
    if (size > options.maxInputBytes) {
      throw new VideoError(
        "input",
        `${input.source} is ${formatBytes(size)}, larger than the ${formatBytes(options.maxInputBytes)} allowed (maxInputBytes)`,
      );
    }
    const local = await stageVideo(input, null);
    const video = await readContinuously(input, await probeVideo(local, input.source));
    doneWithVideo(input, null);
    const { timeline, ...facts } = video;
    log("INFO", `probed ${input.key}: ${video.codec} ${video.width}x${video.height}, ${round(video.fps, 2)} fps, ${video.frames} frames`, {
      event: "probed",
      video: input.key,
      ...facts,
    });
    return { ok: { ...input, video, sizeBytes: size, startedAt } };
  } catch (err) {
    await releaseVideo(input);
    return failed(input, err, "probe");
  }
}

/**
 * A video whose timestamps jump, probed again as its continuous copy
 * (steps/staging.ts), which its other steps read too; any other as it is.
 */
async function readContinuously(input: VideoAttempt, video: VideoInfo): Promise<VideoInfo> {
  if (video.timestampJumps === 0) return video;
  const muxer = CONTINUOUS_COPY[video.container];
  const copy = await probeVideo(await stageVideo(input, muxer), input.source);
  doneWithVideo(input, muxer);
  if (copy.timestampJumps > 0) {
    throw new VideoError(
      "probe",
      `${input.source}: its timestamps jump ${video.timestampJumps} times, and still ${copy.timestampJumps} in a continuous copy`,
    );
  }
  log(
    "INFO",
    `${input.key}: its timestamps jump ${video.timestampJumps} time(s) (recordings joined end to end): read as players play it, each after the one before`,
    {
      event: "timestamps joined",
      video: input.key,
      jumps: video.timestampJumps,
    },
  );
  // The nominal rate the file's headers give: where ffmpeg closes a jump by the sound (DVD), a frame at the join
  // comes up to a frame early, and the copy's nominal rate is the grid that fits that too (125 fps for 25).
  const { fps, fpsFraction } = video;
  return { ...copy, fps, fpsFraction, timestampJumps: video.timestampJumps, continuousCopy: muxer };
}

/**
 * One task per segment of the video, each with the pictures of it that the
 * preview and inference want. The preview's pictures are evenly spaced over
 * the video or, with inference, over the pictures sent (so the preview can
 * show their boxes).
 */
export function planSegmentTasks(probed: ProbedVideo, options: PipelineOptions): SegmentTask[] {
  const { video, startedAt } = probed;
  const { timeline, ...rest } = video;
  const { timeBase, originSec, endPts, discarded, rawFrameTicks, offGrid } = timeline;
  const facts: VideoFacts = {
    ...rest,
    timeBase,
    originSec,
    endPts,
    discarded,
    ...(rawFrameTicks ? { rawFrameTicks } : {}),
    ...(offGrid ? { offGrid } : {}),
  };
  const input: VideoAttempt = { ...named(probed), attempt: probed.attempt };
  const sent = options.predictionEndpoint ? planEvery(timeline, options.inferenceFps, video.fps) : [];
  const preview =
    sent === "all" || sent.length === 0
      ? planSamples(timeline, options.previewFrames)
      : spreadIndices(sent.length, options.previewFrames).map((i) => sent[i]);
  const plan = planSegments(timeline, segmentSecondsFor(video, options));
  const evenEnd = endsEvenly(timeline);
  const shorter = shorterParts(plan);
  return plan.map((segment, i) => ({
    input,
    video: facts,
    startedAt,
    segment,
    segments: plan.length,
    preview: picturesIn(segment, preview),
    infer: sent === "all" ? "all" : picturesIn(segment, sent),
    // All segments alike: the joined track's timing comes out right only when they agree.
    bFrames: evenEnd,
    lowPriority: decodesSideBySide(options) && shorter[i],
  }));
}

/**
 * Whether a video's parts decode side by side in this process: on the direct
 * runner without the gray video. An encode keeps both cores busy alone (decode.ts,
 * CORES_PER_ENCODE), and other runners spread parts over their workers.
 */
function decodesSideBySide(options: PipelineOptions): boolean {
  return options.runner === "direct" && !options.writeGrayVideo;
}

/** The shortest part a video is cut into to be decoded side by side: below, starting another ffmpeg costs more than it saves. */
const SIDE_BY_SIDE_MIN_SECONDS = 10;

/**
 * How long a video's segments are: segmentSeconds, or on the direct runner
 * without the gray video, short enough for each of this machine's cores to
 * decode a part, every cut just after a keyframe (keyframeSplitSeconds): one
 * H.264 decoder keeps about 1.5 of 2 cores busy and vtest.avi's MS-MPEG-4
 * decoder one, and two side by side finish sooner, unless one decodes part
 * of a GOP it throws away (vtest.avi cut at its middle: 0.82x; README,
 * Results). An encode keeps both cores busy alone, and other runners spread
 * segments over their workers.
 */
export function segmentSecondsFor(video: Pick<VideoInfo, "durationSec" | "timeline">, options: PipelineOptions): number {
  const per = options.segmentSeconds;
  if (per <= 0 || !decodesSideBySide(options)) return per;
  const cores = ffmpegCoreCount();
  if (video.durationSec / cores < SIDE_BY_SIDE_MIN_SECONDS) return per;
  const part = keyframeSplitSeconds(video.timeline, cores);
  return part !== null && part < per ? part : per;
}
