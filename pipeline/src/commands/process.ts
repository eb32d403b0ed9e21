/** `videoflow process`: each input video once, on the direct runner or local Flink. */
import { forFlinkCluster, parseCommandLine } from "./command-line";
import { log } from "../log";
import { removeStaleScratch } from "../io/storage";
import { UsageError, dataflowParameters, parseOptions, streamingParameters } from "../options";

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
  const { attemptsAt, videoInputs, startRunAhead } = await import("../steps");
  const attempts = attemptsAt(videoInputs(inputs));
  // Beside the run, not before it: it removes only other, ended processes' files (it took 3-5 ms before the first ffmpeg).
  const staleRemoved = removeStaleScratch();
  staleRemoved.catch(() => undefined); // reported by the await below, if startRunAhead has not failed first
  // On the direct runner the steps run in this process: their work starts before Beam's load (steps/ahead.ts).
  if (options.runner === "direct") await startRunAhead(attempts, options);
  await staleRemoved;
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
