/**
 * Streaming figures on the local stack (Pub/Sub and Cloud Storage emulators,
 * the bucket's notifications, and a real `videoflow listen`): upload-to-manifest latency of a
 * 10-second clip against its processing time, and a load of many uploads at
 * once (manifests, lost, duplicated, videos per minute, listener memory).
 */
import { ListenerProcess } from "../dev/listener-process";
import { LocalStack, startLocalStack } from "../dev/stack";
import { watchPeakRss } from "./peak-rss";

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

function listen(stack: LocalStack, output: string, runner = "direct"): ListenerProcess {
  return new ListenerProcess(
    ["--inputSubscription", stack.subscription, "--output", output, "--maxInFlight", "8", "--runner", runner],
    stack.env,
  );
}

const listening = (l: ListenerProcess) => l.waitFor((e) => e.event === "listening", "listening", 180000);
const processedOnce = (l: ListenerProcess, object: string, timeoutMs = 120000) =>
  l.waitFor((e) => e.event === "processed" && e.object === object, `processed ${object}`, timeoutMs);

/**
 * Upload-to-manifest latency per clip. With `runner` flink (the streaming job
 * on local Flink, which does not know when a file was uploaded) the latency
 * is measured here: from the upload's end to the "processed" line.
 */
export async function latency(clips: Array<{ name: string; file: string }>, runs: number, runner = "direct"): Promise<LatencyRow[]> {
  const stack = await startLocalStack({ inputBuckets: ["bench-uploads"], buckets: ["bench-results"] });
  const listener = listen(stack, `gs://bench-results/latency-${runner}`, runner);
  const rows: LatencyRow[] = [];
  try {
    await listening(listener);
    // One warm-up upload: the first video of a process also pays for loading OpenCV.
    await stack.storage.bucket("bench-uploads").upload(clips[0].file, { destination: "warmup.mp4" });
    await processedOnce(listener, "gs://bench-uploads/warmup.mp4");
    for (const clip of clips) {
      const processing: number[] = [];
      const latencies: number[] = [];
      for (let i = 0; i < runs; i++) {
        const object = `gs://bench-uploads/latency/${clip.name}-${i}.mp4`;
        await stack.storage.bucket("bench-uploads").upload(clip.file, { destination: `latency/${clip.name}-${i}.mp4` });
        const uploaded = Date.now();
        const e = await processedOnce(listener, object);
        processing.push(e.processingSec as number);
        latencies.push(runner === "direct" ? (e.latencySec as number) : (Date.now() - uploaded) / 1000);
      }
      const row = {
        clip: clip.name,
        processingSec: median(processing),
        latencySec: median(latencies),
        overheadSec: median(latencies.map((l, i) => l - processing[i])),
      };
      rows.push(row);
      process.stderr.write(
        `bench: latency (${runner}) ${clip.name}: processing ${row.processingSec.toFixed(2)} s, upload to manifest ${row.latencySec.toFixed(2)} s\n`,
      );
    }
  } finally {
    await listener.stop();
    await stack.stop();
  }
  return rows;
}

export interface IsolationResult {
  shortClip: string;
  longClip: string;
  /** Median upload-to-manifest latency of the short clip uploaded alone, and uploaded together with the long one. */
  shortAloneSec: number;
  shortWithLongSec: number;
  /** Median processing time (probe to manifest) of the short clip when uploaded with the long one. */
  shortProcessingSec: number;
  longWithShortSec: number;
}

/**
 * Latency isolation: a short clip uploaded at the same moment as a long one
 * should get its manifest in about its own time, not the long one's.
 */
export async function isolation(
  short: { name: string; file: string },
  long: { name: string; file: string },
  runs: number,
): Promise<IsolationResult> {
  const stack = await startLocalStack({ inputBuckets: ["bench-uploads"], buckets: ["bench-results"] });
  const listener = listen(stack, "gs://bench-results/isolation");
  const alone: number[] = [];
  const together: number[] = [];
  const processing: number[] = [];
  const longLatency: number[] = [];
  const bucket = stack.storage.bucket("bench-uploads");
  try {
    await listening(listener);
    await bucket.upload(short.file, { destination: "warmup.mp4" });
    await processedOnce(listener, "gs://bench-uploads/warmup.mp4");
    for (let i = 0; i < runs; i++) {
      await bucket.upload(short.file, { destination: `isolation/alone-${i}.mp4` });
      alone.push((await processedOnce(listener, `gs://bench-uploads/isolation/alone-${i}.mp4`)).latencySec as number);
      // The long one first, the short one right after: their notifications arrive together.
      await bucket.upload(long.file, { destination: `isolation/long-${i}.mp4` });
      await bucket.upload(short.file, { destination: `isolation/short-${i}.mp4` });
      const [s, l] = await Promise.all([
        processedOnce(listener, `gs://bench-uploads/isolation/short-${i}.mp4`, 300000),
        processedOnce(listener, `gs://bench-uploads/isolation/long-${i}.mp4`, 300000),
      ]);
      together.push(s.latencySec as number);
      processing.push(s.processingSec as number);
      longLatency.push(l.latencySec as number);
    }
  } finally {
    await listener.stop();
    await stack.stop();
  }
  const result = {
    shortClip: short.name,
    longClip: long.name,
    shortAloneSec: median(alone),
    shortWithLongSec: median(together),
    shortProcessingSec: median(processing),
    longWithShortSec: median(longLatency),
  };
  process.stderr.write(`bench: isolation: ${JSON.stringify(result)}\n`);
  return result;
}

export async function load(clip: string, uploads: number): Promise<LoadResult> {
  const stack = await startLocalStack({ inputBuckets: ["bench-uploads"], buckets: ["bench-results"] });
  const listener = listen(stack, "gs://bench-results/load");
  try {
    await listening(listener);
    const rss = watchPeakRss(listener.child.pid!);
    const started = Date.now();
    const objects = Array.from({ length: uploads }, (_, i) => `load/clip-${String(i).padStart(3, "0")}.mp4`);
    await Promise.all(objects.map((name) => stack.storage.bucket("bench-uploads").upload(clip, { destination: name })));
    const uris = objects.map((o) => `gs://bench-uploads/${o}`);
    await Promise.all(uris.map((u) => processedOnce(listener, u, 600000).catch(() => undefined)));
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
