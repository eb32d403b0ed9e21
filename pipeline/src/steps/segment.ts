/**
 * The segment step: one segment decoded, made gray and encoded (when the
 * gray video is wanted), its sampled frames made into preview thumbnails
 * and sent for inference; or the result of the same work started ahead (video.ts).
 */
import { promises as fs } from "node:fs";
import { SegmentDone, SegmentTask, identity, scratchName, segmentsAhead, wholeVideo, workFolder } from "./video-elements";
import { decodeSegment, grayPlan } from "../video/decode";
import { asVideoError, isRetryable } from "../errors";
import { setMaxRetrySeconds } from "../failure-policy";
import { log, reportFrames } from "../log";
import type { PipelineOptions } from "../options";
import { pictureOf, sampleWindows } from "../video/segment";
import { doneWithVideo, stageVideo } from "./staging";
import { joinUri, scratchDir, uploadFile } from "../io/storage";
import { timeOf } from "../video/timeline";
import { squarePixelSize } from "../video/picture";
import { makeThumbnail, opencv, prepareForInference, thumbnailSize } from "../video/vision";
import { parseEndpoint, toInstance } from "../inference/inference";
import { clientFor } from "../inference/prediction-client";
import { FramePredictor } from "../inference/predict-frames";

/** Encodes one segment to gray H.264 (when wanted), predicts its frames and makes the preview thumbnails inside it. */
export async function processSegment(task: SegmentTask, options: PipelineOptions): Promise<SegmentDone> {
  const ahead = segmentsAhead.take(identity(task));
  if (ahead) return ahead;
  // Planned otherwise than ahead (it never is: planning is pure): the work ahead writes this attempt's scratch files.
  if ((await segmentsAhead.settled(task.input.attempt)) > 0) {
    log("WARNING", `segment ${task.segment.index} of ${task.input.key} differs from the one started ahead: processed again`);
  }
  return processSegmentNow(task, options);
}

/** Whether a segment's work uses OpenCV: it has pictures to sample (preview, inference). */
export function needsOpenCV(task: SegmentTask): boolean {
  return task.preview.length > 0 || task.infer === "all" || task.infer.length > 0;
}

/**
 * A segment's work. `ahead` (work ahead) is told when its ffmpeg runs or
 * waits for cores; the caller then loads OpenCV, which otherwise loads as
 * ffmpeg starts.
 */
export async function processSegmentNow(task: SegmentTask, options: PipelineOptions, ahead?: () => void): Promise<SegmentDone> {
  setMaxRetrySeconds(options.maxRetrySeconds);
  const { input, video, segment } = task;
  const { width, height } = video;
  // The preview and inference see the picture as players show it: anamorphic video in square pixels.
  const shown = squarePixelSize(video);
  const segmentUri = options.writeGrayVideo
    ? joinUri(workFolder(input, options), `segment-${String(segment.index).padStart(5, "0")}.mp4`)
    : null;
  const done: SegmentDone = {
    key: input.key,
    input,
    video,
    startedAt: task.startedAt,
    index: segment.index,
    segments: task.segments,
    fromPts: segment.fromPts,
    untilPts: segment.untilPts,
    bFrames: task.bFrames,
    segmentUri,
    whole: segmentUri !== null && task.segments === 1,
    decoded: 0,
    thumbnails: [],
    encodeSec: 0,
    error: null,
    predictions: [],
    inference: { deployedModelId: null, requests: 0, retries: 0 },
  };
  const started = Date.now();
  const output = segmentUri === null ? null : scratchName(input, `segment-${segment.index}.mp4`);
  try {
    // First: whether it succeeds or fails, this use of the video's file is counted, and doneWithVideo below ends it.
    const local = await stageVideo(input, video.continuousCopy);
    if (output !== null) await fs.mkdir(scratchDir("work"), { recursive: true });
    const preview = new Set(task.preview);
    const infer = task.infer === "all" ? null : new Set(task.infer);
    const inferring = task.infer === "all" || task.infer.length > 0;
    const predictor = inferring
      ? new FramePredictor(clientFor(parseEndpoint(options.predictionEndpoint!), options), options.maxBatchSize)
      : null;
    const chosen = [...new Set([...task.preview, ...(infer ?? [])])].sort((a, b) => a - b);
    // Samples that only make thumbnails come from ffmpeg at the thumbnail's size: its scale (on frames it already
    // has) costs less than Node receiving whole pictures and scaling them with OpenCV beside the decoders.
    const sampleSize = inferring ? shown : thumbnailSize(shown);
    const seen = new Set<number>();
    done.decoded = await decodeSegment(
      {
        input: local,
        streamIndex: video.streamIndex,
        seekSec: segment.seekSec,
        fromPts: segment.fromPts,
        trimStart: segment.index > 0,
        untilPts: segment.untilPts,
        drop: video.discarded,
        rawFrameTicks: video.rawFrameTicks,
        keepTimes: video.offGrid,
        samples: task.infer === "all" ? "all" : sampleWindows(segment, chosen, video.endPts),
        width,
        height,
        sampleSize,
        output,
        bFrames: task.bFrames,
        lowPriority: task.lowPriority,
        interlaced: video.interlaced,
        whole: done.whole ? wholeVideo(video, segment.fromPts, task.bFrames) : undefined,
        gray: grayPlan(video.codec, video.pixelFormat, video.colorRange),
      },
      {
        // Loading OpenCV (about 0.15 s, once per process) overlaps with ffmpeg's decoding: the samples wait in ffmpeg's queue (decode.ts).
        onStarted: () => {
          if (ahead) ahead();
          else if (needsOpenCV(task)) opencv();
        },
        onQueued: ahead,
        onSample: async (pts, gray) => {
          const picture = pictureOf(segment, pts);
          // A decoder's stray repeat of a frame, or a frame before the first picture: not a picture of this segment.
          if (picture < 0 || seen.has(picture)) return;
          seen.add(picture);
          const timeSec = timeOf(pts, video);
          if (preview.has(picture)) done.thumbnails.push(makeThumbnail(gray, sampleSize.width, sampleSize.height, picture, timeSec));
          if (predictor && (infer === null || infer.has(picture))) {
            const image = prepareForInference(gray, shown.width, shown.height, options.inferenceSize, options.instanceFormat !== "pixels");
            await predictor.add(picture, timeSec, toInstance(options.instanceFormat, image));
          }
        },
        onFrames: (n) => reportFrames(input.key, n, video.frames),
      },
    );
    if (predictor) {
      done.predictions = await predictor.finish();
      done.inference = { deployedModelId: predictor.deployedModelId, requests: predictor.requests, retries: predictor.retries };
    }
    if (output !== null) await uploadFile(output, segmentUri!, "video/mp4", true);
  } catch (err) {
    const error = asVideoError("segment", err);
    const reason = error.reason.includes(input.source) ? error.reason : `${input.source}: ${error.reason}`;
    done.error = { stage: error.stage, reason, retryable: isRetryable(err) };
    if (output !== null) await fs.rm(output, { force: true });
  }
  // This worker may get no other step of the video (on other runners the segments are spread): its copy goes when idle.
  doneWithVideo(input, video.continuousCopy);
  done.encodeSec = (Date.now() - started) / 1000;
  log("DEBUG", `segment ${segment.index + 1}/${task.segments} of ${input.key} done`, {
    event: "segment done",
    video: input.key,
    index: segment.index,
    seconds: done.encodeSec,
    decoded: done.decoded,
    error: done.error,
  });
  return done;
}
