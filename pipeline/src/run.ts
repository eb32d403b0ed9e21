/**
 * The one-machine runtime: runs the pipeline once over a list of videos on
 * Beam's direct runner and returns what happened to each.
 */
import { promises as fs } from "node:fs";
import * as beam from "apache-beam";
import { createRunner } from "apache-beam/runners/runner";
import { asyncMap, steps } from "./beam/workarounds";
import { videoKey } from "./keys";
import { PipelineOptions, UsageError } from "./options";
import { processVideos } from "./pipeline";
import type { Outcome, VideoInput } from "./steps";
import { scratchDir } from "./storage";

export function videoInputs(sources: string[]): VideoInput[] {
  const inputs = sources.map((source) => ({ source, key: videoKey(source) }));
  const seen = new Map<string, string>();
  for (const { source, key } of inputs) {
    const other = seen.get(key);
    if (other !== undefined) {
      throw new UsageError(`${other} and ${source} would both write to the output folder "${key}": process them in separate runs or rename one`);
    }
    seen.set(key, source);
  }
  return inputs;
}

/** Runs the pipeline over `inputs` (distinct keys) and returns each one's outcome, in order. */
export async function processOnce(inputs: VideoInput[], options: PipelineOptions): Promise<Outcome[]> {
  await fs.mkdir(scratchDir("reports"), { recursive: true });
  const report = scratchDir("reports", `run-${process.pid}-${Date.now()}.jsonl`);
  try {
    await createRunner({ runner: "direct" }).run((root: beam.Root) => {
      root
        .apply(beam.withName("videos", beam.create(inputs, false)))
        .apply(processVideos(options))
        .apply(asyncMap("report", (outcome: Outcome) => steps.recordOutcome(report, outcome)));
    });
    const text = await fs.readFile(report, "utf8").catch(() => "");
    const outcomes = text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Outcome);
    const missing = inputs.filter((i) => !outcomes.some((o) => o.key === i.key));
    if (missing.length > 0) throw new Error(`the pipeline reported nothing for ${missing.map((m) => m.source).join(", ")}`);
    return inputs.map((i) => outcomes.find((o) => o.key === i.key)!);
  } finally {
    await fs.rm(report, { force: true });
  }
}
