/**
 * The streaming job on a Flink session cluster (`listen --runner flink
 * --flinkMaster`): the same burst of uploads on 1 and on 2 TaskManagers
 * (pipeline/dev/flink-session.ts, each its own JVM, 2 slots a TaskManager),
 * against the emulators. Times the burst from its first upload to its last
 * "processed" line, and says which TaskManager's worker processed each upload.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startFlinkSession } from "../dev/flink-session";
import { ListenerProcess } from "../dev/listener-process";
import { startLocalStack } from "../dev/stack";

export interface ClusterRow {
  taskManagers: number;
  slots: number;
  uploads: number;
  seconds: number;
  videosPerMinute: number;
  /** The median upload's own processing time (download to manifest), as its worker logged it. */
  medianProcessingSec: number;
  /** Uploads processed by each TaskManager's worker, most first. */
  byTaskManager: number[];
}

/** The process group a pid belongs to: a TaskManager's (flink-session.ts starts each JVM as a group's leader). */
function processGroupOf(pid: number): number {
  return Number(execFileSync("ps", ["-o", "pgid=", "-p", String(pid)], { encoding: "utf8" }).trim());
}

/** Runs the burst once on a fresh cluster of `taskManagers`; the clip is uploaded `uploads` times at once, after one warm-up. */
async function burst(clip: string, uploads: number, taskManagers: number): Promise<ClusterRow> {
  const stack = await startLocalStack({ inputBuckets: ["bench-uploads"], buckets: ["bench-results"] });
  const dir = mkdtempSync(path.join(os.tmpdir(), "videoflow-bench-cluster-"));
  const session = await startFlinkSession(dir, taskManagers, { env: stack.env }).catch(async (err) => {
    await stack.stop();
    throw err;
  });
  const listener = new ListenerProcess(
    [
      "--runner",
      "flink",
      "--flinkMaster",
      session.master,
      "--inputSubscription",
      stack.subscription,
      "--output",
      "gs://bench-results/cluster",
    ],
    stack.env,
  );
  const processed = (object: string) =>
    listener.waitFor((e) => e.event === "processed" && e.object === object, `processed ${object}`, 600000);
  try {
    await listener.waitFor((e) => e.event === "listening", "listening", 300000);
    // Warm-up: a worker's first video also pays for its start and for loading OpenCV.
    await stack.storage.bucket("bench-uploads").upload(clip, { destination: "warmup.mp4" });
    await processed("gs://bench-uploads/warmup.mp4");
    const objects = Array.from({ length: uploads }, (_, i) => `burst/clip-${String(i).padStart(3, "0")}.mp4`);
    const started = Date.now();
    await Promise.all(objects.map((name) => stack.storage.bucket("bench-uploads").upload(clip, { destination: name })));
    const events = await Promise.all(objects.map((o) => processed(`gs://bench-uploads/${o}`)));
    const seconds = (Date.now() - started) / 1000;
    const counts = new Map<number, number>();
    for (const e of events) {
      const group = processGroupOf(Number(e.workerPid));
      counts.set(group, (counts.get(group) ?? 0) + 1);
    }
    const row: ClusterRow = {
      taskManagers,
      slots: 2 * taskManagers,
      uploads,
      seconds,
      videosPerMinute: (uploads / seconds) * 60,
      medianProcessingSec: events.map((e) => Number(e.processingSec)).sort((a, b) => a - b)[Math.floor((uploads - 1) / 2)],
      byTaskManager: [...counts.values()].sort((a, b) => b - a),
    };
    process.stderr.write(`bench: cluster: ${JSON.stringify(row)}\n`);
    return row;
  } finally {
    await listener.stop("SIGTERM");
    await session.stop();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The burst on 1 and on 2 TaskManagers, `runs` times each, alternating; the median run of each. */
export async function clusterThroughput(clip: string, uploads: number, runs: number): Promise<ClusterRow[]> {
  const rows: ClusterRow[][] = [[], []];
  for (let run = 0; run < runs; run++)
    for (const taskManagers of [1, 2]) rows[taskManagers - 1].push(await burst(clip, uploads, taskManagers));
  return rows.map((r) => [...r].sort((a, b) => a.seconds - b.seconds)[Math.floor((r.length - 1) / 2)]);
}
