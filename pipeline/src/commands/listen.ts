/**
 * `videoflow listen`: the uploads a bucket's notifications announce, until
 * stopped (direct runner), as the streaming job on local Flink, or submitted
 * to Dataflow (`--runner dataflow`).
 */
import { forFlinkCluster, parseCommandLine } from "./command-line";
import { runnerOf } from "./argv";
import { log } from "../log";
import type { StreamingOptions } from "../options";
import { removeStaleScratch } from "../io/storage";
import { ParameterSpec, UsageError, parseStreamingOptions, pipelineParameters, streamingParameters } from "../options";

export async function listenCommand(args: string[]): Promise<number> {
  const { raw, positionals } = parseCommandLine(args, runnerOf(args) === "dataflow");
  const parsed = parseStreamingOptions(raw);
  if (positionals.length > 0)
    throw new UsageError(`listen takes no input files (got ${positionals.join(" ")}): it processes what is uploaded`);
  if (parsed.runner === "dataflow") return submitCommand(parsed);
  const { options } = await forFlinkCluster(parsed, []);
  // Installed before anything says "listening": a signal sent on that line must not meet the default action.
  const signalled = new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  await removeStaleScratch();
  if (options.runner === "flink") {
    const { listenOnFlink } = await import("../runtimes/listen-flink");
    return listenOnFlink(options, signalled);
  }
  const { PubSub } = await import("@google-cloud/pubsub");
  const { Listener } = await import("../runtimes/listen");
  const { processOnce } = await import("../runtimes/run");
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

/** Parameters of the local runners only: a Dataflow job is not started with them. */
const LOCAL_RUNNER_ONLY = ["runner", "environmentType", "flinkMaster", "sharedPaths", "workerCommand"];

/** `listen --runner dataflow`: builds the streaming job, submits it (or writes its request) and exits. */
async function submitCommand(options: StreamingOptions): Promise<number> {
  const { submitToDataflow } = await import("../launch/dataflow");
  const { processUploads } = await import("../beam/pipeline");
  const { readPubSubMessages } = await import("../beam/pubsub");
  const jobName =
    options.jobName ??
    `videoflow-${new Date()
      .toISOString()
      .replace(/[^0-9]/g, "")
      .slice(0, 14)}`;
  const pipelineOptions: Record<string, unknown> = {};
  for (const p of [...pipelineParameters, ...streamingParameters] as readonly ParameterSpec[]) {
    // What the job was started with, as given (the workers get the parsed options inside the pipeline's steps).
    const value = (options as unknown as Record<string, unknown>)[p.name];
    if (value !== undefined && !LOCAL_RUNNER_ONLY.includes(p.name))
      pipelineOptions[p.name] = Array.isArray(value) ? value.join(",") : value;
  }
  await submitToDataflow(processUploads(options, readPubSubMessages(options.inputSubscription)), {
    project: options.project!,
    region: options.region!,
    jobName,
    tempLocation: options.tempLocation!,
    stagingLocation: options.stagingLocation!,
    sdkContainerImage: options.sdkContainerImage!,
    templateLocation: options.templateLocation,
    dataflowEndpoint: options.dataflowEndpoint,
    pipelineOptions,
  });
  return 0;
}
