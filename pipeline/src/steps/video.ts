/**
 * The video steps: probe a video, plan its segments, process each segment
 * (decode, gray, encode, sample for the preview and inference), assemble
 * the outputs and commit them with the manifest; or all of it within one
 * element (processWholeVideo). The elements they pass (ProbedVideo,
 * SegmentTask, SegmentDone) are made of the video stages' types.
 */
import { createHash } from "node:crypto";
import { WorkAhead } from "./ahead";
import { deadLetter } from "./outcomes";
import { promises as fs } from "node:fs";
import { SegmentFile, audioPlan, joinSegments } from "../video/assemble";
import { WholeVideo, decodeSegment, ffmpegCoreCount, grayPlan } from "../video/decode";
import { Stage, VideoError, asVideoError, isRetryable } from "../errors";
import { setMaxRetrySeconds } from "../failure-policy";
import { endProgress, log, reportFrames } from "../log";
import { buildManifest, outputLayout, writeManifest } from "../output/manifest";
import type { Failure, Outcome, Routed, VideoAttempt, VideoInput } from "../model";
import { round } from "../util/numbers";
import type { PipelineOptions } from "../options";
import { VideoInfo, countFrames, probeVideo } from "../video/probe";
import {
  SegmentPlan,
  endsEvenly,
  keyframeSplitSeconds,
  pictureOf,
  picturesIn,
  planEvery,
  planSamples,
  planSegments,
  sampleWindows,
  spreadIndices,
} from "../video/segment";
import {
  committedSince,
  downloadFile,
  isGcsUri,
  joinUri,
  releaseInput,
  removeEmptyParents,
  removeTree,
  scratchDir,
  sizeOf,
  stageInput,
  uploadFile,
  writeData,
} from "../io/storage";
import { TimeBase, Timeline, secondsOf, timeOf } from "../video/timeline";
import { Thumbnail, drawContactSheet, makeThumbnail, opencv, prepareForInference } from "../video/vision";
import { boxesOf, parseEndpoint, toInstance } from "../inference/inference";
import { clientFor } from "../inference/prediction-client";
import { FramePrediction, FramePredictor, InferenceSummary, predictionLines, summariseInference } from "../inference/predict-frames";

export interface ProbedVideo extends VideoAttempt {
  video: VideoInfo;
  sizeBytes: number;
  startedAt: number;
}

/** A video's facts without its list of pictures: what travels with each of its segments. */
export type VideoFacts = Omit<VideoInfo, "timeline"> & Pick<Timeline, "timeBase" | "originSec" | "endPts" | "discarded">;

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
function named(input: VideoInput): VideoInput {
  return input.notification
    ? { source: input.source, key: input.key, notification: input.notification }
    : { source: input.source, key: input.key };
}

function failed(input: VideoInput, err: unknown, stage: Stage): { failed: Failure } {
  const error = asVideoError(stage, err);
  return { failed: { ...named(input), stage: error.stage, reason: error.reason, retryable: isRetryable(err) } };
}

function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

const probesAhead = new WorkAhead<Routed<ProbedVideo>>();
const segmentsAhead = new WorkAhead<SegmentDone>();

/** An element's identity for work ahead: all of it (a task planned from the same probe is the same JSON). */
const identity = (element: VideoAttempt | SegmentTask) => JSON.stringify(element);

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

/** Checks the source exists and is not empty or too large, stages it locally and probes it. */
export async function probe(input: VideoAttempt, options: PipelineOptions): Promise<Routed<ProbedVideo>> {
  return probesAhead.take(identity(input)) ?? probeNow(input, options);
}

async function probeNow(input: VideoAttempt, options: PipelineOptions): Promise<Routed<ProbedVideo>> {
  setMaxRetrySeconds(options.maxRetrySeconds);
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
    const local = await stageInput(input.source, input.attempt);
    const video = await probeVideo(local, input.source);
    const { timeline, ...facts } = video;
    log("INFO", `probed ${input.key}: ${video.codec} ${video.width}x${video.height}, ${round(video.fps, 2)} fps, ${video.frames} frames`, {
      event: "probed",
      video: input.key,
      ...facts,
    });
    return { ok: { ...input, video, sizeBytes: size, startedAt } };
  } catch (err) {
    await releaseInput(input.source, input.attempt);
    return failed(input, err, "probe");
  }
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
  const { timeBase, originSec, endPts, discarded } = timeline;
  const facts: VideoFacts = { ...rest, timeBase, originSec, endPts, discarded };
  const input: VideoAttempt = { ...named(probed), attempt: probed.attempt };
  const sent = options.predictionEndpoint ? planEvery(timeline, options.inferenceFps, video.fps) : [];
  const preview =
    sent === "all" || sent.length === 0
      ? planSamples(timeline, options.previewFrames)
      : spreadIndices(sent.length, options.previewFrames).map((i) => sent[i]);
  const plan = planSegments(timeline, segmentSecondsFor(video, options));
  const evenEnd = endsEvenly(timeline);
  return plan.map((segment) => ({
    input,
    video: facts,
    startedAt,
    segment,
    segments: plan.length,
    preview: picturesIn(segment, preview),
    infer: sent === "all" ? "all" : picturesIn(segment, sent),
    // All segments alike: the joined track's timing comes out right only when they agree.
    bFrames: evenEnd,
  }));
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
  if (per <= 0 || options.runner !== "direct" || options.writeGrayVideo) return per;
  const cores = ffmpegCoreCount();
  if (video.durationSec / cores < SIDE_BY_SIDE_MIN_SECONDS) return per;
  const part = keyframeSplitSeconds(video.timeline, cores);
  return part !== null && part < per ? part : per;
}

/** A scratch file of this attempt: named by a hash of the key (never the key itself), the process and the attempt. */
function scratchName(input: VideoAttempt, suffix: string): string {
  return scratchDir(
    "work",
    `${createHash("sha256").update(input.key).digest("hex").slice(0, 24)}-${process.pid}-${input.attempt}-${suffix}`,
  );
}

/** Where this attempt's segments wait for assembly. */
function workFolder(input: VideoAttempt, options: PipelineOptions): string {
  return joinUri(outputLayout(options.outputDirectory, input.key).work, input.attempt);
}

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
function needsOpenCV(task: SegmentTask): boolean {
  return task.preview.length > 0 || task.infer === "all" || task.infer.length > 0;
}

/**
 * A segment's work. `ahead` (work ahead) is told when its ffmpeg runs or
 * waits for cores; the caller then loads OpenCV, which otherwise loads as
 * ffmpeg starts.
 */
async function processSegmentNow(task: SegmentTask, options: PipelineOptions, ahead?: () => void): Promise<SegmentDone> {
  setMaxRetrySeconds(options.maxRetrySeconds);
  const { input, video, segment } = task;
  const { width, height } = video;
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
    await fs.mkdir(scratchDir("work"), { recursive: true });
    const local = await stageInput(input.source, input.attempt);
    const preview = new Set(task.preview);
    const infer = task.infer === "all" ? null : new Set(task.infer);
    const inferring = task.infer === "all" || task.infer.length > 0;
    const predictor = inferring
      ? new FramePredictor(clientFor(parseEndpoint(options.predictionEndpoint!), options), options.maxBatchSize)
      : null;
    const chosen = [...new Set([...task.preview, ...(infer ?? [])])].sort((a, b) => a - b);
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
        samples: task.infer === "all" ? "all" : sampleWindows(segment, chosen, video.endPts),
        width,
        height,
        output,
        bFrames: task.bFrames,
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
          if (preview.has(picture)) done.thumbnails.push(makeThumbnail(gray, width, height, picture, timeSec));
          if (predictor && (infer === null || infer.has(picture))) {
            const image = prepareForInference(gray, width, height, options.inferenceSize, options.instanceFormat !== "pixels");
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

/**
 * The frames decoded, checked against the pictures the container holds: a
 * few that cannot be decoded (a broken slice) are counted, more than
 * maxUndecodableFrames, or none decoded at all, fail the video.
 */
export function checkDecoded(video: VideoFacts, source: string, decoded: number, maxUndecodable: number): number {
  const undecodable = Math.max(0, video.frames - decoded);
  if (decoded === 0) {
    throw new VideoError("segment", `no frame of ${source} could be decoded (it holds ${video.frames}): the file is damaged`);
  }
  if (undecodable > maxUndecodable) {
    throw new VideoError(
      "segment",
      `${undecodable} of the ${video.frames} frames of ${source} could not be decoded (${decoded} could), ` +
        `more than maxUndecodableFrames (${maxUndecodable}): the file is damaged`,
    );
  }
  return undecodable;
}

/** Joins a video's segments into gray.mp4, draws the preview and writes the manifest, last. */
export async function assemble(parts: SegmentDone[], options: PipelineOptions): Promise<Routed<Outcome>> {
  setMaxRetrySeconds(options.maxRetrySeconds);
  const segments = [...parts].sort((a, b) => a.index - b.index);
  const { input, video, startedAt } = segments[0];
  const layout = outputLayout(options.outputDirectory, input.key);
  const started = Date.now();
  const localCopies: string[] = [];
  try {
    const broken = segments.find((s) => s.error)?.error;
    if (broken) return { failed: { ...named(input), ...broken } };
    if (segments.length !== segments[0].segments) {
      throw new VideoError("assemble", `only ${segments.length} of ${segments[0].segments} segments arrived`);
    }
    const decoded = segments.reduce((n, s) => n + s.decoded, 0);
    const undecodable = checkDecoded(video, input.source, decoded, options.maxUndecodableFrames);
    const predictions = segments.flatMap((s) => s.predictions).sort((a, b) => a.frame - b.frame);
    const failedFrames = predictions.filter((p) => p.error !== null);
    if (predictions.length > 0 && failedFrames.length === predictions.length) {
      throw new VideoError("inference", `every prediction request failed: ${failedFrames[0].error}`);
    }
    const ok = { status: "ok" as const, source: input.source, key: input.key, manifest: layout.manifest, frames: decoded };
    const existing = await committedSince(layout.manifest, startedAt);
    const committedElsewhere = () => {
      // Another attempt at the same upload (a duplicate delivery elsewhere) committed while this one worked: its result stands.
      log("INFO", `${input.key} was completed by another attempt meanwhile; keeping its result`, {
        event: "already committed",
        video: input.key,
      });
      return { ok: { ...ok, wallSec: round((Date.now() - startedAt) / 1000, 3) } };
    };
    if (existing.committed) return committedElsewhere();
    if (options.writeGrayVideo) await writeGrayVideo(segments, layout.grayVideo, decoded, localCopies);
    let inference: InferenceSummary | undefined;
    if (options.predictionEndpoint) {
      await writeData(layout.predictions, predictionLines(predictions), "application/x-ndjson");
      inference = summariseInference(
        segments.map((s) => s.inference),
        predictions,
        options,
        (Date.now() - startedAt) / 1000,
      );
    }
    const boxes = new Map(predictions.map((p) => [p.frame, p.error === null ? boxesOf(p.predictions) : []]));
    const preview = drawContactSheet(
      segments.flatMap((s) => s.thumbnails),
      4,
      (frame) => boxes.get(frame) ?? [],
    );
    await writeData(layout.preview, preview, "image/jpeg");
    const manifest = buildManifest({
      source: input.source,
      key: input.key,
      video,
      decoded,
      undecodable,
      layout,
      segments: segments.length,
      startedAt,
      segmentSec: segments.reduce((sum, s) => sum + s.encodeSec, 0),
      assembleSec: (Date.now() - started) / 1000,
      inference,
      grayVideo: options.writeGrayVideo,
    });
    if (!(await writeManifest(manifest, layout, existing.generation))) return committedElsewhere();
    log("INFO", `done ${input.key}: ${decoded} frames in ${manifest.metrics.wallSec} s (${manifest.metrics.framesPerSec} fps)`, {
      event: "video done",
      video: input.key,
      frames: decoded,
      undecodable,
      seconds: manifest.metrics.wallSec,
      fps: manifest.metrics.framesPerSec,
      manifest: layout.manifest,
    });
    return { ok: { ...ok, wallSec: manifest.metrics.wallSec } };
  } catch (err) {
    return failed(input, err, "assemble");
  } finally {
    endProgress(input.key);
    await Promise.all(localCopies.map((p) => fs.rm(p, { force: true })));
    const work = workFolder(input, options);
    await removeTree(work).catch(() => undefined);
    await removeEmptyParents(work, options.outputDirectory);
    await releaseInput(input.source, input.attempt);
  }
}

/** Microseconds, the unit the concat demuxer reads: spans are differences of rounded times, so no error adds up. */
function micros(ticks: number, tb: TimeBase): number {
  return Math.round(secondsOf(ticks, tb) * 1e6);
}

/**
 * Makes gray.mp4 from the segments (from local copies when in Cloud
 * Storage): joined in order, each from its first picture's time, with the
 * source's sound; a joined result's frames counted against those decoded.
 */
async function writeGrayVideo(segments: SegmentDone[], grayVideo: string, decoded: number, localCopies: string[]): Promise<void> {
  const { input, video } = segments[0];
  const files: SegmentFile[] = await Promise.all(
    segments.map(async (s, i) => {
      let file = s.segmentUri!;
      if (isGcsUri(file)) {
        file = scratchName(input, `join-${i}.mp4`);
        localCopies.push(file);
        await downloadFile(s.segmentUri!, file);
      }
      const spanSec = s.untilPts === null ? null : (micros(s.untilPts, video.timeBase) - micros(s.fromPts, video.timeBase)) / 1e6;
      return { path: file, spanSec };
    }),
  );
  let gray = files[0].path;
  // A video written whole holds the frames its own ffmpeg counted as it wrote them (`decoded`): nothing to count again.
  if (!segments[0].whole) {
    gray = scratchName(input, "gray.mp4");
    localCopies.push(gray);
    const { startSec, endSec, audio } = wholeVideo(video, segments[0].fromPts, segments[0].bFrames);
    const source = audio ? await stageInput(input.source, input.attempt) : "";
    await joinSegments(files, gray, { startSec, endSec }, audio ? { ...audio, source } : null);
    // The join's check: a segment boundary that drops or repeats a frame fails the video.
    const frames = await countFrames(gray);
    if (frames !== decoded) {
      throw new VideoError("assemble", `the joined video has ${frames} frames, ${decoded} were decoded`);
    }
  }
  // A copy, not a move, of a segment written whole: a retried assemble finds it again.
  await uploadFile(gray, grayVideo, "video/mp4", !segments[0].whole);
}

/**
 * How a video's gray.mp4 is timed and gets its sound, from its first
 * segment: by the join of its segments (assemble.ts), or, for a video of
 * one segment, by that segment's own ffmpeg (decode.ts, WholeVideo).
 */
function wholeVideo(video: VideoFacts, fromPts: number, bFrames: boolean): WholeVideo {
  const plan = audioPlan(video.audioCodec);
  return {
    startSec: timeOf(fromPts, video),
    endSec: bFrames ? null : timeOf(video.endPts, video),
    audio: plan ? { originSec: video.originSec, plan } : null,
  };
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
