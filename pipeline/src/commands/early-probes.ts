/**
 * `videoflow process` on the direct runner starts probing its first local
 * input before the rest of videoflow loads (the options' schemas and the
 * steps take about 60 ms, and nothing else can start before the probe): the
 * probe step takes the result (video/tools.ts, runEarly). It splits the
 * command line as parseCommandLine does (argv.ts); a command line that
 * fails to parse later only probed a file for nothing.
 */
import { statSync } from "node:fs";
import { probeEarly } from "../video/probe-commands";
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

/** Starts the probe of the command line's first local input, if it has one. */
export function startEarlyProbes(argv: string[]): void {
  const input = firstLocalInput(argv);
  if (input !== undefined) probeEarly(input);
}
