/**
 * `videoflow process` on the direct runner starts probing its first local
 * input before the rest of videoflow loads (the options' schemas and the
 * steps take about 60 ms, and nothing else can start before the probe): the
 * probe step takes the result (video/tools.ts, runEarly). It reads the
 * command line as parseCommandLine does, for the inputs only, and wrongly
 * read it only probes a file for nothing.
 */
import { statSync } from "node:fs";
import { probeEarly } from "../video/probe-commands";

/** The first positional argument of a `process` command line on the direct runner, when it names a local file. */
export function firstLocalInput(argv: string[]): string | undefined {
  if (argv[0] !== "process") return undefined;
  const positionals: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--") || arg === "--") positionals.push(arg);
    else if (/^--runner(=|$)/.test(arg) && (arg.includes("=") ? arg.slice(9) : argv[i + 1]) !== "direct") return undefined;
    // A flag takes the next argument as its value, unless written --name=value.
    else if (!arg.includes("=") && i + 1 < argv.length && !argv[i + 1].startsWith("--")) i++;
  }
  const first = positionals[0];
  if (first === undefined || first.startsWith("gs://")) return undefined;
  return statSync(first, { throwIfNoEntry: false })?.isFile() ? first : undefined;
}

/** Starts the probe of the command line's first local input, if it has one. */
export function startEarlyProbes(argv: string[]): void {
  const input = firstLocalInput(argv);
  if (input !== undefined) probeEarly(input);
}
