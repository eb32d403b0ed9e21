#!/usr/bin/env node
/**
 * videoflow's command line: parses the command and its options, and runs.
 *
 *   videoflow process <input...> --output <dir | gs://bucket/prefix> [options]
 *   videoflow listen --inputSubscription projects/P/subscriptions/S --output gs://bucket/prefix [options]
 */
import { parseArgs } from "node:util";
import { log } from "./log";
import { removeStaleScratch } from "./storage";
import { ParameterSpec, UsageError, parameters, parseOptions, parseStreamingOptions, pipelineParameters } from "./options";

function usage(): string {
  const flags = (specs: readonly ParameterSpec[]) =>
    specs.map((p) => {
      const names = p.cliAlias ? `--${p.cliAlias}, --${p.name}` : `--${p.name}`;
      return `  ${names}${p.isOptional ? "" : "  (required)"}\n      ${p.helpText}`;
    });
  const pipeline = pipelineParameters as readonly ParameterSpec[];
  return [
    "usage: videoflow process <input...> --output <dir | gs://bucket/prefix> [options]",
    "       videoflow listen --inputSubscription projects/P/subscriptions/S --output gs://bucket/prefix [options]",
    "",
    "process: processes each input video (a local path or a gs:// object) once: a grayscale gray.mp4, a",
    "preview.jpg and a manifest.json under <output>/<video key>/. Exit status: 0 all done, 1 some went to",
    "the dead letter (<output>/_deadletter/), 2 usage error.",
    "listen: processes the videos uploaded to a bucket, from its Cloud Storage notifications in a Pub/Sub",
    "subscription, until SIGINT or SIGTERM (then exits 0). Outputs go under <output>/<object name>/<generation>/.",
    "Uses Application Default Credentials, or the emulators named by PUBSUB_EMULATOR_HOST and STORAGE_EMULATOR_HOST.",
    "",
    "options (process and listen):",
    ...flags(pipeline),
    "",
    "options (listen):",
    ...flags(parameters.filter((p) => !pipeline.includes(p))),
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
  if (command === "process") return processCommand(rest);
  if (command === "listen") return listenCommand(rest);
  throw new UsageError(command ? `unknown command "${command}"` : "no command given");
}

async function processCommand(args: string[]): Promise<number> {
  const { raw, positionals } = parseCommandLine(args);
  const options = parseOptions(raw);
  if (positionals.length === 0) throw new UsageError("no input videos given: name at least one local file or gs:// object");
  // Loaded here, not at the top: Beam takes most of a second to load, and a usage error should not wait for it.
  const { processOnce, videoInputs } = await import("./run");
  await removeStaleScratch();
  const outcomes = await processOnce(videoInputs(positionals), options);
  for (const o of outcomes) {
    if (o.status === "ok") log("INFO", `ok      ${o.source} -> ${o.manifest}`, { event: "outcome", ...o });
    else log("ERROR", `failed  ${o.source} [${o.stage}] ${o.reason} -> ${o.deadLetter}`, { event: "outcome", ...o });
  }
  const failures = outcomes.filter((o) => o.status !== "ok").length;
  log(failures ? "WARNING" : "INFO", `${outcomes.length - failures} of ${outcomes.length} videos processed`, { event: "summary", failed: failures });
  return failures > 0 ? 1 : 0;
}

async function listenCommand(args: string[]): Promise<number> {
  const { raw, positionals } = parseCommandLine(args);
  const options = parseStreamingOptions(raw);
  if (options.runner !== "direct") throw new UsageError(`listen runs on --runner direct only, so far (got ${options.runner})`);
  if (positionals.length > 0) throw new UsageError(`listen takes no input files (got ${positionals.join(" ")}): it processes what is uploaded`);
  const { PubSub } = await import("@google-cloud/pubsub");
  const { Listener } = await import("./listen");
  const { processOnce } = await import("./run");
  const projectId = options.inputSubscription.split("/")[1];
  await removeStaleScratch();
  const listener = new Listener(new PubSub({ projectId }), options, async (input) => (await processOnce([input], options))[0]);
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log("INFO", `${signal}: finishing the videos in flight, then stopping`, { event: "signal", signal });
      listener.stop().then(resolve);
    };
    // Installed before start() says "listening": a signal sent on that line must not meet the default action.
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  listener.start();
  await stopped;
  return 0;
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
