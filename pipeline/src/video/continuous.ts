/**
 * A continuous copy of a recording whose timestamps jump (probe.ts,
 * timestampJumps): MPEG-TS or PS joined end to end from recordings that each
 * have their own clock (files cat'ed together, DVD VOBs, tape captures with
 * breaks). Players play such a file continuously, each recording after the
 * one before; videoflow reads timestamps as they are (decode.ts, -copyts),
 * and would lay the recordings over each other. The copy is what players
 * play: the streams copied, not re-encoded, by an ffmpeg that does not keep
 * timestamps, whose demuxer closes every jump (sound and picture by the same
 * amount). The video streams and the sound go in; subtitles and data
 * (teletext, SCTE-35) do not.
 */
import { VideoError } from "../errors";
import { ffmpegPath, firstErrorLine, runTool } from "./tools";

/** ffmpeg's arguments for the continuous copy of `localPath`, written by `muxer` (probe.ts, CONTINUOUS_COPY) to `output`. */
export function continuousCopyArgs(localPath: string, output: string, muxer: string): string[] {
  // MPEG-TS in Blu-ray's form (M2TS): its registration is what names Blu-ray's LPCM sound (pcm_bluray) when read again;
  // in a plain TS that stream reads back as data, and the sound would be lost.
  const form = muxer === "mpegts" ? ["-mpegts_m2ts_mode", "1"] : [];
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-i",
    localPath,
    "-map",
    "0:v",
    "-map",
    "0:a?",
    "-c",
    "copy",
    "-f",
    muxer,
    ...form,
    "-y",
    output,
  ];
}

/** Writes the continuous copy; a VideoError, naming the source, when ffmpeg cannot. */
export async function writeContinuousCopy(localPath: string, output: string, muxer: string, source: string): Promise<void> {
  const result = await runTool(ffmpegPath(), continuousCopyArgs(localPath, output, muxer), "probe");
  if (result.code !== 0) {
    const why = firstErrorLine(result.stderr).replace(localPath, "<input>") || `ffmpeg exited with ${result.code ?? result.signal}`;
    throw new VideoError(
      "probe",
      `${source}: its timestamps jump (recordings joined end to end), and a continuous copy could not be written: ${why}`,
    );
  }
}
