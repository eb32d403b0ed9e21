/** `videoflow process`: each input video once, on the direct runner or local Flink. */
import { forFlinkCluster, parseCommandLine } from "./command-line";
import { log } from "../log";
import { isGcsUri, removeStaleScratch } from "../io/storage";
import { PipelineOptions, UsageError, dataflowParameters, parseOptions, streamingParameters } from "../options";
import type { VideoAttempt } from "../model";

export async function processCommand(args: string[]): Promise<number> {
  const { raw, positionals } = parseCommandLine(args);
  for (const p of [...streamingParameters, ...dataflowParameters]) {
    if (raw[p.name] !== undefined) throw new UsageError(`--${p.name} is for videoflow listen, not process`);
  }
  const parsed = parseOptions(raw);
  if (parsed.runner === "dataflow")
    throw new UsageError("process runs on --runner direct or flink; Dataflow runs the streaming job: videoflow listen --runner dataflow");
  if (positionals.length === 0) throw new UsageError("no input videos given: name at least one local file or gs:// object");
  const { options, inputs } = await forFlinkCluster(parsed, positionals);
  const { attemptsAt, videoInputs, startVideoAhead } = await import("../steps");
  const attempts = attemptsAt(videoInputs(inputs));
  await removeStaleScratch();
  if (options.runner === "direct") await startAhead(attempts, options, startVideoAhead);
  // Loaded here, not at the top: Beam takes most of a second to load, and a usage error should not wait for it.
  const { processAttempts } = await import("../runtimes/run");
  const outcomes = await processAttempts(attempts, options);
  for (const o of outcomes) {
    if (o.status === "ok") log("INFO", `ok      ${o.source} -> ${o.manifest}`, { event: "outcome", ...o });
    else log("ERROR", `failed  ${o.source} [${o.stage}] ${o.reason} -> ${o.deadLetter}`, { event: "outcome", ...o });
  }
  const failures = outcomes.filter((o) => o.status !== "ok").length;
  log(failures ? "WARNING" : "INFO", `${outcomes.length - failures} of ${outcomes.length} videos processed`, {
    event: "summary",
    failed: failures,
  });
  return failures > 0 ? 1 : 0;
}

/**
 * On the direct runner the pipeline's steps run in this process, which then
 * loads Beam for about half a second before the first step runs: the local
 * inputs are probed, and the first one's segments started, before that load
 * (steps/ahead.ts), for the pipeline's steps to take. Only the probes are
 * awaited: the load would hold back their results, and with them the
 * segments' start. gs:// inputs are left to the pipeline (their download is
 * its probe step's).
 */
async function startAhead(
  attempts: VideoAttempt[],
  options: PipelineOptions,
  startVideoAhead: (input: VideoAttempt, options: PipelineOptions, segments: boolean) => Promise<void>,
): Promise<void> {
  const local = attempts.filter((a) => !isGcsUri(a.source));
  await Promise.all(local.map((attempt, i) => startVideoAhead(attempt, options, i === 0)));
}
