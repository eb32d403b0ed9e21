#!/usr/bin/env node
/**
 * videoflow's command line: parses the command and its options, and runs.
 *
 *   videoflow process <input...> --output <dir | gs://bucket/prefix> [options]
 */
import { parseArgs } from "node:util";
import { log } from "./log";
import { ParameterSpec, UsageError, parameters, parseOptions } from "./options";

function usage(): string {
  const flags = (parameters as readonly ParameterSpec[]).map((p) => {
    const names = p.cliAlias ? `--${p.cliAlias}, --${p.name}` : `--${p.name}`;
    return `  ${names}${p.isOptional ? "" : "  (required)"}\n      ${p.helpText}`;
  });
  return [
    "usage: videoflow process <input...> --output <dir | gs://bucket/prefix> [options]",
    "",
    "Processes each input video (a local path or a gs:// object): a grayscale gray.mp4, a preview.jpg",
    "and a manifest.json under <output>/<video key>/. Exit status: 0 all done, 1 some went to the",
    "dead letter (<output>/_deadletter/), 2 usage error.",
    "",
    "options:",
    ...flags,
  ].join("\n");
}

function parseCommandLine(args: string[]) {
  const specs = parameters as readonly ParameterSpec[];
  const options: Record<string, { type: "string" }> = {};
  for (const p of specs) {
    options[p.name] = { type: "string" };
    if (p.cliAlias) options[p.cliAlias] = { type: "string" };
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const raw: Record<string, string | undefined> = {};
  for (const p of specs) {
    const value = parsed.values[p.name] ?? (p.cliAlias ? parsed.values[p.cliAlias] : undefined);
    raw[p.name] = value as string | undefined;
  }
  return { raw, positionals: parsed.positionals };
}

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  const rest = argv.slice(1);
  if (command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(usage() + "\n");
    return 0;
  }
  if (command !== "process") throw new UsageError(command ? `unknown command "${command}"` : "no command given");
  const { raw, positionals } = parseCommandLine(rest);
  const options = parseOptions(raw);
  if (positionals.length === 0) throw new UsageError("no input videos given: name at least one local file or gs:// object");
  // Loaded here, not at the top: Beam takes most of a second to load, and a usage error should not wait for it.
  const { processOnce } = await import("./run");
  const outcomes = await processOnce(positionals, options);
  for (const o of outcomes) {
    if (o.status === "ok") log("INFO", `ok      ${o.source} -> ${o.manifest}`, { event: "outcome", ...o });
    else log("ERROR", `failed  ${o.source} [${o.stage}] ${o.reason} -> ${o.deadLetter}`, { event: "outcome", ...o });
  }
  const failures = outcomes.filter((o) => o.status !== "ok").length;
  log(failures ? "WARNING" : "INFO", `${outcomes.length - failures} of ${outcomes.length} videos processed`, { event: "summary", failed: failures });
  return failures > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`videoflow: ${err.message}\n\n${usage()}\n`);
      process.exit(2);
    }
    log("ERROR", `videoflow failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
