/**
 * Streaming figures on the local stack (Pub/Sub and Cloud Storage emulators,
 * bridge, and a real `videoflow listen`): upload-to-manifest latency of a
 * 10-second clip against its processing time, and a load of many uploads at
 * once (manifests, lost, duplicated, videos per minute, listener memory).
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { LocalStack, startLocalStack } from "../src/dev/stack";
import { watchPeakRss } from "./peak-rss";

interface Event {
  event?: string;
  object?: string;
  processingSec?: number;
  latencySec?: number;
  manifest?: string;
}

class Listener {
  readonly events: Event[] = [];
  readonly child: ChildProcess;
  constructor(cli: string, stack: LocalStack, output: string, maxInFlight: number) {
    this.child = spawn(process.execPath, [cli, "listen", "--inputSubscription", stack.subscription, "--output", output, "--maxInFlight", String(maxInFlight)], {
      env: { ...process.env, ...stack.env, VIDEOFLOW_JSON_LOGS: "1" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buffer = "";
    this.child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const l of lines) if (l.startsWith("{")) this.events.push(JSON.parse(l));
    });
  }
  async until(test: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > deadline) throw new Error("timed out");
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  processed(object: string): Event[] {
    return this.events.filter((e) => e.event === "processed" && e.object === object);
  }
  async stop(): Promise<void> {
    this.child.kill("SIGTERM");
    await new Promise((r) => this.child.once("exit", r));
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export interface LatencyRow {
  clip: string;
  processingSec: number;
  latencySec: number;
  overheadSec: number;
}

export interface LoadResult {
  uploads: number;
  manifests: number;
  lost: number;
  duplicated: number;
  seconds: number;
  videosPerMinute: number;
  listenerPeakRssMiB: number;
}

export async function latency(cli: string, clips: Array<{ name: string; file: string }>, runs: number): Promise<LatencyRow[]> {
  const stack = await startLocalStack();
  const listener = new Listener(cli, stack, "gs://bench-results/latency", 8);
  const rows: LatencyRow[] = [];
  try {
    await listener.until(() => listener.events.some((e) => e.event === "listening"), 60000);
    // One warm-up upload: the first video of a process also pays for loading OpenCV.
    await stack.storage.bucket("bench-uploads").upload(clips[0].file, { destination: "warmup.mp4" });
    await listener.until(() => listener.processed("gs://bench-uploads/warmup.mp4").length > 0, 120000);
    for (const clip of clips) {
      const processing: number[] = [];
      const latencies: number[] = [];
      for (let i = 0; i < runs; i++) {
        const object = `gs://bench-uploads/latency/${clip.name}-${i}.mp4`;
        await stack.storage.bucket("bench-uploads").upload(clip.file, { destination: `latency/${clip.name}-${i}.mp4` });
        await listener.until(() => listener.processed(object).length > 0, 120000);
        const e = listener.processed(object)[0];
        processing.push(e.processingSec!);
        latencies.push(e.latencySec!);
      }
      const row = { clip: clip.name, processingSec: median(processing), latencySec: median(latencies), overheadSec: median(latencies.map((l, i) => l - processing[i])) };
      rows.push(row);
      process.stderr.write(`bench: latency ${clip.name}: processing ${row.processingSec.toFixed(2)} s, upload to manifest ${row.latencySec.toFixed(2)} s\n`);
    }
  } finally {
    await listener.stop();
    await stack.stop();
  }
  return rows;
}

export async function load(cli: string, clip: string, uploads: number): Promise<LoadResult> {
  const stack = await startLocalStack();
  const listener = new Listener(cli, stack, "gs://bench-results/load", 8);
  try {
    await listener.until(() => listener.events.some((e) => e.event === "listening"), 60000);
    const rss = watchPeakRss(listener.child.pid!);
    const started = Date.now();
    const objects = Array.from({ length: uploads }, (_, i) => `load/clip-${String(i).padStart(3, "0")}.mp4`);
    await Promise.all(objects.map((name) => stack.storage.bucket("bench-uploads").upload(clip, { destination: name })));
    const uris = objects.map((o) => `gs://bench-uploads/${o}`);
    await listener.until(() => uris.every((u) => listener.processed(u).length > 0) || Date.now() - started > 600000, 610000);
    const seconds = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 3000)); // time for any duplicate to show
    const peak = rss.stop();
    const [files] = await stack.storage.bucket("bench-results").getFiles({ prefix: "load/" });
    const manifests = files.filter((f) => f.name.endsWith("/manifest.json")).length;
    const result: LoadResult = {
      uploads,
      manifests,
      lost: uris.filter((u) => listener.processed(u).length === 0).length,
      duplicated: uris.filter((u) => listener.processed(u).length > 1).length,
      seconds,
      videosPerMinute: (uploads / seconds) * 60,
      listenerPeakRssMiB: peak / 2 ** 20,
    };
    process.stderr.write(`bench: load: ${JSON.stringify(result)}\n`);
    return result;
  } finally {
    await listener.stop();
    await stack.stop();
  }
}

export const cliPath = (repoRoot: string) => path.join(repoRoot, "dist", "pipeline", "src", "main.js");
