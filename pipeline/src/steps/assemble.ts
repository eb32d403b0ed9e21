/**
 * The assemble step: a video's segments joined into gray.mp4 (or the one
 * written whole taken as it is), the predictions and the preview written,
 * and the manifest last, as the commit marker.
 */
import { promises as fs } from "node:fs";
import { SegmentDone, VideoFacts, failed, named, scratchName, wholeVideo, workFolder } from "./video-elements";
import { releaseVideo, stageVideo } from "./staging";
import { SegmentFile, joinSegments } from "../video/assemble";
import { VideoError } from "../errors";
import { setMaxRetrySeconds } from "../failure-policy";
import { endProgress, log } from "../log";
import { buildManifest, outputLayout, writeManifest } from "../output/manifest";
import type { Outcome, Routed } from "../model";
import { round } from "../util/numbers";
import type { PipelineOptions } from "../options";
import { countFrames } from "../video/probe";
import { committedSince, downloadFile, isGcsUri, removeEmptyParents, removeTree, uploadFile, writeData } from "../io/storage";
import { TimeBase, secondsOf } from "../video/timeline";
import { drawContactSheet } from "../video/vision";
import { boxesOf } from "../inference/inference";
import { InferenceSummary, predictionLines, summariseInference } from "../inference/predict-frames";

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
    await releaseVideo(input);
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
    const source = audio ? await stageVideo(input, video.continuousCopy) : "";
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
