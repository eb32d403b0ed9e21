/**
 * The two ffprobe runs of a probe (probe.ts), as arguments: this module is
 * light to load, so that a command line can start them before the rest of
 * videoflow loads (commands/early-probes.ts), or take the runs bin/videoflow
 * started before Node (adoptProbesAhead).
 */
import { readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { fromShellStatus, waitForAdopted } from "../util/native-processes";
import { TOOL_LOG_CHARS, ToolResult, expectRun, ffprobePath, lastChars, runEarly } from "./tools";

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

/** bin/videoflow's probe runs, by the names of their files (NAME.out, NAME.err, and NAME.code: the shell's `$?`). */
const RUNS_AHEAD = { packets: PACKETS, headers: HEADERS };

/**
 * Takes the probe of a local file that bin/videoflow ran before Node: the
 * shell `pid` (this process's child since Node was exec'd) ran both runs
 * into the folder `dir`, which it made and nobody else can write. Once that
 * shell ends, probeVideo gets the runs' results (tools.ts, expectRun) and
 * the folder goes; where the shell did not run them (it could not make the
 * folder), they run then. False where this process cannot wait for the
 * shell (the addon was not built): the caller probes itself.
 */
export function adoptProbesAhead(localPath: string, pid: number, dir: string): boolean {
  const exited = waitForAdopted(pid);
  if (!exited) return false;
  const results = exited.then((status) => {
    const runs = status?.code === 0 ? readRunsAhead(dir) : null;
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // no folder there to remove (the shell could not make it)
    }
    return runs;
  });
  for (const [name, entries] of Object.entries(RUNS_AHEAD))
    expectRun(
      ffprobePath(),
      ffprobeArgs(localPath, entries),
      results.then((runs) => runs?.get(name) ?? null),
    );
  return true;
}

/** Each run's result as runTool gives it; a run whose status is missing is left out (it runs again). */
function readRunsAhead(dir: string): Map<string, ToolResult> {
  const runs = new Map<string, ToolResult>();
  for (const name of Object.keys(RUNS_AHEAD)) {
    const read = (suffix: string) => readFileSync(path.join(dir, `${name}.${suffix}`), "utf8");
    try {
      const status = read("code").trim();
      if (!/^\d+$/.test(status)) continue;
      runs.set(name, { ...fromShellStatus(Number(status)), stdout: read("out"), stderr: lastChars(read("err"), TOOL_LOG_CHARS) });
    } catch {
      // not written: the shell was stopped
    }
  }
  return runs;
}
