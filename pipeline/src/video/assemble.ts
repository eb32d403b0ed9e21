/**
 * Assemble: join a video's gray segments, in order, into one MP4 without
 * re-encoding (ffmpeg's concat demuxer), with the index at the front so the
 * file plays while it downloads, and the source's sound beside them. A video
 * of one segment is written whole by its segment's own ffmpeg instead
 * (decode.ts, WholeVideo), timed as this join would time it: a test
 * (decode.test.ts) compares the two, frame by frame and sample by sample.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { VideoError } from "../errors";
import { ffmpegPath, firstErrorLine, runTool } from "./tools";

/** How the source's sound (the audio stream players play) goes into gray.mp4 (ffmpeg's -c:a): copied when MP4 holds its codec, else encoded to AAC. */
export type AudioPlan = "copy" | "aac";

/** Codecs the MP4 muxer takes as they are. */
const MP4_AUDIO = new Set(["aac", "mp3", "ac3", "eac3", "alac", "opus"]);

export function audioPlan(audioCodec: string | null): AudioPlan | null {
  if (audioCodec === null) return null;
  return MP4_AUDIO.has(audioCodec) ? "copy" : "aac";
}

/** The source's sound: its audio stream's index in the file, and how it goes in. */
export interface SourceAudio {
  stream: number;
  plan: AudioPlan;
}

/** ffmpeg's output options for the sound of input `input` (the source): its stream, by plan; null: none. */
export function audioArgs(input: number, audio: SourceAudio | null): string[] {
  if (audio === null) return ["-an"];
  return ["-map", `${input}:${audio.stream}`, "-c:a", audio.plan, ...(audio.plan === "aac" ? ["-b:a", "128k"] : [])];
}

/** A segment's gray video, and how long it lasts up to the next segment's start (null for the last). */
export interface SegmentFile {
  path: string;
  spanSec: number | null;
}

/**
 * The concat demuxer's list file for these (local, videoflow-made) paths,
 * made absolute: the demuxer resolves relative ones against the list's folder.
 * Each file keeps its own first timestamp (inpoint 0: a segment whose first
 * frame could not be decoded starts late, as in the source) and lasts its
 * span, so each segment starts where it started in the source, held frames
 * at its end included.
 */
export function concatList(files: SegmentFile[]): string {
  return files
    .map(
      (f) =>
        `file '${path.resolve(f.path).replace(/'/g, "'\\''")}'\ninpoint 0\n` +
        (f.spanSec === null ? "" : `duration ${f.spanSec.toFixed(6)}\n`),
    )
    .join("");
}

export interface JoinTiming {
  /** When the first segment starts, seconds from the source's start: the joined video's first timestamp. */
  startSec: number;
  /**
   * When the source's last frame stops being shown, on the same clock: where
   * the joined video ends. Only for segments encoded without B-frames, whose
   * last packet is the last frame (see endAt); null leaves the end as encoded.
   */
  endSec: number | null;
}

/**
 * A bitstream filter that ends the last frame at `endSec` (output seconds)
 * where its packet says it lasts longer: a decoder hands the last frame the
 * duration of its packet, which an MP4 edit list may cut short (ffmpeg's own
 * variable-rate MP4s: the last packet lasts 0.1 s, the edit list shows 33 ms of it).
 */
export function endAt(endSec: number): string {
  const end = endSec.toFixed(6);
  return `setts=duration='if(gt((PTS+DURATION)*TB,${end}),max(1,round((${end}-PTS*TB)/TB)),DURATION)'`;
}

/**
 * Joins the segments into `output` (MP4, index at the front) without
 * re-encoding; with `audio`, adds the sound of `audio.source` (a local path).
 * Timestamps are set, not guessed (-copyts with explicit offsets): the video
 * keeps the source's timing from the source's start, and so does the sound,
 * whatever their first timestamps.
 */
export async function joinSegments(
  files: SegmentFile[],
  output: string,
  timing: JoinTiming,
  audio: (SourceAudio & { source: string; originSec: number }) | null = null,
): Promise<void> {
  const list = `${output}.list.txt`;
  await fs.writeFile(list, concatList(files));
  try {
    const result = await runTool(
      ffmpegPath(),
      [
        "-hide_banner",
        "-nostdin",
        "-v",
        "error",
        "-copyts",
        "-itsoffset",
        timing.startSec.toFixed(6),
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        list,
        ...(audio ? ["-itsoffset", (-audio.originSec).toFixed(6), "-i", audio.source] : []),
        "-map",
        "0:v:0",
        "-c:v",
        "copy",
        ...(timing.endSec === null ? [] : ["-bsf:v", endAt(timing.endSec)]),
        ...audioArgs(1, audio),
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        "-y",
        output,
      ],
      "assemble",
    );
    if (result.code !== 0) {
      throw new VideoError(
        "assemble",
        `joining ${files.length} segment${files.length > 1 ? "s" : ""} failed: ${firstErrorLine(result.stderr)}`,
      );
    }
  } finally {
    await fs.rm(list, { force: true });
  }
}
