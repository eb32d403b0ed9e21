/**
 * `videoflow process` on the direct runner probes its first local input
 * before the rest of videoflow loads (the options' schemas and the steps take
 * about 60 ms, and nothing else can start before the probe): the probe step
 * takes the result (video/tools.ts, runEarly). bin/videoflow starts that
 * probe sooner still, before Node: this takes its runs when they are of the
 * same input. It splits the command line as parseCommandLine does (argv.ts);
 * a command line that fails to parse later only probed a file for nothing.
 */
import { statSync } from "node:fs";
import * as path from "node:path";
import { scratchDir } from "../io/storage";
import { adoptProbesAhead, probeEarly } from "../video/probe-commands";
import { runnerOf, splitCommandLine } from "./argv";

/** The first positional argument of a `process` command line on the direct runner, when it names a local file. */
export function firstLocalInput(argv: string[]): string | undefined {
  if (argv[0] !== "process") return undefined;
  const runner = runnerOf(argv);
  if (runner !== undefined && runner !== "direct") return undefined;
  const first = splitCommandLine(argv.slice(1)).positionals[0];
  if (first === undefined || first.startsWith("gs://")) return undefined;
  return statSync(first, { throwIfNoEntry: false })?.isFile() ? first : undefined;
}

/** Where bin/videoflow has this process's probe ahead written: one folder per process id. */
function probesAheadDir(): string {
  return scratchDir("probes", `early-${process.pid}`);
}

/**
 * The probe bin/videoflow started (its environment says which: taken out of
 * it here, so that the programs this process starts do not see it), when it
 * is this process's: its folder is the one this process would name.
 */
function probesAhead(): { pid: number; dir: string; input: string } | undefined {
  const { VIDEOFLOW_PROBES_AHEAD_PID: pid, VIDEOFLOW_PROBES_AHEAD_DIR: dir, VIDEOFLOW_PROBES_AHEAD_INPUT: input } = process.env;
  delete process.env.VIDEOFLOW_PROBES_AHEAD_PID;
  delete process.env.VIDEOFLOW_PROBES_AHEAD_DIR;
  delete process.env.VIDEOFLOW_PROBES_AHEAD_INPUT;
  if (!pid || !/^\d+$/.test(pid) || !dir || input === undefined) return undefined;
  if (path.resolve(dir) !== path.resolve(probesAheadDir())) return undefined;
  return { pid: Number(pid), dir, input };
}

/**
 * Starts the probe of the command line's first local input, if it has one,
 * or takes bin/videoflow's. A probe ahead of another input is left to end by
 * itself; its folder goes with the stale scratch (storage.ts).
 */
export function startEarlyProbes(argv: string[]): void {
  const ahead = probesAhead();
  const input = firstLocalInput(argv);
  if (input === undefined) return;
  if (ahead?.input === input && adoptProbesAhead(input, ahead.pid, ahead.dir)) return;
  probeEarly(input);
}
