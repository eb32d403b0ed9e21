/**
 * What each step of the pipeline does to one element, built from the stage
 * modules. Every function takes and returns plain JSON-like data (no
 * Buffers, no undefined: real runners encode elements with BSON) and never
 * throws for a problem with one video: it returns a Failure, which the graph
 * routes to the dead letter. The Beam layer (pipeline.ts) only wires these.
 */
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import { audioPlan, concatSegments } from "./assemble";
import { decodeSegment } from "./decode";
import { Stage, VideoError, asVideoError } from "./errors";
import { endProgress, log, reportFrames } from "./log";
import { DeadLetter, InferenceSummary, buildManifest, outputLayout, round, writeDeadLetter, writeManifest } from "./manifest";
import type { PipelineOptions } from "./options";
import { VideoInfo, countFrames, probeVideo } from "./probe";
import { SegmentPlan, frameTime, planSamples, planSegments, samplesIn } from "./segment";
import {
  downloadFile, isGcsUri, joinUri, moveUri, releaseInput, removeTree, scratchDir, sizeOf, stageInput, uploadFile, writeData,
} from "./storage";
import { Thumbnail, drawContactSheet, makeThumbnail, opencv, prepareForInference } from "./vision";
import { boxesOf, parseEndpoint, planInferenceFrames, toInstance } from "./inference";
import { clientFor } from "./prediction-client";
import { FramePrediction, FramePredictor, predictionLines, summariseInference } from "./predict-frames";

export interface VideoInput {
  source: string;
  key: string;
}

export interface ProbedVideo extends VideoInput {
  video: VideoInfo;
  sizeBytes: number;
  startedAt: number;
  /** Frames the preview shows. */
  samples: number[];
}

export interface SegmentTask {
  video: ProbedVideo;
  segment: SegmentPlan;
  segments: number;
}

export interface SegmentDone {
  key: string;
  video: ProbedVideo;
  index: number;
  segments: number;
  /** Where the segment's gray video waits for assembly; null when no gray video is written. */
  segmentUri: string | null;
  thumbnails: Thumbnail[];
  encodeSec: number;
  error: { stage: Stage; reason: string; retryable: boolean } | null;
  /** One per frame sent for inference (none without an endpoint). */
  predictions: FramePrediction[];
  inference: { deployedModelId: string | null; requests: number; retries: number };
}

export interface Failure extends VideoInput {
  stage: Stage;
  reason: string;
  /** Not a problem of the video (storage or network trouble): another attempt may succeed. */
  retryable: boolean;
}

export type Outcome =
  | { status: "ok"; source: string; key: string; manifest: string; frames: number; wallSec: number }
  | { status: "failed"; source: string; key: string; stage: Stage; reason: string; retryable: boolean; deadLetter: string };

type Routed<T> = { ok: T } | { failed: Failure };

function failed(input: VideoInput, err: unknown, stage: Stage): { failed: Failure } {
  const error = asVideoError(stage, err);
  const retryable = !(err instanceof VideoError);
  return { failed: { source: input.source, key: input.key, stage: error.stage, reason: error.reason, retryable } };
}

function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** Checks the source exists and is not empty or too large, stages it locally and probes it. */
export async function probe(input: VideoInput, options: PipelineOptions): Promise<Routed<ProbedVideo>> {
  const startedAt = Date.now();
  try {
    const size = await sizeOf(input.source);
    if (size === undefined) throw new VideoError("input", `${input.source} does not exist`);
    if (size === 0) throw new VideoError("input", `${input.source} is empty (0 bytes)`);
    if (size > options.maxInputBytes) {
      throw new VideoError(
        "input",
        `${input.source} is ${formatBytes(size)}, larger than the ${formatBytes(options.maxInputBytes)} allowed (maxInputBytes)`,
      );
    }
    const local = await stageInput(input.source);
    const video = await probeVideo(local, input.source);
    log("INFO", `probed ${input.key}: ${video.codec} ${video.width}x${video.height}, ${round(video.fps, 2)} fps, ${video.frames} frames`, {
      event: "probed", video: input.key, ...video,
    });
    return { ok: { ...input, video, sizeBytes: size, startedAt, samples: previewFrames(video, options) } };
  } catch (err) {
    await releaseInput(input.source);
    return failed(input, err, "probe");
  }
}

/**
 * The frames the preview shows: evenly spaced over the video or, with
 * inference, over the frames sent for inference (so the preview can show
 * their boxes).
 */
function previewFrames(video: VideoInfo, options: PipelineOptions): number[] {
  if (!options.predictionEndpoint) return planSamples(video.frames, options.previewFrames);
  const sent = planInferenceFrames(video.frames, video.fps, options.inferenceFps);
  return planSamples(sent.length, options.previewFrames).map((i) => sent[i]);
}

/** One task per segment of the video. */
export function planSegmentTasks(video: ProbedVideo, options: PipelineOptions): SegmentTask[] {
  const plan = planSegments(video.video, options.segmentSeconds);
  return plan.map((segment) => ({ video, segment, segments: plan.length }));
}

function scratchName(key: string, suffix: string): string {
  return scratchDir("work", `${createHash("sha256").update(key).digest("hex").slice(0, 24)}-${process.pid}-${suffix}`);
}

/** Encodes one segment to gray H.264 (when wanted), predicts its frames and makes the preview thumbnails inside it. */
export async function processSegment(task: SegmentTask, options: PipelineOptions): Promise<SegmentDone> {
  const { video, segment } = task;
  const { width, height, fpsFraction, frames } = video.video;
  const layout = outputLayout(options.outputDirectory, video.key);
  const segmentUri = options.writeGrayVideo ? joinUri(layout.work, `segment-${String(segment.index).padStart(5, "0")}.mp4`) : null;
  const done: SegmentDone = {
    key: video.key, video, index: segment.index, segments: task.segments, segmentUri,
    thumbnails: [], encodeSec: 0, error: null, predictions: [],
    inference: { deployedModelId: null, requests: 0, retries: 0 },
  };
  const started = Date.now();
  const output = segmentUri === null ? null : scratchName(video.key, `segment-${segment.index}.mp4`);
  try {
    await fs.mkdir(scratchDir("work"), { recursive: true });
    const input = await stageInput(video.source);
    const preview = new Set(samplesIn(segment, video.samples));
    const predict = options.predictionEndpoint
      ? new Set(samplesIn(segment, planInferenceFrames(frames, video.video.fps, options.inferenceFps)))
      : new Set<number>();
    const predictor = predict.size > 0 ? new FramePredictor(clientFor(parseEndpoint(options.predictionEndpoint!), options), options.maxBatchSize) : null;
    const sampleOffsets = [...new Set([...preview, ...predict])].sort((a, b) => a - b).map((f) => f - segment.startFrame);
    await decodeSegment(
      {
        input, seekSec: segment.seekSec, frameCount: segment.frameCount, width, height, output, sampleOffsets,
        // A segment that is the whole video becomes gray.mp4 as it is; segments of a longer one get the sound when joined.
        ...(task.segments === 1 ? { faststart: true, audio: audioPlan(video.video.audioCodec) } : {}),
      },
      {
        // Loading OpenCV (about 0.5 s, once per process) overlaps with ffmpeg's start.
        onStarted: () => sampleOffsets.length > 0 && opencv(),
        onSample: async (offset, gray) => {
          const frame = segment.startFrame + offset;
          const timeSec = frameTime(frame, fpsFraction);
          if (preview.has(frame)) done.thumbnails.push(makeThumbnail(gray, width, height, frame, timeSec));
          if (predictor && predict.has(frame)) {
            const image = prepareForInference(gray, width, height, options.inferenceSize, options.instanceFormat !== "pixels");
            await predictor.add(frame, timeSec, toInstance(options.instanceFormat, image));
          }
        },
        onFrames: (n) => reportFrames(video.key, n, frames),
      },
    );
    if (predictor) {
      done.predictions = await predictor.finish();
      done.inference = {
        deployedModelId: predictor.deployedModelId,
        requests: predictor.requests,
        retries: predictor.retries,
      };
    }
    if (output !== null) await uploadFile(output, segmentUri!, "video/mp4", true);
  } catch (err) {
    const error = asVideoError("segment", err);
    done.error = { stage: error.stage, reason: error.reason, retryable: !(err instanceof VideoError) };
    if (output !== null) await fs.rm(output, { force: true });
  }
  done.encodeSec = (Date.now() - started) / 1000;
  log("DEBUG", `segment ${segment.index + 1}/${task.segments} of ${video.key} done`, {
    event: "segment done", video: video.key, index: segment.index, seconds: done.encodeSec, error: done.error,
  });
  return done;
}

/** Joins a video's segments into gray.mp4, draws the preview and writes the manifest, last. */
export async function assemble(parts: SegmentDone[], options: PipelineOptions): Promise<Routed<Outcome>> {
  const segments = [...parts].sort((a, b) => a.index - b.index);
  const { video } = segments[0];
  const layout = outputLayout(options.outputDirectory, video.key);
  const started = Date.now();
  const localCopies: string[] = [];
  try {
    const broken = segments.find((s) => s.error)?.error;
    if (broken) return { failed: { source: video.source, key: video.key, ...broken } };
    if (segments.length !== segments[0].segments) {
      throw new VideoError("assemble", `only ${segments.length} of ${segments[0].segments} segments arrived`);
    }
    const predictions = segments.flatMap((s) => s.predictions).sort((a, b) => a.frame - b.frame);
    const failedFrames = predictions.filter((p) => p.error !== null);
    if (predictions.length > 0 && failedFrames.length === predictions.length) {
      throw new VideoError("inference", `every prediction request failed: ${failedFrames[0].error}`);
    }
    const frames = video.video.frames;
    if (options.writeGrayVideo) await writeGrayVideo(segments, layout.grayVideo, video, localCopies);
    let inference: InferenceSummary | undefined;
    if (options.predictionEndpoint) {
      await writeData(layout.predictions, predictionLines(predictions), "application/x-ndjson");
      inference = summariseInference(segments.map((s) => s.inference), predictions, options, (Date.now() - video.startedAt) / 1000);
    }
    const boxes = new Map(predictions.map((p) => [p.frame, p.error === null ? boxesOf(p.predictions) : []]));
    const preview = drawContactSheet(segments.flatMap((s) => s.thumbnails), 4, (frame) => boxes.get(frame) ?? []);
    await writeData(layout.preview, preview, "image/jpeg");
    const manifest = buildManifest({
      source: video.source, key: video.key, video: video.video, layout, segments: segments.length,
      startedAt: video.startedAt, segmentSec: segments.reduce((sum, s) => sum + s.encodeSec, 0),
      assembleSec: (Date.now() - started) / 1000, inference, grayVideo: options.writeGrayVideo,
    });
    await writeManifest(manifest, layout);
    log("INFO", `done ${video.key}: ${frames} frames in ${manifest.metrics.wallSec} s (${manifest.metrics.framesPerSec} fps)`, {
      event: "video done", video: video.key, frames, seconds: manifest.metrics.wallSec, fps: manifest.metrics.framesPerSec, manifest: layout.manifest,
    });
    return {
      ok: { status: "ok", source: video.source, key: video.key, manifest: layout.manifest, frames, wallSec: manifest.metrics.wallSec },
    };
  } catch (err) {
    return failed(video, err, "assemble");
  } finally {
    endProgress(video.key);
    await Promise.all(localCopies.map((p) => fs.rm(p, { force: true })));
    await removeTree(layout.work).catch(() => undefined);
    await releaseInput(video.source);
  }
}

/**
 * Makes gray.mp4 from the segments: the only segment is the whole video,
 * already checked frame for frame and indexed at the front, so it is moved;
 * several are joined (from local copies when in Cloud Storage) and the
 * result's frames counted.
 */
async function writeGrayVideo(segments: SegmentDone[], grayVideo: string, video: ProbedVideo, localCopies: string[]): Promise<void> {
  const uris = segments.map((s) => s.segmentUri!);
  if (uris.length === 1) return moveUri(uris[0], grayVideo);
  const local = await Promise.all(
    uris.map(async (uri, i) => {
      if (!isGcsUri(uri)) return uri;
      const copy = scratchName(video.key, `join-${i}.mp4`);
      localCopies.push(copy);
      await downloadFile(uri, copy);
      return copy;
    }),
  );
  const gray = scratchName(video.key, "gray.mp4");
  localCopies.push(gray);
  const plan = audioPlan(video.video.audioCodec);
  await concatSegments(local, gray, plan ? { source: await stageInput(video.source), plan } : null);
  const frames = await countFrames(gray);
  if (frames !== video.video.frames) {
    throw new VideoError("assemble", `the joined video has ${frames} frames, the source ${video.video.frames}`);
  }
  await uploadFile(gray, grayVideo, "video/mp4", true);
}

/** Writes the dead-letter record of a video that could not be processed. */
export async function deadLetter(failure: Failure, options: PipelineOptions): Promise<Outcome> {
  const layout = outputLayout(options.outputDirectory, failure.key);
  const record: DeadLetter = {
    source: failure.source, key: failure.key, status: "failed", stage: failure.stage, reason: failure.reason,
    retryable: failure.retryable, failedAt: new Date().toISOString(),
  };
  await writeDeadLetter(record, layout);
  log("WARNING", `dead letter ${failure.key}: ${failure.reason}`, {
    event: "dead letter", video: failure.key, stage: failure.stage, reason: failure.reason, record: layout.deadLetter,
  });
  return { status: "failed", ...failure, deadLetter: layout.deadLetter };
}

/** Appends an outcome to a local JSON-lines report (how a one-machine run learns what happened). */
export async function recordOutcome(reportPath: string, outcome: Outcome): Promise<Outcome> {
  await fs.appendFile(reportPath, JSON.stringify(outcome) + "\n");
  return outcome;
}
