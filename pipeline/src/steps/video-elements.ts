/**
 * The elements the video steps pass (ProbedVideo, SegmentTask, SegmentDone:
 * made of the video stages' types), the work started ahead of them, and the
 * helpers the steps share: a Failure for an input, the attempt's scratch
 * files and work folder, and how a gray.mp4 is timed.
 */
import { createHash } from "node:crypto";
import { WorkAhead } from "./ahead";
import type { WholeVideo } from "../video/decode";
import { audioPlan } from "../video/assemble";
import { Stage, asVideoError, isRetryable } from "../errors";
import { outputLayout } from "../output/manifest";
import type { Failure, Routed, VideoAttempt, VideoInput } from "../model";
import type { PipelineOptions } from "../options";
import type { VideoInfo } from "../video/probe";
import type { SegmentPlan } from "../video/segment";
import { joinUri, scratchDir } from "../io/storage";
import { Timeline, timeOf } from "../video/timeline";
import type { Thumbnail } from "../video/vision";
import type { FramePrediction } from "../inference/predict-frames";

export interface ProbedVideo extends VideoAttempt {
  video: VideoInfo;
  sizeBytes: number;
  startedAt: number;
}

/** A video's facts without its list of pictures: what travels with each of its segments. */
export type VideoFacts = Omit<VideoInfo, "timeline"> &
  Pick<Timeline, "timeBase" | "originSec" | "endPts" | "discarded" | "rawFrameTicks" | "offGrid">;

export interface SegmentTask {
  input: VideoAttempt;
  video: VideoFacts;
  startedAt: number;
  segment: SegmentPlan;
  segments: number;
  /** Pictures (indices into the video's) the preview shows, of this segment. */
  preview: number[];
  /** Pictures sent for inference, of this segment: none without an endpoint, "all" for every one. */
  infer: number[] | "all";
  /** Encode with B-frames (see endsEvenly). */
  bFrames: boolean;
  /** Decoded at a lower priority: side by side on one machine with a longer part of the video (shorterParts). */
  lowPriority: boolean;
}

export interface SegmentDone {
  key: string;
  input: VideoAttempt;
  video: VideoFacts;
  startedAt: number;
  index: number;
  segments: number;
  fromPts: number;
  untilPts: number | null;
  /** Encoded with B-frames (see endsEvenly); without, the last packet is the last frame. */
  bFrames: boolean;
  /** Where the segment's gray video waits for assembly; null when no gray video is written. */
  segmentUri: string | null;
  /** The segment's gray video is the video's whole gray.mp4 (its only segment, written once: wholeVideo). */
  whole: boolean;
  /** Frames decoded. */
  decoded: number;
  thumbnails: Thumbnail[];
  encodeSec: number;
  error: { stage: Stage; reason: string; retryable: boolean } | null;
  /** One per frame sent for inference (none without an endpoint). */
  predictions: FramePrediction[];
  inference: { deployedModelId: string | null; requests: number; retries: number };
}

/** The input's own fields, for a Failure: a notification only when there is one (BSON drops undefined fields anyway). */
export function named(input: VideoInput): VideoInput {
  return input.notification
    ? { source: input.source, key: input.key, notification: input.notification }
    : { source: input.source, key: input.key };
}

export function failed(input: VideoInput, err: unknown, stage: Stage): { failed: Failure } {
  const error = asVideoError(stage, err);
  return { failed: { ...named(input), stage: error.stage, reason: error.reason, retryable: isRetryable(err) } };
}

export const probesAhead = new WorkAhead<Routed<ProbedVideo>>();
export const segmentsAhead = new WorkAhead<SegmentDone>();

/** An element's identity for work ahead: all of it (a task planned from the same probe is the same JSON). */
export const identity = (element: VideoAttempt | SegmentTask) => JSON.stringify(element);

/** A scratch file of this attempt: named by a hash of the key (never the key itself), the process and the attempt. */
export function scratchName(input: VideoAttempt, suffix: string): string {
  return scratchDir(
    "work",
    `${createHash("sha256").update(input.key).digest("hex").slice(0, 24)}-${process.pid}-${input.attempt}-${suffix}`,
  );
}

/** Where this attempt's segments wait for assembly. */
export function workFolder(input: VideoAttempt, options: PipelineOptions): string {
  return joinUri(outputLayout(options.outputDirectory, input.key).work, input.attempt);
}

/**
 * How a video's gray.mp4 is timed and gets its sound, from its first
 * segment: by the join of its segments (assemble.ts), or, for a video of
 * one segment, by that segment's own ffmpeg (decode.ts, WholeVideo).
 */
export function wholeVideo(video: VideoFacts, fromPts: number, bFrames: boolean): WholeVideo {
  const plan = audioPlan(video.audioCodec);
  return {
    startSec: timeOf(fromPts, video),
    endSec: bFrames ? null : timeOf(video.endPts, video),
    audio: plan && video.audioStreamIndex !== null ? { originSec: video.originSec, plan, stream: video.audioStreamIndex } : null,
  };
}
