/**
 * The command line's shared parts: the usage text (from the parameter
 * tables in options.ts) and the parser every command uses.
 */
import { log } from "../log";
import { splitCommandLine } from "./argv";
import {
  ParameterSpec,
  UsageError,
  camelCase,
  costParameters,
  dataflowParameters,
  parameters,
  pipelineParameters,
  redriveParameters,
  streamingParameters,
} from "../options";

export function usage(): string {
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
    "cluster instead (for development), or with --flinkMaster on your Flink cluster: see the README.",
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
 * `--name value` or `--name=value` (argv.ts), in camelCase or snake_case (as Dataflow's
 * launchers write them). Unknown flags are an error, except with
 * `tolerateUnknown` (a Flex Template launcher adds flags of its own), when
 * they are logged and left out.
 */
export function parseCommandLine(
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
  const ignored: string[] = [];
  const { flags, positionals } = splitCommandLine(args);
  for (const written of flags) {
    const flag = camelCase(written.name);
    const name = known.get(flag);
    if (name === undefined) {
      if (!tolerateUnknown) throw new UsageError(`unknown option --${flag}`, true);
      ignored.push(`--${flag}`);
      continue;
    }
    if (written.value === undefined) throw new UsageError(`option --${flag} needs a value`, true);
    raw[name] = written.value;
  }
  if (ignored.length > 0)
    log("INFO", `ignored flags videoflow does not use: ${ignored.join(", ")}`, { event: "ignored flags", flags: ignored });
  return { raw, positionals };
}

/**
 * With --flinkMaster: checks that the cluster answers and runs the Flink the
 * runner needs, and gives the job's paths as the cluster's workers must see
 * them (launch/flink-cluster.ts). Without it, everything as it was.
 */
export async function forFlinkCluster<O extends { runner: string; flinkMaster?: string; sharedPaths: boolean; outputDirectory: string }>(
  options: O,
  inputs: string[],
): Promise<{ options: O; inputs: string[] }> {
  const master = options.flinkMaster;
  if (master === undefined) return { options, inputs };
  if (options.runner !== "flink") throw new UsageError(`--flinkMaster is for --runner flink (got --runner ${options.runner})`);
  const { checkCluster, pathsForCluster } = await import("../launch/flink-cluster");
  try {
    // Paths first: refusing a local path for a cluster on another host needs no answer from it.
    const [outputDirectory, ...paths] = pathsForCluster([options.outputDirectory, ...inputs], master, options.sharedPaths);
    await checkCluster(master);
    return { options: { ...options, outputDirectory }, inputs: paths };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
