/**
 * Real runners against the direct runner: per-video fps of `videoflow process
 * --runner flink` (LOOPBACK workers) on the same clips, its fixed costs
 * (Beam's Flink job server's start, the job's submission and run around the
 * video), and the time `listen --runner dataflow` takes to build the
 * streaming job and have Beam's Dataflow job service write its request.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface RunnerRow {
  clip: string;
  runner: string;
  segmentSeconds: number;
  frames: number;
  /** The whole command, start-up included. */
  wallSec: number;
  /** Probe to manifest (the manifest's wallSec). */
  pipelineSec: number;
  pipelineFps: number;
  /** Flink only: until Beam's Flink job server listened. */
  jobServerStartSec: number | null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function events(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
}

export function runnerThroughput(cli: string, clips: Array<{ name: string; file: string; frames: number }>, runs: number): RunnerRow[] {
  const rows: RunnerRow[] = [];
  for (const clip of clips) {
    for (const segmentSeconds of [0, 15]) {
      for (const runner of ["direct", "flink"]) {
        const samples: Array<{ wall: number; pipeline: number; start: number | null }> = [];
        for (let i = 0; i < runs; i++) {
          const out = mkdtempSync(path.join(os.tmpdir(), "videoflow-bench-runner-"));
          const started = process.hrtime.bigint();
          const result = spawnSync(
            cli,
            ["process", clip.file, "--output", out, "--runner", runner, "--segmentSeconds", String(segmentSeconds)],
            {
              env: { ...process.env, VIDEOFLOW_JSON_LOGS: "1" },
              maxBuffer: 1 << 26,
            },
          );
          const wall = Number(process.hrtime.bigint() - started) / 1e9;
          if (result.status !== 0)
            throw new Error(`${runner} on ${clip.name} exited ${result.status}: ${result.stderr.toString().slice(-2000)}`);
          const manifest = JSON.parse(readFileSync(path.join(out, path.basename(clip.file), "manifest.json"), "utf8"));
          if (manifest.video.frames !== clip.frames)
            throw new Error(`${runner} on ${clip.name}: ${manifest.video.frames} frames, expected ${clip.frames}`);
          const start = events(result.stdout.toString()).find((e) => e.event === "runner")?.startSec;
          samples.push({ wall, pipeline: manifest.metrics.wallSec, start: typeof start === "number" ? start : null });
          rmSync(out, { recursive: true, force: true });
        }
        const pipelineSec = median(samples.map((s) => s.pipeline));
        const row: RunnerRow = {
          clip: clip.name,
          runner,
          segmentSeconds,
          frames: clip.frames,
          wallSec: median(samples.map((s) => s.wall)),
          pipelineSec,
          pipelineFps: clip.frames / pipelineSec,
          jobServerStartSec: runner === "flink" ? median(samples.map((s) => s.start ?? 0)) : null,
        };
        rows.push(row);
        process.stderr.write(
          `bench: ${clip.name} ${runner} segments ${segmentSeconds || "none"}: ${row.pipelineFps.toFixed(0)} fps per video, ${row.wallSec.toFixed(1)} s in all\n`,
        );
      }
    }
  }
  return rows;
}

/** Seconds `listen --runner dataflow --templateLocation` takes, offline (median of `runs`). */
export function dataflowSubmission(cli: string, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "videoflow-bench-dataflow-"));
    const started = process.hrtime.bigint();
    const result = spawnSync(
      cli,
      [
        "listen",
        "--runner",
        "dataflow",
        "--project",
        "vf-check",
        "--region",
        "us-central1",
        "--inputSubscription",
        "projects/vf-check/subscriptions/uploads",
        "--output",
        "gs://vf-check-out/videoflow",
        "--tempLocation",
        path.join(dir, "temp"),
        "--stagingLocation",
        path.join(dir, "staging"),
        "--sdkContainerImage",
        "us-docker.pkg.dev/vf-check/videoflow/videoflow:test",
        "--templateLocation",
        path.join(dir, "job.json"),
      ],
      { env: { ...process.env, VIDEOFLOW_JSON_LOGS: "1" } },
    );
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
    rmSync(dir, { recursive: true, force: true });
    if (result.status !== 0) throw new Error(`dataflow submission exited ${result.status}: ${result.stderr.toString().slice(-2000)}`);
  }
  process.stderr.write(`bench: dataflow job request written in ${median(times).toFixed(1)} s\n`);
  return median(times);
}
