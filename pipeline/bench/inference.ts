/**
 * Inference throughput (frames predicted per second), at a clip's own size,
 * against the local model server with added latency, in one run:
 * - the original design's way: one request per frame, one at a time;
 * - videoflow's way: batched and concurrent (the defaults);
 * - the model server's own maximum, measured alone with the same frames
 *   (no decoding or encoding beside it): what any client could get from it.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { startModelServer } from "../src/dev/model-server";
import { parseEndpoint, toInstance } from "../src/inference";
import { PredictionClient } from "../src/prediction-client";
import { ffmpegPath } from "../src/tools";
import { prepareForInference } from "../src/vision";

export interface InferenceRow {
  clip: string;
  frames: number;
  oneAtATimeFps: number;
  videoflowFps: number;
  serverMaxFps: number;
  speedup: number;
  ofServerMax: number;
}

function runCli(cli: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, VIDEOFLOW_JSON_LOGS: "1" } });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`videoflow exited ${code}: ${stderr.slice(-1000)}`))));
  });
}

/** The clip's frames as JPEG instances, as videoflow would send them (b64, at `size`). */
function instancesOf(file: string, width: number, height: number, size: { width: number; height: number }): unknown[] {
  const raw = spawnSync(ffmpegPath, ["-v", "error", "-i", file, "-f", "rawvideo", "-pix_fmt", "gray", "-"], { maxBuffer: 1 << 30 }).stdout;
  const out: unknown[] = [];
  for (let at = 0; at + width * height <= raw.length; at += width * height) {
    const image = prepareForInference(raw.subarray(at, at + width * height), width, height, size, true);
    out.push(toInstance("b64", image));
  }
  return out;
}

async function serverMaximum(url: string, instances: unknown[], batch: number, concurrency: number): Promise<number> {
  const client = new PredictionClient(parseEndpoint(url), { maxConcurrentRequests: concurrency });
  const started = Date.now();
  const batches: unknown[][] = [];
  for (let i = 0; i < instances.length; i += batch) batches.push(instances.slice(i, i + batch));
  await Promise.all(
    batches.map(async (b) => {
      const release = await client.acquire();
      try {
        await client.predict(b);
      } finally {
        release();
      }
    }),
  );
  return instances.length / ((Date.now() - started) / 1000);
}

export async function inferenceThroughput(
  cli: string,
  work: string,
  clips: Array<{ name: string; file: string; width: number; height: number; frames: number; inferenceSize?: { width: number; height: number } }>,
  latencyMs: number,
): Promise<InferenceRow[]> {
  const server = await startModelServer({ faults: { latencyMs } });
  const rows: InferenceRow[] = [];
  try {
    for (const clip of clips) {
      const size = clip.inferenceSize ?? { width: clip.width, height: clip.height };
      const sizeArgs = clip.inferenceSize ? ["--inferenceSize", `${size.width}x${size.height}`] : [];
      const fps = async (name: string, extra: string[]) => {
        const out = path.join(work, "out", `inference-${name}`);
        rmSync(out, { recursive: true, force: true });
        await runCli(cli, ["process", clip.file, "--output", out, "--predictionEndpoint", server.predictUrl, ...sizeArgs, ...extra]);
        const manifest = JSON.parse(readFileSync(path.join(out, path.basename(clip.file), "manifest.json"), "utf8"));
        if (manifest.inference.framesPredicted !== clip.frames) throw new Error(`${name}: ${manifest.inference.framesPredicted} of ${clip.frames} frames predicted`);
        return manifest.inference.framesPerSec as number;
      };
      const oneAtATime = await fps("one-at-a-time", ["--maxBatchSize", "1", "--maxConcurrentRequests", "1"]);
      const videoflow = await fps("batched", []);
      const serverMax = await serverMaximum(server.predictUrl, instancesOf(clip.file, clip.width, clip.height, size), 16, 8);
      const row = {
        clip: clip.name, frames: clip.frames, oneAtATimeFps: oneAtATime, videoflowFps: videoflow, serverMaxFps: serverMax,
        speedup: videoflow / oneAtATime, ofServerMax: videoflow / serverMax,
      };
      process.stderr.write(`bench: inference ${clip.name}: one at a time ${oneAtATime.toFixed(1)} fps, videoflow ${videoflow.toFixed(1)} fps, server alone ${serverMax.toFixed(1)} fps\n`);
      rows.push(row);
    }
  } finally {
    await server.stop();
  }
  return rows;
}
