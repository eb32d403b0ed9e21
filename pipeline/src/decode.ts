/**
 * Decode: one ffmpeg process per segment decodes the frames of the segment,
 * turns them gray (the luma plane, where it is cheapest), encodes them with
 * libx264 (unless no gray video is wanted) and, from the same decode, hands
 * the frames a per-frame consumer needs (preview, inference) to Node as raw
 * gray buffers. Frames never leave the worker that decodes them.
 */
import { spawn } from "node:child_process";
import * as os from "node:os";
import type { Readable } from "node:stream";
import { AudioPlan, audioArgs } from "./assemble";
import { VideoError } from "./errors";
import { countFrames } from "./probe";
import { ffmpegPath, firstErrorLine, lastChars, toolEnv } from "./tools";

export interface SegmentJob {
  /** Local path of the source video. */
  input: string;
  seekSec: number;
  frameCount: number;
  width: number;
  height: number;
  /** Frame offsets within the segment (0 = its first frame) to hand to `onSample`. */
  sampleOffsets: number[];
  /** Local path of the gray H.264 segment to write; null decodes (and counts) the frames without encoding them. */
  output: string | null;
  x264Preset?: string;
  /** Put the index at the front (for a segment that is the whole video: it becomes gray.mp4 as it is). */
  faststart?: boolean;
  /** The source's sound, for a segment that is the whole video (segments of a longer one get it when joined). */
  audio?: AudioPlan | null;
}

/** ffmpeg's arguments for a segment job. Pure, so tests can check the exact command. */
export function segmentArgs(job: SegmentJob): string[] {
  const samples = job.sampleOffsets.length > 0;
  // trim ends decoding at the segment's last frame (ffmpeg stops reading the
  // input once every output has ended); setpts restarts timestamps at 0 so the
  // concat demuxer can lay segments end to end.
  const head = `[0:v:0]trim=end_frame=${job.frameCount},setpts=PTS-STARTPTS,format=gray`;
  // Every frame wanted (inference at the full rate): no select to evaluate per frame.
  const everyFrame = job.sampleOffsets.length === job.frameCount;
  const select = everyFrame ? "null" : `select='${job.sampleOffsets.map((n) => `eq(n\\,${n})`).join("+")}'`;
  const graph = samples ? `${head},split=2[enc][smp];[smp]${select}[samples]` : `${head}[enc]`;
  const args = ["-hide_banner", "-nostdin", "-v", "error", "-nostats", "-progress", "pipe:3"];
  if (job.seekSec > 0) args.push("-ss", job.seekSec.toFixed(6));
  args.push("-i", job.input, "-filter_complex", graph);
  // passthrough: keep each frame's own timestamp, never duplicate or drop to fit a rate.
  args.push("-map", "[enc]", "-frames:v", String(job.frameCount), "-vsync", "passthrough", "-sn", "-dn");
  if (job.output === null) {
    // The null muxer still counts every frame in -progress, which is how a damaged source is caught without a file.
    args.push("-an", "-f", "null", "-");
  } else {
    args.push(
      "-c:v", "libx264", "-preset", job.x264Preset ?? "veryfast", ...audioArgs(0, job.audio ?? null),
      ...(job.faststart ? ["-movflags", "+faststart"] : []),
      "-f", "mp4", "-y", job.output,
    );
  }
  if (samples) args.push("-map", "[samples]", "-vsync", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1");
  return args;
}

/** Runs at most this many ffmpeg encodes at once in this process (x264 itself uses every core). */
const maxConcurrentEncodes = Math.max(1, Number(process.env.VIDEOFLOW_MAX_ENCODES) || os.availableParallelism());
let running = 0;
const waiting: Array<() => void> = [];

async function withEncodeSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= maxConcurrentEncodes) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

export interface SegmentCallbacks {
  /** A sampled frame: `gray` is width*height bytes, valid only until the returned promise settles. */
  onSample?: (offset: number, gray: Buffer) => void | Promise<void>;
  /** Frames encoded since the last call. */
  onFrames?: (frames: number) => void;
  /** ffmpeg has started: synchronous set-up done here overlaps with its work. */
  onStarted?: () => void;
}

/**
 * Decodes one segment (encoding it when it has an output) and checks that it
 * holds exactly `frameCount` frames: a shortfall means the source is
 * truncated or damaged, and fails the video.
 */
export function decodeSegment(job: SegmentJob, callbacks: SegmentCallbacks = {}): Promise<void> {
  return withEncodeSlot(async () => {
    const decoded = await runFfmpeg(job, callbacks);
    const counted = job.output === null ? decoded : await countFrames(job.output);
    if (counted !== job.frameCount) {
      throw new VideoError(
        "segment",
        `decoded ${counted} of the ${job.frameCount} frames expected after ${job.seekSec.toFixed(3)} s: ` +
          "the file is truncated or damaged",
      );
    }
  });
}

/** Runs the segment's ffmpeg; resolves with the number of frames it reported output. */
function runFfmpeg(job: SegmentJob, callbacks: SegmentCallbacks): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, segmentArgs(job), { stdio: ["ignore", "pipe", "pipe", "pipe"], env: toolEnv });
    let stderr = "";
    let failure: unknown;
    child.stderr!.on("data", (chunk: Buffer) => (stderr = lastChars(stderr + chunk.toString(), 8000)));
    const progress = watchProgress(child.stdio[3] as Readable, callbacks.onFrames);
    const frames = readFrames(child.stdout!, job.width * job.height, job.sampleOffsets, callbacks.onSample).catch(
      (err) => {
        failure = err;
        child.kill("SIGKILL");
      },
    );
    child.on("error", reject);
    callbacks.onStarted?.();
    child.on("close", async (code, signal) => {
      await frames;
      if (failure) return reject(failure);
      if (code === 0) return resolve(progress.frames);
      const why = firstErrorLine(stderr) || `ffmpeg exited with ${code ?? signal}`;
      reject(new VideoError("segment", `ffmpeg could not decode the segment at ${job.seekSec.toFixed(3)} s: ${why}`));
    });
  });
}

/** Cuts ffmpeg's raw gray output into frames and hands each to `onSample`, pausing ffmpeg while it works. */
async function readFrames(
  stdout: Readable,
  frameBytes: number,
  offsets: number[],
  onSample: SegmentCallbacks["onSample"],
): Promise<void> {
  let frame = Buffer.allocUnsafe(frameBytes);
  let filled = 0;
  let index = 0;
  for await (const chunk of stdout as AsyncIterable<Buffer>) {
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(frameBytes - filled, chunk.length - at);
      chunk.copy(frame, filled, at, at + n);
      filled += n;
      at += n;
      if (filled === frameBytes) {
        const offset = offsets[index++];
        if (onSample && offset !== undefined) await onSample(offset, frame);
        frame = Buffer.allocUnsafe(frameBytes);
        filled = 0;
      }
    }
  }
}

/** Follows ffmpeg's -progress output; `frames` is the highest frame count it reported. */
function watchProgress(stream: Readable, onFrames: SegmentCallbacks["onFrames"]): { frames: number } {
  const progress = { frames: 0 };
  let pending = "";
  stream.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const match = /^frame=(\d+)/.exec(line);
      if (!match) continue;
      const frames = Number(match[1]);
      if (frames > progress.frames) onFrames?.(frames - progress.frames);
      progress.frames = Math.max(progress.frames, frames);
    }
  });
  return progress;
}
