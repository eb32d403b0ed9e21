/**
 * The two ffprobe runs of a probe (probe.ts), as arguments: this module is
 * light to load, so that a command line can start them before the rest of
 * videoflow loads (commands/early-probes.ts).
 */
import { ffprobePath, runEarly } from "./tools";

/** The stream and format headers, as JSON. */
export const HEADERS = ["-print_format", "json", "-show_format", "-show_streams"];

/** Every video stream's packets (which stream is the video is known only from the headers): demuxing, no decoding. */
export const PACKETS = ["-select_streams", "v", "-show_entries", "packet=stream_index,pts,dts,duration,size,flags", "-of", "csv=p=0"];

/** ffprobe's arguments for one of the runs above on a local file. */
export function ffprobeArgs(localPath: string, entries: string[]): string[] {
  return ["-v", "error", ...entries, "-i", localPath];
}

/** Starts both runs of a local file's probe now; probeVideo takes their results (tools.ts, runEarly). */
export function probeEarly(localPath: string): void {
  runEarly(ffprobePath(), ffprobeArgs(localPath, PACKETS));
  runEarly(ffprobePath(), ffprobeArgs(localPath, HEADERS));
}
