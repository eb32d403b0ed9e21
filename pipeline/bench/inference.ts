/**
 * Inference throughput (frames predicted per second) against the local model
 * server with added latency, in one run:
 * - the original design's way: one request per frame, one at a time;
 * - videoflow's way: batched and concurrent (the defaults);
 * - the model server's own maximum, measured alone with the same frames
 *   (no decoding or encoding beside it): what any client could get from it.
 *
 * A real endpoint runs on machines of its own, so the model server runs on
 * its own cores (the upper half, pinned with taskset) and everything else,
 * this process included, on the others: the model's computing never competes
 * with decoding and encoding, as it would not on Dataflow.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseEndpoint, toInstance } from "../src/inference/inference";
import { PredictionClient } from "../src/inference/prediction-client";
import { ffmpegPath } from "../src/video/tools";
import { prepareForInference } from "../src/video/vision";

export interface InferenceCase {
  name: string;
  file: string;
  width: number;
  height: number;
  frames: number;
  /** Frames are sent at this size (default: the video's). */
  inferenceSize?: { width: number; height: number };
  writeGrayVideo: boolean;
  /** Runs of videoflow and of the server alone (medians); one at a time, bound by the latency, runs once. */
  runs: number;
}

export interface InferenceRow {
  clip: string;
  frames: number;
  sentAt: string;
  grayVideo: boolean;
  oneAtATimeFps: number;
  videoflowFps: number;
  serverMaxFps: number;
  speedup: number;
  ofServerMax: number;
}

/** The cores the model server gets (the upper half) and the ones left for the pipeline; null when there is one core. */
function splitCores(): { server: string; pipeline: string } | null {
  const n = os.availableParallelism();
  if (n < 2 || spawnSync("taskset", ["-V"]).status !== 0) return null;
  const half = Math.floor(n / 2);
  return { pipeline: `0-${n - half - 1}`, server: `${n - half}-${n - 1}` };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function runCli(cli: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, VIDEOFLOW_JSON_LOGS: "1" },
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`videoflow exited ${code}: ${stderr.slice(-1000)}`))));
  });
}

/** Starts the model server in its own process, on `cores` when given; resolves with its :predict URL. */
function startModelServerProcess(latencyMs: number, cores: string | null): Promise<{ url: string; child: ChildProcess }> {
  const script = path.join(__dirname, "..", "src", "dev", "model-server.js");
  const argv = [process.execPath, script, "--port", "0", "--latencyMs", String(latencyMs)];
  const child = cores
    ? spawn("taskset", ["-c", cores, ...argv], { stdio: ["ignore", "ignore", "pipe"] })
    : spawn(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => {
      stderr += c.toString();
      const match = /model server: (\S+)/.exec(stderr);
      if (match) resolve({ url: match[1], child });
    });
    child.on("exit", (code) => reject(new Error(`the model server exited ${code}: ${stderr}`)));
  });
}

/** The clip's frames as JPEG instances, as videoflow would send them (b64, at `size`). */
function instancesOf(file: string, width: number, height: number, size: { width: number; height: number }): unknown[] {
  const raw = spawnSync(ffmpegPath(), ["-v", "error", "-i", file, "-f", "rawvideo", "-pix_fmt", "gray", "-"], {
    maxBuffer: 1 << 30,
  }).stdout;
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

/** Measures every case; `serverCores` says where the model server ran ("shared" when it could not be pinned). */
export async function inferenceThroughput(
  cli: string,
  work: string,
  cases: InferenceCase[],
  latencyMs: number,
): Promise<{ serverCores: string; rows: InferenceRow[] }> {
  const cores = splitCores();
  const allCores = `0-${os.availableParallelism() - 1}`;
  // Children inherit this process's affinity: the pipeline's runs and the server-alone client stay off the server's cores.
  if (cores) spawnSync("taskset", ["-a", "-p", "-c", cores.pipeline, String(process.pid)], { stdio: "ignore" });
  process.stderr.write(
    `bench: inference: model server on cores ${cores?.server ?? "(shared)"}, the rest on ${cores?.pipeline ?? "(shared)"}\n`,
  );
  const server = await startModelServerProcess(latencyMs, cores?.server ?? null);
  const rows: InferenceRow[] = [];
  try {
    for (const c of cases) {
      const size = c.inferenceSize ?? { width: c.width, height: c.height };
      const args = ["--predictionEndpoint", server.url, "--writeGrayVideo", String(c.writeGrayVideo)];
      if (c.inferenceSize) args.push("--inferenceSize", `${size.width}x${size.height}`);
      const fps = async (name: string, extra: string[]) => {
        const out = path.join(work, "out", `inference-${name}`);
        rmSync(out, { recursive: true, force: true });
        await runCli(cli, ["process", c.file, "--output", out, ...args, ...extra]);
        const manifest = JSON.parse(readFileSync(path.join(out, path.basename(c.file), "manifest.json"), "utf8"));
        if (manifest.inference.framesPredicted !== c.frames)
          throw new Error(`${name}: ${manifest.inference.framesPredicted} of ${c.frames} frames predicted`);
        return manifest.inference.framesPerSec as number;
      };
      const oneAtATime = await fps("one-at-a-time", ["--maxBatchSize", "1", "--maxConcurrentRequests", "1"]);
      const videoflow: number[] = [];
      for (let i = 0; i < c.runs; i++) videoflow.push(await fps("batched", []));
      const instances = instancesOf(c.file, c.width, c.height, size);
      const serverMax: number[] = [];
      for (let i = 0; i < c.runs; i++) serverMax.push(await serverMaximum(server.url, instances, 16, 8));
      const row: InferenceRow = {
        clip: c.name,
        frames: c.frames,
        sentAt: `${size.width}x${size.height}`,
        grayVideo: c.writeGrayVideo,
        oneAtATimeFps: oneAtATime,
        videoflowFps: median(videoflow),
        serverMaxFps: median(serverMax),
        speedup: median(videoflow) / oneAtATime,
        ofServerMax: median(videoflow) / median(serverMax),
      };
      process.stderr.write(
        `bench: inference ${c.name} at ${row.sentAt}, gray video ${c.writeGrayVideo}: one at a time ${oneAtATime.toFixed(1)} fps, ` +
          `videoflow ${videoflow.map((v) => v.toFixed(1)).join("/")} fps, server alone ${serverMax.map((v) => v.toFixed(1)).join("/")} fps\n`,
      );
      rows.push(row);
    }
  } finally {
    server.child.kill();
    if (cores) spawnSync("taskset", ["-a", "-p", "-c", allCores, String(process.pid)], { stdio: "ignore" });
  }
  return { serverCores: cores?.server ?? "shared", rows };
}
