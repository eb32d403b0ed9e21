/**
 * How a command line splits into flags and positional arguments, before any
 * flag is known: one rule for parseCommandLine and for the probe main.ts
 * starts before the options load (early-probes.ts), so this module loads
 * nothing. Flags are `--name value` or `--name=value`; a flag takes the next
 * argument as its value unless that one starts with `--`.
 */

/** A flag as written: its name (without `--`) and its value, if it has one. */
export interface WrittenFlag {
  name: string;
  value: string | undefined;
}

/** The command line's flags and positional arguments, in order. */
export function splitCommandLine(args: string[]): { flags: WrittenFlag[]; positionals: string[] } {
  const flags: WrittenFlag[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--") || arg === "--") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    let value = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (value === undefined && i + 1 < args.length && !args[i + 1].startsWith("--")) value = args[++i];
    flags.push({ name: eq >= 0 ? arg.slice(2, eq) : arg.slice(2), value });
  }
  return { flags, positionals };
}

/** The runner named anywhere on the command line, before the rest is parsed. */
export function runnerOf(args: string[]): string | undefined {
  return splitCommandLine(args).flags.find((f) => f.name === "runner")?.value;
}
