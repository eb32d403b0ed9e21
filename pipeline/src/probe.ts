/**
 * Probe: what a video is (codec, size, frame rate, frame count, duration),
 * read by ffprobe. `parseProbe` is pure so tests can feed it ffprobe's JSON.
 */
import { z } from "zod";
import { VideoError } from "./errors";
import { ffprobePath, firstErrorLine, runTool } from "./tools";

export interface VideoInfo {
  codec: string;
  width: number;
  height: number;
  /** Frames per second as ffprobe's exact fraction, e.g. "30000/1001". */
  fpsFraction: string;
  fps: number;
  frames: number;
  durationSec: number;
  pixelFormat: string;
  /** The first audio stream's codec (ffprobe's name), or null when the video has none. */
  audioCodec: string | null;
  /** Average and nominal rates disagree: frames are not evenly spaced, so no cutting by frame time. */
  variableFrameRate: boolean;
}

const fraction = z.string().regex(/^\d+\/\d+$/);
const numeric = z.union([z.number(), z.string().regex(/^-?[\d.]+(e[+-]?\d+)?$/i)]).transform(Number);

const ffprobeOutput = z.object({
  streams: z
    .array(
      z.object({
        codec_type: z.string().optional(),
        codec_name: z.string().optional(),
        width: z.number().optional(),
        height: z.number().optional(),
        pix_fmt: z.string().optional(),
        r_frame_rate: fraction.optional(),
        avg_frame_rate: fraction.optional(),
        nb_frames: numeric.optional(),
        nb_read_packets: numeric.optional(),
        duration: numeric.optional(),
        disposition: z.object({ attached_pic: z.number().optional() }).partial().optional(),
      }),
    )
    .default([]),
  format: z
    .object({
      format_name: z.string().optional(),
      duration: numeric.optional(),
    })
    .optional(),
});

export function fractionValue(f: string | undefined): number {
  if (!f) return 0;
  const parts = f.split("/").map(Number);
  return parts[1] > 0 ? parts[0] / parts[1] : 0;
}

/**
 * Turns ffprobe's JSON into VideoInfo, or throws a VideoError saying what is
 * missing. `frames` may be 0 here when the container does not record it
 * (WebM, Matroska); `probeVideo` then counts packets.
 */
export function parseProbe(json: unknown, source: string): VideoInfo {
  const parsed = ffprobeOutput.safeParse(json);
  if (!parsed.success) throw new VideoError("probe", `${source}: ffprobe output was not understood`);
  const { streams, format } = parsed.data;
  const video = streams.find((s) => s.codec_type === "video" && !s.disposition?.attached_pic);
  if (!video) {
    const kinds = streams.map((s) => s.codec_type ?? "unknown");
    throw new VideoError(
      "probe",
      `${source} has no video stream` + (kinds.length ? ` (it has: ${kinds.join(", ")})` : " (no streams at all)"),
    );
  }
  const width = video.width ?? 0;
  const height = video.height ?? 0;
  if (width <= 0 || height <= 0) throw new VideoError("probe", `${source}: the video stream has no picture size`);
  const nominal = fractionValue(video.r_frame_rate);
  const average = fractionValue(video.avg_frame_rate);
  const fpsFraction = nominal > 0 ? video.r_frame_rate! : video.avg_frame_rate ?? "0/1";
  const fps = fractionValue(fpsFraction);
  if (!(fps > 0) || fps > 1000) throw new VideoError("probe", `${source}: the video stream has no usable frame rate (${fpsFraction})`);
  const durationSec = video.duration ?? format?.duration ?? 0;
  return {
    codec: video.codec_name ?? "unknown",
    width,
    height,
    fpsFraction,
    fps,
    frames: Math.max(0, Math.round(video.nb_frames ?? video.nb_read_packets ?? 0)),
    durationSec: Number.isFinite(durationSec) ? durationSec : 0,
    pixelFormat: video.pix_fmt ?? "unknown",
    audioCodec: streams.find((s) => s.codec_type === "audio")?.codec_name ?? null,
    variableFrameRate: average > 0 && nominal > 0 && Math.abs(average - nominal) / nominal > 0.01,
  };
}

async function ffprobeJson(localPath: string, source: string, extra: string[]): Promise<unknown> {
  const result = await runTool(ffprobePath, ["-v", "error", "-print_format", "json", ...extra, "-i", localPath]);
  if (result.code !== 0) {
    const why = firstErrorLine(result.stderr) || `ffprobe exited with ${result.code}`;
    throw new VideoError("probe", `${source} is not a readable video: ${why.replace(localPath, "<input>")}`);
  }
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new VideoError("probe", `${source}: ffprobe printed no JSON`);
  }
}

/** Probes a local file (gs:// objects are staged to a local file first). */
export async function probeVideo(localPath: string, source: string): Promise<VideoInfo> {
  const info = parseProbe(await ffprobeJson(localPath, source, ["-show_format", "-show_streams"]), source);
  if (info.frames === 0) {
    // Matroska/WebM record no frame count: count the packets (demux only, no decoding).
    const counted = parseProbe(
      await ffprobeJson(localPath, source, ["-count_packets", "-select_streams", "v:0", "-show_streams"]),
      source,
    );
    info.frames = counted.frames;
  }
  if (info.frames === 0) throw new VideoError("probe", `${source}: the video stream has no frames`);
  if (info.durationSec <= 0) info.durationSec = info.frames / info.fps;
  return info;
}

/** Counts the frames (packets) of a video file's first video stream. */
export async function countFrames(localPath: string): Promise<number> {
  const result = await runTool(ffprobePath, [
    "-v", "error", "-count_packets", "-select_streams", "v:0",
    "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", "-i", localPath,
  ]);
  const n = Number(result.stdout.trim());
  return result.code === 0 && Number.isFinite(n) ? n : 0;
}
