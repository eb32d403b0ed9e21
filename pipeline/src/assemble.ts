/**
 * Assemble: join a video's gray segments, in order, into one MP4 without
 * re-encoding (ffmpeg's concat demuxer), with the index at the front so the
 * file plays while it downloads, and the source's sound beside them.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { VideoError } from "./errors";
import { ffmpegPath, firstErrorLine, runTool } from "./tools";

/** How the source's first audio stream goes into gray.mp4 (ffmpeg's -c:a): copied when MP4 holds its codec, else encoded to AAC. */
export type AudioPlan = "copy" | "aac";

/** Codecs the MP4 muxer takes as they are. */
const MP4_AUDIO = new Set(["aac", "mp3", "ac3", "eac3", "alac", "opus"]);

export function audioPlan(audioCodec: string | null): AudioPlan | null {
  if (audioCodec === null) return null;
  return MP4_AUDIO.has(audioCodec) ? "copy" : "aac";
}

/** ffmpeg's output options for the audio of input `input` (the source), by plan. */
export function audioArgs(input: number, plan: AudioPlan | null): string[] {
  if (plan === null) return ["-an"];
  return ["-map", `${input}:a:0`, "-c:a", plan, ...(plan === "aac" ? ["-b:a", "128k"] : [])];
}

/**
 * The concat demuxer's list file for these (local, videoflow-made) paths,
 * made absolute: the demuxer resolves relative ones against the list's folder.
 */
export function concatList(paths: string[]): string {
  return paths.map((p) => `file '${path.resolve(p).replace(/'/g, "'\\''")}'\n`).join("");
}

/** Joins the segments into `output`; with `audio`, adds the sound of `audio.source` (a local path). */
export async function concatSegments(segmentPaths: string[], output: string, audio: { source: string; plan: AudioPlan } | null = null): Promise<void> {
  const list = `${output}.list.txt`;
  await fs.writeFile(list, concatList(segmentPaths));
  try {
    const result = await runTool(ffmpegPath, [
      "-hide_banner", "-nostdin", "-v", "error",
      "-f", "concat", "-safe", "0", "-i", list,
      ...(audio ? ["-i", audio.source] : []),
      "-map", "0:v:0", "-c:v", "copy", ...audioArgs(1, audio?.plan ?? null),
      "-movflags", "+faststart", "-f", "mp4", "-y", output,
    ]);
    if (result.code !== 0) {
      throw new VideoError("assemble", `joining ${segmentPaths.length} segments failed: ${firstErrorLine(result.stderr)}`);
    }
  } finally {
    await fs.rm(list, { force: true });
  }
}
