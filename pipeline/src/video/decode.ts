/**
 * Decode: one ffmpeg process per segment decodes the frames of the segment,
 * turns them gray (the luma plane, where it is cheapest), encodes them with
 * libx264 (unless no gray video is wanted) and, from the same decode, hands
 * the frames a per-frame consumer needs (preview, inference) to Node as raw
 * gray buffers with their timestamps. Frames never leave the worker that
 * decodes them.
 */
import * as os from "node:os";
import type { Readable } from "node:stream";
import { VideoError } from "../errors";
import { lowerPriority, startTool } from "../util/native-processes";
import { SourceAudio, audioArgs, endAt } from "./assemble";
import { ffmpegPath, firstErrorLine, interruption } from "./tools";

export interface SegmentJob {
  /** Local path of the source video. */
  input: string;
  /** The video stream's index in the file. */
  streamIndex: number;
  /** Where decoding starts, seconds from the file's start (0: the beginning). */
  seekSec: number;
  /** The segment's first picture's timestamp: output frames are timed from it. */
  fromPts: number;
  /** Drop decoded frames before fromPts (every segment but the first). */
  trimStart: boolean;
  /** Frames from this timestamp on belong to the next segment; null: decode to the end. */
  untilPts: number | null;
  /** Timestamp ranges [first, last] of frames that are not shown (an edit list's discarded packets). */
  drop: Array<[number, number]>;
  /** A raw stream's (Timeline.rawFrameTicks): its frame n is timed n times this many ticks, before anything else sees it. */
  rawFrameTicks?: number;
  /** The frames are off the nominal rate's grid (Timeline.offGrid): gray.mp4 is written in their own time base. */
  keepTimes?: boolean;
  /** Timestamp windows [from, until) of the frames to hand to `onSample`, or "all". */
  samples: Array<[number, number]> | "all";
  width: number;
  height: number;
  /** The size the samples are handed to Node at, when not width x height: the picture in square pixels (squarePixelSize), or a thumbnail's. */
  sampleSize?: { width: number; height: number };
  /** Local path of the gray H.264 segment to write; null decodes (and counts) the frames without encoding them. */
  output: string | null;
  x264Preset?: string;
  /** false encodes without B-frames (see segment.ts, endsEvenly). */
  bFrames?: boolean;
  /** ffmpeg runs at a lower priority (LOW_PRIORITY_NICENESS): a shorter part beside a longer one (segment.ts, shorterParts). */
  lowPriority?: boolean;
  /**
   * Interlaced source: the gray video is encoded field by field (the decoder's
   * field order goes with each frame), and the samples are deinterlaced.
   */
  interlaced?: boolean;
  /** How the frames become gray (grayPlan); absent: by conversion, the way that fits every source. */
  gray?: GrayPlan;
  /** The output is the video's gray.mp4 itself (a video of one segment, written once): see WholeVideo. */
  whole?: WholeVideo;
}

/**
 * What makes a segment's output the whole video's gray.mp4, as joinSegments
 * (assemble.ts) makes it of segments: the source's sound beside the frames,
 * both timed from the source's start, the last frame ending where the
 * source's does, the index at the front.
 */
export interface WholeVideo {
  /** When the segment's first picture shows, seconds from the source's start. */
  startSec: number;
  /** Where the video ends on that clock; null leaves the end as encoded (see JoinTiming). */
  endSec: number | null;
  /** The source's sound (its stream, and how it goes in); null: none. */
  audio: (SourceAudio & { originSec: number }) | null;
}

/**
 * How a segment's frames become gray. The gray picture is the luma plane
 * that 8-bit planar YUV video already has: taking it as it is costs a plane
 * copy where `format=gray` runs swscale over every pixel (and converts its
 * range), and a decoder that skips chroma (-flags gray) saves more. The
 * sampled frames (preview, inference) are still converted to full-range gray
 * (0-255), as before: what models expect.
 */
export interface GrayPlan {
  /** The decoder skips chroma (-flags gray): only for codecs whose luma is then bit-exact (decode.test.ts checks each). */
  lumaOnly: boolean;
  /** Take the luma plane as it is (extractplanes=y) rather than convert to full-range gray (format=gray). */
  extractLuma: boolean;
  /** The range of the gray video's values, flagged in it so that players show them right: the source's when extracted. */
  range: "tv" | "pc";
  /**
   * The decoder hands luma-only frames over as gray already (MPEG-1, 2 and 4 and their kin with -flags gray): they
   * need no plane taken out (format=gray passes them as they are, where extractplanes=y would copy every one).
   */
  decodedGray: boolean;
  /**
   * Those gray frames are tagged limited range, so format=gray does not stretch the samples to full range as it does
   * from YUV: a lut does, with format=gray's own rounding.
   */
  stretchSamples: boolean;
}

/** Decoders that, with -flags gray, output gray frames (not YUV with blank chroma), tagged limited range unless the stream says full. */
const GRAY_OUTPUT_DECODERS = ["mpeg4", "mpeg1video", "mpeg2video", "msmpeg4v2", "msmpeg4v3", "wmv1", "wmv2"];

/**
 * Decoders whose -flags gray skips chroma and leaves the luma bit-exact (decode.test.ts proves both on each): those,
 * and H.264's, whose frames stay YUV. Not mjpeg: FFmpeg 8's MJPEG decoder takes the flag and still decodes chroma.
 */
export const LUMA_ONLY_DECODERS = ["h264", ...GRAY_OUTPUT_DECODERS];

/** Limited to full range as swscale's YUV to gray conversion does it (bit for bit: decode.test.ts). */
const STRETCH_TO_FULL_RANGE = "lut=y='clip(round((val-16)*255/219)\\,0\\,255)',setrange=pc";

/** Pixel formats whose first plane is 8-bit luma, the picture a player shows in gray. */
const PLANAR_YUV8 = /^yuvj?a?(420|422|444|440|411|410)p$/;

/** Conversion to full-range gray: fits every source (10-bit, RGB, palettes). */
const converted: GrayPlan = { lumaOnly: false, extractLuma: false, range: "pc", decodedGray: false, stretchSamples: false };

/** The cheapest exact way to gray for a video stream (codec, pixel format and range as ffprobe names them). */
export function grayPlan(codec: string, pixelFormat: string, colorRange: string): GrayPlan {
  const lumaOnly = LUMA_ONLY_DECODERS.includes(codec);
  if (!PLANAR_YUV8.test(pixelFormat)) return converted;
  const full = pixelFormat.startsWith("yuvj") || colorRange === "pc";
  const decodedGray = lumaOnly && GRAY_OUTPUT_DECODERS.includes(codec);
  return { lumaOnly, extractLuma: true, range: full ? "pc" : "tv", decodedGray, stretchSamples: decodedGray && !full };
}

/**
 * ffmpeg's arguments for a segment job. Pure, so tests can check the exact command.
 *
 * Timestamps stay the container's own (-copyts), so the trim at the
 * segment's bounds and the sample windows compare integers in the stream's
 * time base; the frames written are timed from the segment's first picture,
 * which is how the segments are laid end to end again (assemble.ts). Frames
 * keep their own timestamps (-vsync vfr): a held frame is a longer frame, not
 * a copy. They are written in the encoder's default time base, one tick per
 * frame at the nominal rate (ffprobe's r_frame_rate, which every timestamp of
 * the stream usually fits): with the stream's own, finer time base the MP4
 * muxer of ffmpeg 2018 gave the last frame no duration, and its edit list
 * then left that frame out. Frames off that grid (a browser's MP4 timed by its
 * capture clock: Timeline.offGrid) are written in the stream's own time base.
 */
export function segmentArgs(job: SegmentJob): string[] {
  const gray = job.gray ?? converted;
  const sampled = job.samples === "all" || job.samples.length > 0;
  const bounds = [job.trimStart ? `start_pts=${job.fromPts}` : "", job.untilPts !== null ? `end_pts=${job.untilPts}` : ""].filter(Boolean);
  // Timestamps only go forward (a decoder's stray repeat of an earlier frame, box.mp4's last, is dropped),
  // and frames an edit list leaves out are not shown.
  const shown = job.drop.map(([a, b]) => `*not(between(pts\\,${a}\\,${b}))`).join("");
  const forward = `select='(isnan(prev_selected_pts)+gt(pts\\,prev_selected_pts))${shown}'`;
  const timed = job.rawFrameTicks ? `setpts=N*${job.rawFrameTicks},` : "";
  const frames = `[0:${job.streamIndex}]${timed}${bounds.length ? `trim=${bounds.join(":")},` : ""}${forward}`;
  const retime = `setpts=PTS-${job.fromPts}`;
  const select = job.samples === "all" ? "" : `select='${sumOf(job.samples.map(([a, b]) => `between(pts\\,${a}\\,${b - 1})`))}',`;
  // An interlaced frame's two fields show two moments: where something moved, its lines alternate (combing), which
  // a preview shows and a model sees. yadif on the sampled frames alone keeps what did not move since the previous
  // sample and interpolates the rest from one field (nearer the picture than ffmpeg's bwdif over every frame, in
  // decode.test's clip); deint=interlaced leaves frames flagged progressive as they are. showinfo, which logs each
  // sample's timestamp (stderr, before the frame is written: how Node knows which frame it got), comes before it:
  // yadif halves the time base, so the timestamps it passes on are not the stream's.
  const toGray = gray.extractLuma ? ["format=gray", ...(gray.stretchSamples ? [STRETCH_TO_FULL_RANGE] : [])] : []; // the converted frames are gray already
  const timedGray = job.interlaced
    ? ["showinfo", "yadif=mode=send_frame:parity=auto:deint=interlaced", ...toGray]
    : [...toGray, "showinfo"];
  // Node cuts the samples out of one stream of bytes by their size, so every one has the same: a video whose picture
  // size changes part way (a browser's recording of a resized window, broadcast switching from SD to HD) has its
  // later frames scaled to it, as ffmpeg scales them for gray.mp4's encoder (otherwise every sample after the change
  // is cut wrong, and Node waits for a timestamp that never comes). The same scale stretches anamorphic video (pixels
  // not square) to the shape players show, once gray (an odd width is fine). A frame of the size asked for passes as it is.
  // Samples made smaller (thumbnails) are scaled by area, as OpenCV's INTER_AREA does: the nearest to averaging the
  // pixels each output pixel covers.
  const size = job.sampleSize ?? job;
  const resized = size.width !== job.width || size.height !== job.height;
  const smaller = size.width < job.width && size.height < job.height;
  const sized = [`scale=${size.width}:${size.height}${smaller ? ":flags=area" : ""}`, ...(resized ? ["setsar=1"] : [])];
  const samples = `[smp]${select}${[...timedGray, ...sized].join(",")}[samples]`;
  // The luma plane, taken as it is; from a decoder that outputs gray, the frame as it is (format=gray passes it).
  const luma = gray.decodedGray ? "format=gray" : "extractplanes=y";
  let graph: string;
  if (!sampled) graph = `${frames},${gray.extractLuma ? luma : "format=gray"},${retime}[enc]`;
  else if (gray.extractLuma) graph = `${frames},split=2[dec][smp];[dec]${luma},${retime}[enc];${samples}`;
  else graph = `${frames},format=gray,split=2[gray][smp];[gray]${retime}[enc];${samples}`;
  const args = ["-hide_banner", "-nostdin", "-loglevel", `level+${sampled ? "info" : "warning"}`, "-nostats", "-progress", "pipe:3"];
  if (job.seekSec > 0) args.push("-noaccurate_seek", "-ss", job.seekSec.toFixed(6));
  if (gray.lumaOnly) args.push("-flags", "gray");
  args.push("-copyts", "-i", job.input);
  const sound = job.whole?.audio;
  if (sound) args.push("-itsoffset", (-(sound.originSec + job.whole!.startSec)).toFixed(6), "-i", job.input);
  args.push("-filter_complex", graph);
  args.push("-map", "[enc]", "-vsync", "vfr", "-sn", "-dn", ...(sound ? [] : ["-an"]));
  if (job.output === null) {
    // The null muxer still counts every frame in -progress: the frames are counted without a file.
    args.push("-f", "null", "-");
  } else {
    const x264 = [
      "-c:v",
      "libx264",
      "-preset",
      job.x264Preset ?? "veryfast",
      ...(job.bFrames === false ? ["-bf", "0"] : []),
      ...(job.interlaced ? ["-flags", "+ildct"] : []),
    ];
    // The frames' own time base where the nominal rate's grid would move them (-enc_time_base filter: the trimmed,
    // retimed stream's, which is the source's).
    if (job.keepTimes) x264.push("-enc_time_base:v", "filter");
    args.push(...x264, "-color_range", gray.range, ...wholeVideoArgs(job.whole), "-f", "mp4", "-y", job.output);
  }
  // The samples wait in a queue of their own while Node is busy, so that ffmpeg keeps decoding rather than wait on a
  // full pipe: FFmpeg 8 muxes each output in its own thread, behind a queue of packets (8 by default; 12 here).
  const samplesOut = ["-c:v", "rawvideo", "-pix_fmt", "gray", "-thread_queue_size", "12", "-f", "rawvideo", "pipe:1"];
  if (sampled) args.push("-map", "[samples]", "-vsync", "passthrough", ...samplesOut);
  return args;
}

/**
 * The output options that make a segment's output the whole gray.mp4, timed
 * as joinSegments times it: the frames are encoded from 0 and the output is
 * shifted to the segment's start; the sound (a second input: the source
 * again) is shifted back by as much beyond the source's origin, so that it
 * lands where the join puts it.
 */
function wholeVideoArgs(whole: WholeVideo | undefined): string[] {
  if (!whole) return [];
  const args: string[] = [];
  if (whole.audio) args.push(...audioArgs(1, whole.audio));
  if (whole.endSec !== null) args.push("-bsf:v", endAt(whole.endSec));
  args.push("-output_ts_offset", whole.startSec.toFixed(6), "-movflags", "+faststart");
  return args;
}

/**
 * A sum of expression terms, nested in groups: ffmpeg 8's expression parser
 * refuses a chain of more than 100 terms ("Error while parsing expression";
 * a 79 s video sampled twice a second has 159 windows), groups of 50 it takes.
 */
export function sumOf(terms: string[], group = 50): string {
  let parts = terms;
  while (parts.length > group) {
    const grouped: string[] = [];
    for (let i = 0; i < parts.length; i += group) grouped.push(`(${parts.slice(i, i + group).join("+")})`);
    parts = grouped;
  }
  return parts.join("+");
}

/**
 * The cores a process's ffmpeg jobs share, each job taking its share before it
 * starts and queueing (first come, first served) while the others hold them.
 */
export class CoreBudget {
  private used = 0;
  private readonly queue: Array<{ cores: number; start: () => void }> = [];

  constructor(readonly cores: number) {}

  /** Runs `work` once `cores` are free; `onQueued` is told when it has to wait for them. */
  async run<T>(cores: number, work: () => Promise<T>, onQueued?: () => void): Promise<T> {
    const share = Math.min(Math.max(1, cores), this.cores);
    if (this.queue.length > 0 || this.used + share > this.cores) {
      const turn = new Promise<void>((start) => this.queue.push({ cores: share, start }));
      onQueued?.();
      await turn;
    } else this.used += share;
    try {
      return await work();
    } finally {
      this.used -= share;
      while (this.queue.length > 0 && this.used + this.queue[0].cores <= this.cores) {
        const next = this.queue.shift()!;
        this.used += next.cores;
        next.start();
      }
    }
  }
}

/**
 * What a segment job keeps busy. An encode (the decoder's threads and
 * libx264's, which start one per core) keeps two cores busy, a decode alone
 * about one and a half. Measured on 2 cores: a 10-minute 360p video took
 * 161 s with one encode at a time and 157 s with two (noise-level), 60 s
 * clips cut in 15 s segments were no faster than whole, and each encode
 * beside another added about 60 MiB (peak 300 MiB against 235): one encode
 * per two cores, decodes alone side by side.
 */
const CORES_PER_ENCODE = 2;
let budget: CoreBudget | undefined;
/** Made on first use, not at load (a process started from the start-up snapshot loaded this module at build time). */
const ffmpegCores = (): CoreBudget =>
  (budget ??= new CoreBudget(Math.max(1, Number(process.env.VIDEOFLOW_FFMPEG_CORES) || os.availableParallelism())));

/** The cores this process's ffmpeg jobs share. */
export function ffmpegCoreCount(): number {
  return ffmpegCores().cores;
}

export interface SegmentCallbacks {
  /** A sampled frame and its timestamp: `gray` is one frame of the sample size, valid only until the returned promise settles. */
  onSample?: (pts: number, gray: Buffer) => void | Promise<void>;
  /** Frames decoded since the last call. */
  onFrames?: (frames: number) => void;
  /** ffmpeg has started: synchronous set-up done here overlaps with its work. */
  onStarted?: () => void;
  /** ffmpeg waits for cores that other segments' ffmpeg hold (CoreBudget). */
  onQueued?: () => void;
}

/**
 * Decodes one segment (encoding it when it has an output) and resolves with
 * the number of frames decoded; a file that cannot be decoded at all rejects.
 * Whether frames are missing is the caller's to judge (steps/assemble.ts), over the
 * whole video.
 */
export function decodeSegment(job: SegmentJob, callbacks: SegmentCallbacks = {}): Promise<number> {
  return ffmpegCores().run(job.output === null ? 1 : CORES_PER_ENCODE, () => runFfmpeg(job, callbacks), callbacks.onQueued);
}

/**
 * How much nicer a lower-priority part's ffmpeg is than videoflow: at 10,
 * CFS gives it about a tenth of a core that another runnable thread wants.
 * vtest.avi's read + gray (parts of 500 and 295 pictures) took 0.970 of the
 * time with the shorter one at 10 (60 paired runs): the longer one, which
 * the video waits for, is no longer slowed by it, and it still ends first.
 */
const LOW_PRIORITY_NICENESS = 10;

/** The timestamp in a showinfo log line, or null for any other line. */
export function showinfoPts(line: string): number | null {
  const match = /\[Parsed_showinfo_\d+ @ [^\]]*\]\s*(?:\[info\]\s*)?n:\s*\d+\s+pts:\s*(-?\d+)/.exec(line);
  return match ? Number(match[1]) : null;
}

/** Runs the segment's ffmpeg; resolves with the number of frames it reported output. */
function runFfmpeg(job: SegmentJob, callbacks: SegmentCallbacks): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = startTool(ffmpegPath(), segmentArgs(job), ["ignore", "pipe", "pipe", "pipe"]);
    if (job.lowPriority && child.pid !== undefined) lowerPriority(child.pid, LOW_PRIORITY_NICENESS);
    const problems: string[] = [];
    let failure: unknown;
    const stamps = new Timestamps();
    let partial = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        const pts = showinfoPts(line);
        if (pts !== null) stamps.push(pts);
        else if (/\[(warning|error|fatal|panic)\]/.test(line)) {
          problems.push(line.replace(/\[(warning|error|fatal|panic)\] /, ""));
          if (problems.length > 50) problems.shift();
        }
      }
    });
    child.stderr!.on("close", () => stamps.end());
    const progress = watchProgress(child.stdio[3] as Readable, callbacks.onFrames);
    const sample = job.sampleSize ?? job;
    const frames = readFrames(child.stdout!, sample.width * sample.height, stamps, callbacks.onSample).catch((err) => {
      failure = err;
      child.kill("SIGKILL");
    });
    child.on("error", reject);
    callbacks.onStarted?.();
    child.on("close", async (code, signal) => {
      await frames;
      if (failure) return reject(failure);
      if (code === 0) return resolve(progress.frames);
      const stopped = interruption("segment", ffmpegPath(), { code, signal });
      if (stopped) return reject(stopped);
      const why = firstErrorLine(problems.join("\n")) || `ffmpeg exited with ${code ?? signal}`;
      reject(
        new VideoError(
          "segment",
          `ffmpeg could not decode the segment from ${job.seekSec.toFixed(3)} s (${progress.frames} frames decoded): ${why}`,
        ),
      );
    });
  });
}

/** The sampled frames' timestamps, in order, as showinfo logs them; a frame's may be read after the frame itself. */
class Timestamps {
  private readonly values: number[] = [];
  private waiting: Array<() => void> = [];
  private ended = false;

  push(pts: number): void {
    this.values.push(pts);
    for (const wake of this.waiting.splice(0)) wake();
  }

  end(): void {
    this.ended = true;
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** The timestamp of sampled frame `i`; ffmpeg logs it before it writes the frame, so it comes. */
  async at(i: number): Promise<number> {
    while (this.values.length <= i) {
      if (this.ended) throw new Error(`ffmpeg wrote sampled frame ${i + 1} without logging its timestamp`);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return this.values[i];
  }
}

/** Cuts ffmpeg's raw gray output into frames and hands each, with its timestamp, to `onSample`, pausing ffmpeg while it works. */
async function readFrames(stdout: Readable, frameBytes: number, stamps: Timestamps, onSample: SegmentCallbacks["onSample"]): Promise<void> {
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
        const pts = await stamps.at(index++);
        if (onSample) await onSample(pts, frame);
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
