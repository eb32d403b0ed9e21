/**
 * Probe: what a video is (codec, size, frame rate, duration) and where its
 * frames are (timeline.ts), read by ffprobe. `parseProbe` and
 * `describeFrames` are pure so tests can feed them ffprobe's output.
 */
import { z } from "zod";
import { VideoError } from "../errors";
import { PacketScan, TimeBase, Timeline, offNominalGrid, parsePacketScan, rangesBetween, secondsOf, toRuns, typicalStep } from "./timeline";
import { ffprobePath, firstErrorLine, runTool } from "./tools";
import { HEADERS, PACKETS, ffprobeArgs } from "./probe-commands";
import { aspectRatio, displayMirrored, displayRotation } from "./picture";
import { gcd } from "../util/numbers";

/** What the stream and format headers say, before the packets are read. */
export interface StreamInfo {
  /** The container, as ffprobe names its demuxer ("mpegts", "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", ...). */
  container: string;
  codec: string;
  /** The picture's size as players show it: a stream turned a quarter (rotation ±90) has its coded size swapped. */
  width: number;
  height: number;
  /**
   * The shape of its pixels, width:height, of the upright picture, reduced: "1:1" for square pixels (and when the
   * stream does not say). Anamorphic video has other shapes: HDV's 1440x1080 is shown 1920 wide ("4:3"), a
   * widescreen PAL DVD's 720x576 1024 wide ("64:45"). gray.mp4 keeps it; see picture.ts, squarePixelSize.
   */
  sampleAspectRatio: string;
  /**
   * Degrees the picture is turned counter-clockwise to be shown (the stream's
   * display matrix: phones record sideways and say so), 0, 90, 180 or -90.
   * ffmpeg turns decoded frames upright before any filter (its autorotate),
   * so every frame videoflow handles, and gray.mp4, is upright. With `mirrored`, the turn comes before the flip.
   */
  rotation: number;
  /** The display matrix also flips the picture left to right (ffmpeg's autorotate flips the frames too). */
  mirrored: boolean;
  /** The video stream's index in the file (ffmpeg's `0:<index>`): the one players show (shownVideoStream). */
  streamIndex: number;
  /**
   * ffmpeg's -ss seeks by another video stream than this one: the file's first that is not cover art (parseProbe),
   * whose keyframes are not this one's. Its segments then decode from the start (Timeline.seeksByAnotherStream).
   */
  seeksByAnotherStream: boolean;
  /** The nominal frame rate as ffprobe's exact fraction, e.g. "30000/1001". */
  fpsFraction: string;
  fps: number;
  timeBase: TimeBase;
  /** The file's start time (format start_time), seconds. */
  originSec: number;
  /** The frame count the container records, or 0. */
  recordedFrames: number;
  /** The video stream's duration as the container declares it, or null when it declares none of its own (see declaredLengthSec). */
  declaredSec: number | null;
  /** Where the video stream's own declared span ends (its start plus duration; an MP4 edit list's end), seconds, or null. */
  streamEndSec: number | null;
  pixelFormat: string;
  /** The range the stream's values are in, as its header says: "tv" (limited, 16-235), "pc" (full) or "unknown". */
  colorRange: string;
  /** The codec (ffprobe's name) of the sound players play (playedAudioStream), or null when the video has none. */
  audioCodec: string | null;
  /** That audio stream's index in the file (ffmpeg's `0:<index>`), or null. */
  audioStreamIndex: number | null;
  /** Average and nominal rates agree: pictures sit on a fixed grid (held frames are gaps in it). */
  constantRate: boolean;
  /** Each picture is two fields (broadcast): gray.mp4 keeps them as they are and says so, for players to deinterlace. */
  interlaced: boolean;
}

/** What a video is and where its frames are. */
export interface VideoInfo extends Omit<
  StreamInfo,
  "timeBase" | "originSec" | "recordedFrames" | "declaredSec" | "streamEndSec" | "seeksByAnotherStream"
> {
  /** Pictures the container holds (see timeline.ts): the frames videoflow decodes. */
  frames: number;
  /** Frames the container lists to be shown: the pictures and, in AVI, its empty chunks (not an edit list's discarded ones). */
  framesListed: number;
  /** Listed frames with no picture of their own: the picture before stays on screen. */
  framesHeld: number;
  /** From the first picture to the end of the last, as read. */
  durationSec: number;
  /**
   * How often the file's timestamps jump (recordings joined end to end, each
   * with its own clock: see PacketScan.jumps), in the containers whose jumps
   * ffmpeg closes (CONTINUOUS_COPY); 0 in others. Such a file is read through
   * a continuous copy, as players play it (steps/staging.ts).
   */
  timestampJumps: number;
  /** The muxer of the continuous copy read instead of the file (its timestamps jump), or null: the file is read as it is. */
  continuousCopy: string | null;
  timeline: Timeline;
}

/**
 * The containers whose timestamps may jump (and which have no index to seek
 * by: Timeline.seekLead), whose jumps ffmpeg's demuxer
 * closes (when not told to keep timestamps as they are), by ffprobe's name,
 * each with the muxer that writes a continuous copy of them: MPEG-TS (.ts,
 * .m2ts, .mts, .m2t) and MPEG-PS (.mpg, .vob; the vob muxer writes MPEG-2 PS,
 * which takes AC-3 and LPCM).
 */
export const CONTINUOUS_COPY: Readonly<Record<string, string>> = { mpegts: "mpegts", mpeg: "vob" };

/**
 * MPEG-TS or PS: a stream format, not a file format. No index (a seek lands
 * past the keyframe: Timeline.seekLead), no declared end (ffprobe estimates
 * one), and timestamps that may jump (timestampJumps).
 */
function isMpegStream(stream: Pick<StreamInfo, "container">): boolean {
  return Object.hasOwn(CONTINUOUS_COPY, stream.container);
}

/**
 * Bare elementary video streams, as ffprobe names their demuxers: an MPEG-2
 * .m2v from DVD authoring, MPEG-4 part 2, VC-1. No container: no index to
 * seek by, and presentation times that ffmpeg's parser makes only while
 * decoding (the packet scan sees decode order). Such a video is decoded in
 * one piece (Timeline.bareStream). Raw H.264, HEVC and VVC are bare too, and
 * have no timestamps at all (RAW_STREAMS).
 */
const BARE_STREAMS: ReadonlySet<string> = new Set(["mpegvideo", "m4v", "vc1", "cavsvideo"]);

/**
 * Raw H.264, HEVC and VVC streams, as ffprobe names their demuxers: what a
 * Raspberry Pi's camera (`.h264`), a DVR's export (`.264`) or an encoder's
 * test output holds. Not a timestamp in them: only each packet's duration,
 * which ffmpeg's parser takes from the stream's timing information or, where
 * there is none, makes 1/25 s (the rate ffplay and VLC play such a stream at).
 * Their frames are timed here one usual duration apart (timeRawStream).
 */
const RAW_STREAMS: ReadonlySet<string> = new Set(["h264", "hevc", "vvc"]);

const fraction = z.string().regex(/^\d+\/\d+$/);
const numeric = z.union([z.number(), z.string().regex(/^-?[\d.]+(e[+-]?\d+)?$/i)]).transform(Number);

const ffprobeOutput = z.object({
  streams: z
    .array(
      z.object({
        index: z.number().optional(),
        codec_type: z.string().optional(),
        codec_name: z.string().optional(),
        width: z.number().optional(),
        height: z.number().optional(),
        pix_fmt: z.string().optional(),
        color_range: z.string().optional(),
        field_order: z.string().optional(),
        sample_aspect_ratio: z.string().optional(),
        r_frame_rate: fraction.optional(),
        avg_frame_rate: fraction.optional(),
        nb_frames: numeric.optional(),
        nb_read_packets: numeric.optional(),
        duration: numeric.optional(),
        start_time: numeric.optional(),
        time_base: fraction.optional(),
        disposition: z.object({ attached_pic: z.number().optional(), default: z.number().optional() }).partial().optional(),
        side_data_list: z
          .array(z.object({ rotation: z.number().optional(), displaymatrix: z.string().optional() }).passthrough())
          .optional(),
        tags: z.object({ DURATION: z.string().optional() }).partial().optional(),
      }),
    )
    .default([]),
  format: z
    .object({
      format_name: z.string().optional(),
      duration: numeric.optional(),
      start_time: numeric.optional(),
    })
    .optional(),
});

export function fractionValue(f: string | undefined): number {
  if (!f) return 0;
  const parts = f.split("/").map(Number);
  return parts[1] > 0 ? parts[0] / parts[1] : 0;
}

type ProbedStream = z.infer<typeof ffprobeOutput>["streams"][number];

/**
 * The video stream players show, of those that are not a cover picture
 * (attached_pic), ranked as ffmpeg's av_find_best_stream (ffplay's choice)
 * ranks them: the track marked default first (a file may hold a still or
 * another angle before it: Matroska cover art written as a track loses its
 * attached_pic flag); then one with frames to play over a lone picture,
 * where the container counts them; then the first.
 */
function shownVideoStream(videos: ProbedStream[]): ProbedStream | undefined {
  const rank = (s: ProbedStream) => (s.disposition?.default ? 10 : 0) + Math.min(5, s.nb_frames ?? 5);
  return videos.reduce<ProbedStream | undefined>((best, s) => (best === undefined || rank(s) > rank(best) ? s : best), undefined);
}

/**
 * The audio stream players play: the track marked default (a second language,
 * a commentary or a camera's second microphone may come first, unmarked),
 * else the first.
 */
function playedAudioStream(streams: ProbedStream[]): ProbedStream | undefined {
  const audio = streams.filter((s) => s.codec_type === "audio");
  return audio.find((s) => s.disposition?.default) ?? audio[0];
}

/**
 * Turns ffprobe's stream and format JSON into StreamInfo, or throws a
 * VideoError saying what is missing.
 */
export function parseProbe(json: unknown, source: string): StreamInfo {
  const parsed = ffprobeOutput.safeParse(json);
  if (!parsed.success) throw new VideoError("probe", `${source}: ffprobe output was not understood`);
  const { streams, format } = parsed.data;
  const videos = streams.filter((s) => s.codec_type === "video" && !s.disposition?.attached_pic);
  const video = shownVideoStream(videos);
  // ffmpeg seeks an input before it knows which streams it will use, by the stream av_find_default_stream_index
  // ranks first then: the first video stream with a picture that is not cover art.
  const seekStream = videos.find((s) => s.width && s.height);
  if (!video) {
    const kinds = streams.map((s) => (s.disposition?.attached_pic ? "a cover picture" : (s.codec_type ?? "unknown")));
    throw new VideoError(
      "probe",
      `${source} has no video stream` + (kinds.length ? ` (it has: ${kinds.join(", ")})` : " (no streams at all)"),
    );
  }
  const codedWidth = video.width ?? 0;
  const codedHeight = video.height ?? 0;
  if (codedWidth <= 0 || codedHeight <= 0) throw new VideoError("probe", `${source}: the video stream has no picture size`);
  const rotation = displayRotation(video.side_data_list);
  const [width, height] = Math.abs(rotation) === 90 ? [codedHeight, codedWidth] : [codedWidth, codedHeight];
  // Turned a quarter, a pixel's width is its height.
  const [sarWidth, sarHeight] = aspectRatio(video.sample_aspect_ratio);
  const sampleAspectRatio = Math.abs(rotation) === 90 ? `${sarHeight}:${sarWidth}` : `${sarWidth}:${sarHeight}`;
  const average = fractionValue(video.avg_frame_rate);
  // ffprobe gives MPEG-1 video in MPEG-PS and TS (VCDs, old .mpg files) twice its frame rate as the nominal rate (it
  // counts the codec's two ticks a frame), and the average right: 29.97 fps would be called variable at 59.94.
  const doubled = video.codec_name === "mpeg1video" && average > 0 && fractionValue(video.r_frame_rate) === 2 * average;
  const rate = doubled ? video.avg_frame_rate : video.r_frame_rate;
  const nominal = fractionValue(rate);
  const fpsFraction = nominal > 0 ? rate! : (video.avg_frame_rate ?? "0/1");
  const fps = fractionValue(fpsFraction);
  // A raw stream's header rates are made up (an H.264 stream's tick rate, or 1200000/1): its packets give it one.
  const raw = RAW_STREAMS.has(format?.format_name ?? "");
  if (!raw && (!(fps > 0) || fps > 1000))
    throw new VideoError("probe", `${source}: the video stream has no usable frame rate (${fpsFraction})`);
  const [num, den] = (video.time_base ?? "0/1").split("/").map(Number);
  if (!(num > 0 && den > 0)) throw new VideoError("probe", `${source}: the video stream has no time base`);
  const constantRate = !(average > 0 && Math.abs(average - nominal) / nominal > 0.01);
  // An AVI written where its muxer could not go back to finish the header (to a pipe: `ffmpeg ... -f avi -`) keeps the
  // header's placeholder of 2^30 frames, and ffprobe's durations are made up from it: it declares no length.
  const unfinishedAvi = format?.format_name === "avi" && video.nb_frames === 2 ** 30;
  const recordedFrames = unfinishedAvi ? 0 : Math.max(0, Math.round(video.nb_frames ?? 0));
  // The length the container declares for the video itself: its stream duration (a fixed-rate container such as AVI
  // also declares it by its listed frames: declaredLengthSec). A file with other streams and only an overall
  // duration declares none of its own.
  const sound = playedAudioStream(streams);
  const declared = [unfinishedAvi ? undefined : (video.duration ?? clockSeconds(video.tags?.DURATION))].filter(
    (d): d is number => d !== undefined && Number.isFinite(d) && d > 0,
  );
  if (!unfinishedAvi && declared.length === 0 && streams.length === 1 && format?.duration && format.duration > 0)
    declared.push(format.duration);
  return {
    container: format?.format_name ?? "unknown",
    codec: video.codec_name ?? "unknown",
    width,
    height,
    sampleAspectRatio,
    rotation,
    mirrored: displayMirrored(video.side_data_list),
    streamIndex: video.index ?? 0,
    seeksByAnotherStream: seekStream !== undefined && seekStream !== video,
    fpsFraction,
    fps,
    timeBase: { num, den },
    originSec: Number.isFinite(format?.start_time) ? format!.start_time! : 0,
    recordedFrames,
    declaredSec: declared.length > 0 ? Math.max(...declared) : null,
    streamEndSec: !unfinishedAvi && video.duration !== undefined && video.duration > 0 ? (video.start_time ?? 0) + video.duration : null,
    pixelFormat: video.pix_fmt ?? "unknown",
    colorRange: video.color_range ?? "unknown",
    audioCodec: sound?.codec_name ?? null,
    audioStreamIndex: sound ? (sound.index ?? streams.indexOf(sound)) : null,
    constantRate,
    interlaced: ["tt", "bb", "tb", "bt"].includes(video.field_order ?? ""),
  };
}

/**
 * A Matroska track's DURATION tag ("00:00:06.000000000", what ffmpeg's and
 * mkvmerge's muxers write for each track; Matroska has no stream duration of
 * its own) in seconds, or undefined: with it a truncated MKV is told from a
 * short one.
 */
export function clockSeconds(text: string | undefined): number | undefined {
  const match = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text?.trim() ?? "");
  return match ? Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]) : undefined;
}

/**
 * The video's length as its container declares it: its declared duration or,
 * in a fixed-rate container (AVI), its listed frames, whichever is longer,
 * or null. The listed frames are those shown: an MP4 cut without re-encoding
 * lists the packets before the cut, back to a keyframe, which its edit list
 * leaves out (discarded), and it is no shorter than declared for those.
 */
export function declaredLengthSec(stream: Pick<StreamInfo, "declaredSec" | "constantRate" | "fps">, listedFrames: number): number | null {
  const listedSec = stream.constantRate && listedFrames > 0 ? listedFrames / stream.fps : null;
  return stream.declaredSec === null ? listedSec : Math.max(stream.declaredSec, listedSec ?? 0);
}

/** How much shorter than declared a readable video may be before it is called truncated. */
export function truncationAllowanceSec(declaredSec: number): number {
  return Math.max(1, 0.05 * declaredSec);
}

/**
 * The video's frames from its headers and a scan of its packets (see
 * timeline.ts). Throws a VideoError when there is no picture, or when what can
 * be read ends well before the length the container declares (a truncated file).
 */
export function describeFrames(stream: StreamInfo, scan: PacketScan | null, source: string): VideoInfo {
  if (!scan) throw new VideoError("probe", `${source}: the video stream has no timestamps, so its frames cannot be placed in time`);
  const { pictures } = scan;
  if (pictures.length === 0) throw new VideoError("probe", `${source}: the video stream has no frames`);
  // ffmpeg reads a picture file (JPEG, PNG, WebP...) through its image pipes as a video of one frame. Not a video;
  // a camera's MJPEG stream is read through the same pipe, and has many.
  if (stream.container.endsWith("_pipe") && pictures.length === 1) {
    throw new VideoError("probe", `${source} is a still picture (${stream.codec}), not a video`);
  }
  const step = typicalStep(pictures) || Math.round(stream.timeBase.den / (stream.fps * stream.timeBase.num));
  const first = pictures[0];
  const last = pictures[pictures.length - 1];
  // The last picture lasts as long as its packet says (a container that says nothing: the typical step),
  // or until the stream's declared end where that comes first and after it (an MP4 edit list ends it there).
  // MPEG-TS and PS declare no end: ffprobe's is an estimate, from the last timestamp without its frame's duration.
  const packetEnd = scan.endPts > last ? scan.endPts : last + step;
  const declaresEnd = stream.streamEndSec !== null && !isMpegStream(stream);
  const declaredEnd = declaresEnd ? Math.round((stream.streamEndSec! * stream.timeBase.den) / stream.timeBase.num) : Infinity;
  const end = declaredEnd > last ? Math.min(packetEnd, declaredEnd) : packetEnd;
  const durationSec = secondsOf(end - first, stream.timeBase);
  // Pictures off the nominal rate's grid are not at a constant rate, whatever the average says.
  const offGrid = offNominalGrid(pictures, stream.timeBase, stream.fps);
  const constantRate = stream.constantRate && !offGrid;
  // On a fixed grid, the gaps between pictures are held frames.
  const slots = constantRate ? Math.round(durationSec * stream.fps) : pictures.length;
  const framesHeld = Math.max(0, slots - pictures.length);
  // Where the timestamps jump, the timeline is not the video's (its continuous copy's is: steps/probe.ts).
  const listedFrames = stream.recordedFrames - scan.discarded.length;
  const declaredSec = declaredLengthSec({ ...stream, constantRate }, listedFrames);
  if (scan.jumps === 0 && declaredSec !== null && durationSec < declaredSec - truncationAllowanceSec(declaredSec)) {
    const declaredFrames = listedFrames > 0 ? listedFrames : Math.round(declaredSec * stream.fps);
    throw new VideoError(
      "probe",
      `${source} is truncated: only ${durationSec.toFixed(1)} s of the ${declaredSec.toFixed(1)} s it declares could be read ` +
        `(${pictures.length} of ${declaredFrames} frames)`,
    );
  }
  const { timeBase, originSec, recordedFrames, declaredSec: _declared, streamEndSec: _streamEnd, seeksByAnotherStream, ...facts } = stream;
  return {
    ...facts,
    constantRate,
    frames: pictures.length,
    framesListed: Math.max(listedFrames, pictures.length + framesHeld),
    framesHeld,
    durationSec,
    timestampJumps: scan.jumps,
    continuousCopy: null,
    timeline: {
      timeBase,
      originSec,
      pictures: toRuns(pictures),
      endPts: end,
      discarded: rangesBetween(scan.discarded, pictures),
      keyframes: toRuns(scan.keyframes),
      ...(isMpegStream(stream) ? { seekLead: scan.keyframeLead } : {}),
      ...(seeksByAnotherStream ? { seeksByAnotherStream } : {}),
      ...(BARE_STREAMS.has(stream.container) || RAW_STREAMS.has(stream.container) ? { bareStream: true as const } : {}),
      ...(offGrid ? { offGrid: true as const } : {}),
      ...(RAW_STREAMS.has(stream.container) ? { rawFrameTicks: Math.round(stream.timeBase.den / (stream.fps * stream.timeBase.num)) } : {}),
    },
  };
}

async function ffprobeText(localPath: string, source: string, args: string[]): Promise<string> {
  const result = await runTool(ffprobePath(), ffprobeArgs(localPath, args), "probe");
  if (result.code !== 0) {
    const why = firstErrorLine(result.stderr) || `ffprobe exited with ${result.code ?? result.signal}`;
    throw new VideoError("probe", `${source} is not a readable video: ${why.replace(localPath, "<input>")}`);
  }
  return result.stdout;
}

/**
 * Probes a local file (gs:// objects are staged to a local file first): the
 * headers and every packet of the video stream (demuxing only, no decoding).
 */
export async function probeVideo(localPath: string, source: string): Promise<VideoInfo> {
  // Both passes at once (the headers take about 0.07 s, the packets 0.1-0.2 s a minute of video): the scan reads
  // every video stream's packets, since which stream is the video is known only from the headers.
  const scan = ffprobeText(localPath, source, PACKETS);
  scan.catch(() => undefined); // a file ffprobe cannot read fails on its headers first, with their reason
  let json: unknown;
  try {
    json = JSON.parse(await ffprobeText(localPath, source, HEADERS));
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    throw new VideoError("probe", `${source}: ffprobe printed no JSON`);
  }
  const probed = parseProbe(json, source);
  return describeScanned(probed, await scan, source);
}

/** The video's frames from its parsed headers and the packet scan's text (ffprobe's csv of every video stream). */
export function describeScanned(probed: StreamInfo, scanCsv: string, source: string): VideoInfo {
  const packets = packetsOfStream(scanCsv, probed.streamIndex);
  const { stream, csv } = RAW_STREAMS.has(probed.container) ? timeRawStream(probed, packets, source) : { stream: probed, csv: packets };
  // Jumps are looked for only where ffmpeg closes them: elsewhere (ASF, Matroska) timestamps in file order may go back a little.
  const jumpsIn = isMpegStream(stream) ? stream.timeBase : undefined;
  return describeFrames(stream, parsePacketScan(csv, jumpsIn), source);
}

/**
 * A raw stream's frames timed (RAW_STREAMS): frame n at n times the packets'
 * usual duration, as ffplay times them, and its frame rate from that duration;
 * the scan's lines get those times and that duration (in decode order: the
 * times are evenly spaced, so the pictures' times are the same set in any order). Decoding
 * times the frames the same way (Timeline.rawFrameTicks). The durations'
 * most common value, since ffmpeg's H.264 parser gives some packets of a
 * stream without timing information a duration of 1 tick.
 */
export function timeRawStream(stream: StreamInfo, csv: string, source: string): { stream: StreamInfo; csv: string } {
  const lines = csv.split("\n").filter((line) => line.trim().split(",").length >= 4);
  const counts = new Map<number, number>();
  for (const line of lines) {
    const duration = Number.parseInt(line.split(",")[2], 10);
    if (duration > 1) counts.set(duration, (counts.get(duration) ?? 0) + 1);
  }
  const step = [...counts.entries()].reduce(
    (best, e) => (best === undefined || e[1] > best[1] ? e : best),
    undefined as [number, number] | undefined,
  )?.[0];
  if (step === undefined) throw new VideoError("probe", `${source}: the raw ${stream.codec} stream says nothing of its frames' durations`);
  const { num, den } = stream.timeBase;
  const d = gcd(den, step * num);
  const fpsFraction = `${den / d}/${(step * num) / d}`;
  const fps = fractionValue(fpsFraction);
  if (!(fps > 0) || fps > 1000)
    throw new VideoError("probe", `${source}: the raw ${stream.codec} stream has no usable frame rate (${fpsFraction})`);
  const timed = lines.map((line, n) => {
    const [, , , ...rest] = line.trim().split(",");
    return [n * step, n * step, step, ...rest].join(",");
  });
  return { stream: { ...stream, fps, fpsFraction, constantRate: true }, csv: timed.join("\n") };
}

/** One stream's lines of a scan of `stream_index,pts,dts,duration,size,flags` lines, without the index. */
export function packetsOfStream(csv: string, streamIndex: number): string {
  const prefix = `${streamIndex},`;
  return csv
    .split("\n")
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length))
    .join("\n");
}

/** Counts the frames (packets) of a video file's first video stream. */
export async function countFrames(localPath: string): Promise<number> {
  const result = await runTool(
    ffprobePath(),
    [
      "-v",
      "error",
      "-count_packets",
      "-select_streams",
      "v:0",
      "-show_entries",
      "stream=nb_read_packets",
      "-of",
      "default=noprint_wrappers=1",
      "-i",
      localPath,
    ],
    "assemble",
  );
  // By key: a stream with side data (HDR10's mastering display and light levels, which gray.mp4 keeps) prints it
  // after the entries asked for, and in csv the count became "90,", which is no number.
  const n = /^nb_read_packets=(\d+)$/m.exec(result.stdout)?.[1];
  return result.code === 0 && n !== undefined ? Number(n) : 0;
}
