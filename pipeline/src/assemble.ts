/**
 * Assemble: join a video's gray segments, in order, into one MP4 without
 * re-encoding (ffmpeg's concat demuxer), with the index at the front so the
 * file plays while it downloads.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { VideoError } from "./errors";
import { ffmpegPath, firstErrorLine, runTool } from "./tools";

/**
 * The concat demuxer's list file for these (local, videoflow-made) paths,
 * made absolute: the demuxer resolves relative ones against the list's folder.
 */
export function concatList(paths: string[]): string {
  return paths.map((p) => `file '${path.resolve(p).replace(/'/g, "'\\''")}'\n`).join("");
}

export async function concatSegments(segmentPaths: string[], output: string): Promise<void> {
  const list = `${output}.list.txt`;
  await fs.writeFile(list, concatList(segmentPaths));
  try {
    const result = await runTool(ffmpegPath, [
      "-hide_banner", "-nostdin", "-v", "error",
      "-f", "concat", "-safe", "0", "-i", list,
      "-map", "0:v:0", "-c", "copy", "-movflags", "+faststart", "-f", "mp4", "-y", output,
    ]);
    if (result.code !== 0) {
      throw new VideoError("assemble", `joining ${segmentPaths.length} segments failed: ${firstErrorLine(result.stderr)}`);
    }
  } finally {
    await fs.rm(list, { force: true });
  }
}
