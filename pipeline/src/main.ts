#!/usr/bin/env node
/**
 * videoflow's command line: parses the command and its options, and runs.
 *
 *   videoflow process <input...> --output <dir | gs://bucket/prefix> [options]
 *   videoflow listen --inputSubscription projects/P/subscriptions/S --output gs://bucket/prefix [options]
 *   videoflow redrive --output gs://bucket/prefix --inputTopic projects/P/topics/T [--stage S] [--objectPrefix P]
 *   videoflow cost [options]
 */
import { statSync } from "node:fs";
import { parseArgs } from "node:util";
import { log } from "./log";
import type { StreamingOptions } from "./options";
import { isGcsUri, removeStaleScratch } from "./io/storage";
import {
  ParameterSpec, UsageError, camelCase, costParameters, dataflowParameters, parameters, parseCostOptions, parseOptions, parseRedriveOptions,
  parseStreamingOptions, pipelineParameters, redriveParameters, streamingParameters,
} from "./options";

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
    "       videoflow listen --runner dataflow --project P --region R --tempLocation gs://... --stagingLocation gs://... \\",
    "         --sdkContainerImage IMAGE --inputSubscription ... --output gs://... [--templateLocation PATH] [options]",
    "       videoflow redrive --output gs://bucket/prefix --inputTopic projects/P/topics/T [--stage S] [--objectPrefix P]",
    "       videoflow cost [--workers N] [--machineType T] [--diskSizeGb G] [--streaming true|false] [--framesPerSecond F]",
    "",
    "process: processes each input video (a local path or a gs:// object) once: a grayscale gray.mp4, a",
    "preview.jpg and a manifest.json under <output>/<video key>/. Exit status: 0 all done, 1 some went to",
    "the dead letter (<output>/_deadletter/), 2 usage error.",
    "listen: processes the videos uploaded to a bucket, from its Cloud Storage notifications in a Pub/Sub",
    "subscription, until SIGINT or SIGTERM (then exits 0). Outputs go under <output>/<object name>/<generation>/.",
    "With --runner dataflow it submits the same streaming job to Google Cloud Dataflow (or, with --templateLocation,",
    "writes the job request there) and exits. With --runner flink it runs the streaming job on a local Flink",
    "cluster instead (for development: see the README).",
    "redrive: sends the uploads dead-lettered under <output>/_deadletter/ back through the input bucket's topic with",
    "their original notifications, once the cause is fixed; a success removes the dead-letter record.",
    "Uses Application Default Credentials, or the emulators named by PUBSUB_EMULATOR_HOST and STORAGE_EMULATOR_HOST.",
    "cost: what a Dataflow deployment costs a month (and, with --framesPerSecond, per hour of video), from the",
    "dated price table pipeline/data/dataflow-prices.json. With no options: the original design's deployment.",
    "",
    "options (process and listen):",
    ...flags(pipeline),
    "",
    "options (listen):",
    ...flags(streamingParameters as readonly ParameterSpec[]),
    "",
    "options (listen --runner dataflow: Dataflow's own; snake_case spellings and --name=value are accepted, unknown flags ignored):",
    ...flags(dataflowParameters as readonly ParameterSpec[]),
    "",
    "options (redrive):",
    ...flags(redriveParameters as readonly ParameterSpec[]),
    "",
    "options (cost):",
    ...flags(costParameters as readonly ParameterSpec[]),
  ].join("\n");
}

/**
 * The command line's parameters and positional arguments. Flags are
 * `--name value` or `--name=value`, in camelCase or snake_case (as Dataflow's
 * launchers write them). Unknown flags are an error, except with
 * `tolerateUnknown` (a Flex Template launcher adds flags of its own), when
 * they are logged and left out.
 */
function parseCommandLine(
  args: string[],
  tolerateUnknown = false,
  specs: readonly ParameterSpec[] = parameters,
): { raw: Record<string, string | undefined>; positionals: string[] } {
  const known = new Map<string, string>();
  for (const p of specs) {
    known.set(p.name, p.name);
    if (p.cliAlias) known.set(p.cliAlias, p.name);
  }
  const raw: Record<string, string | undefined> = {};
  const positionals: string[] = [];
  const ignored: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--") || arg === "--") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = camelCase(eq >= 0 ? arg.slice(2, eq) : arg.slice(2));
    let value = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (value === undefined && i + 1 < args.length && !args[i + 1].startsWith("--")) value = args[++i];
    const name = known.get(flag);
    if (name === undefined) {
      if (!tolerateUnknown) throw new UsageError(`unknown option --${flag}`, true);
      ignored.push(`--${flag}`);
      continue;
    }
    if (value === undefined) throw new UsageError(`option --${flag} needs a value`, true);
    raw[name] = value;
  }
  if (ignored.length > 0) log("INFO", `ignored flags videoflow does not use: ${ignored.join(", ")}`, { event: "ignored flags", flags: ignored });
  return { raw, positionals };
}

/** The runner named anywhere on the command line, before the rest is parsed. */
function runnerOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const match = /^--runner(?:=(.*))?$/.exec(args[i]);
    if (match) return match[1] ?? args[i + 1];
  }
  return undefined;
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
  if (command === "redrive") return redriveCommand(rest);
  if (command === "cost") return costCommand(rest);
  throw new UsageError(command ? `unknown command "${command}"` : "no command given", true);
}

async function processCommand(args: string[]): Promise<number> {
  const { raw, positionals } = parseCommandLine(args);
  for (const p of [...streamingParameters, ...dataflowParameters]) {
    if (raw[p.name] !== undefined) throw new UsageError(`--${p.name} is for videoflow listen, not process`);
  }
  const options = parseOptions(raw);
  if (options.runner === "dataflow") throw new UsageError("process runs on --runner direct or flink; Dataflow runs the streaming job: videoflow listen --runner dataflow");
  if (positionals.length === 0) throw new UsageError("no input videos given: name at least one local file or gs:// object");
  if (options.runner === "direct") await probeLocalInputsAhead(positionals, options.maxInputBytes);
  // Loaded here, not at the top: Beam takes most of a second to load, and a usage error should not wait for it.
  const { processOnce, videoInputs } = await import("./runtimes/run");
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

/**
 * ffprobe reads the local inputs while Beam loads (0.4 s), for the pipeline's
 * probe step to take (direct runner: its steps run in this process). Inputs
 * the pipeline will refuse (missing, empty, too large) are left to it.
 */
async function probeLocalInputsAhead(sources: string[], maxInputBytes: number): Promise<void> {
  const { probeAhead } = await import("./video/probe");
  for (const source of sources) {
    if (isGcsUri(source)) continue;
    const stat = statSync(source, { throwIfNoEntry: false });
    if (stat?.isFile() && stat.size > 0 && stat.size <= maxInputBytes) probeAhead(source, source);
  }
}

async function listenCommand(args: string[]): Promise<number> {
  const { raw, positionals } = parseCommandLine(args, runnerOf(args) === "dataflow");
  const options = parseStreamingOptions(raw);
  if (positionals.length > 0) throw new UsageError(`listen takes no input files (got ${positionals.join(" ")}): it processes what is uploaded`);
  if (options.runner === "dataflow") return submitCommand(options);
  // Installed before anything says "listening": a signal sent on that line must not meet the default action.
  const signalled = new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  await removeStaleScratch();
  if (options.runner === "flink") {
    const { listenOnFlink } = await import("./runtimes/listen-flink");
    return listenOnFlink(options, signalled);
  }
  const { PubSub } = await import("@google-cloud/pubsub");
  const { Listener } = await import("./runtimes/listen");
  const { processOnce } = await import("./runtimes/run");
  const projectId = options.inputSubscription.split("/")[1];
  const listener = new Listener(new PubSub({ projectId }), options, async (input) => (await processOnce([input], options))[0]);
  const stopped = signalled.then((signal) => {
    log("INFO", `${signal}: finishing the videos in flight, then stopping`, { event: "signal", signal });
    return listener.stop();
  });
  listener.start();
  await stopped;
  return 0;
}

/** `redrive`: dead-lettered uploads sent again through the input topic. */
async function redriveCommand(args: string[]): Promise<number> {
  const { raw, positionals } = parseCommandLine(args, false, redriveParameters);
  if (positionals.length > 0) throw new UsageError(`redrive takes only options (got ${positionals.join(" ")})`);
  const options = parseRedriveOptions(raw);
  const { PubSub } = await import("@google-cloud/pubsub");
  const { redrive } = await import("./runtimes/redrive");
  const pubsub = new PubSub({ projectId: options.inputTopic.split("/")[1] });
  try {
    const { sent, skipped } = await redrive(options, pubsub);
    log("INFO", `sent ${sent.length} dead-lettered upload${sent.length === 1 ? "" : "s"} again to ${options.inputTopic}; left ${skipped.length}`, {
      event: "redrive summary", sent: sent.length, skipped: skipped.length,
    });
  } finally {
    await pubsub.close();
  }
  return 0;
}

/** `cost`: the monthly cost of a Dataflow deployment. */
async function costCommand(args: string[]): Promise<number> {
  const { raw, positionals } = parseCommandLine(args, false, costParameters);
  if (positionals.length > 0) throw new UsageError(`cost takes only options (got ${positionals.join(" ")})`);
  const { formatCost } = await import("./cost");
  process.stdout.write(formatCost(parseCostOptions(raw)) + "\n");
  return 0;
}

/** `listen --runner dataflow`: builds the streaming job, submits it (or writes its request) and exits. */
async function submitCommand(options: StreamingOptions): Promise<number> {
  const { submitToDataflow } = await import("./beam/dataflow");
  const { processUploads } = await import("./pipeline");
  const { readPubSubMessages } = await import("./beam/pubsub");
  const jobName = options.jobName ?? `videoflow-${new Date().toISOString().replace(/[^0-9]/g, "").slice(0, 14)}`;
  const pipelineOptions: Record<string, unknown> = {};
  for (const p of [...pipelineParameters, ...streamingParameters] as readonly ParameterSpec[]) {
    // What the job was started with, as given (the workers get the parsed options inside the pipeline's steps).
    const value = (options as unknown as Record<string, unknown>)[p.name];
    if (value !== undefined && p.name !== "runner" && p.name !== "environmentType") pipelineOptions[p.name] = Array.isArray(value) ? value.join(",") : value;
  }
  await submitToDataflow(processUploads(options, readPubSubMessages(options.inputSubscription)), {
    project: options.project!, region: options.region!, jobName, tempLocation: options.tempLocation!, stagingLocation: options.stagingLocation!,
    sdkContainerImage: options.sdkContainerImage!, templateLocation: options.templateLocation, dataflowEndpoint: options.dataflowEndpoint, pipelineOptions,
  });
  return 0;
}

/**
 * Runs a command line to its exit: status 0 done, 1 failed, 2 usage error
 * (the message names the parameter and what is wrong; the usage follows when
 * the command line's shape is wrong, and never when `showUsage` is false: the
 * template launcher shows the operator just the error).
 */
export function runCommandLine(argv: string[], { showUsage = true, prefix = "videoflow" } = {}): void {
  main(argv).then(
    (code) => process.exit(code),
    (err) => {
      if (err instanceof UsageError) {
        const more = !showUsage ? "" : err.showUsage ? `\n${usage()}\n` : `(every parameter: ${prefix} help)\n`;
        process.stderr.write(`${prefix}: ${err.message}\n${more}`);
        process.exit(2);
      }
      log("ERROR", `${prefix} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      process.exit(1);
    },
  );
}

if (require.main === module) runCommandLine(process.argv.slice(2));
