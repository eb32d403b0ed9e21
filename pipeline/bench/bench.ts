/**
 * The benchmark (`npm run bench`): grayscale throughput of videoflow against
 * its ceilings (ffmpeg alone) and the original design's method (Python
 * cv2.VideoCapture + cvtColor), and videoflow's peak memory on a 1-minute and
 * a 10-minute clip (alone: --only memory). Prints a table and writes
 * bench-results.json.
 *
 * On the local stack (emulators and a real `videoflow listen`) it also
 * measures upload-to-manifest latency and a load of many uploads at once.
 *
 * With the local model server (20 ms added latency) it measures inference
 * throughput: one request per frame, one at a time, against videoflow's
 * batched concurrent requests and the server's own maximum.
 *
 * On real Beam runners: `process --runner flink` against the direct runner,
 * and the offline Dataflow submission; on a Flink session cluster, the same
 * burst of uploads through `listen --flinkMaster` on 1 and on 2 TaskManagers.
 *
 *   npm run bench -- [--runs N] [--only batch|memory|streaming|cluster|inference|runners]
 *   npm run bench -- --chart    (only redraws docs/bench-chart.svg from bench-results.json)
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { STARTUP_SNAPSHOT, startupSnapshotCurrent } from "../src/launch/startup-snapshot";
import { spawnMethod } from "../src/util/native-processes";
import { ffmpegPath } from "../src/video/tools";
import { BarGroup, barChart } from "./chart";
import { clusterThroughput } from "./cluster";
import { watchPeakRss } from "./peak-rss";
import { InferenceCase, inferenceThroughput } from "./inference";
import { dataflowSubmission, runnerThroughput } from "./runners";
import { IsolationResult, LatencyRow, LoadResult, isolation, latency, load } from "./streaming";

const repoRoot = path.resolve(__dirname, "..", "..", "..");
const work = path.join(repoRoot, ".cache", "bench");
/** `videoflow` as users run it (bin/videoflow: Node started from the start-up snapshot). */
const cli = path.join(repoRoot, "bin", "videoflow");
const python = "/usr/bin/python3";
const chartFile = path.join(repoRoot, "docs", "bench-chart.svg");

interface Clip {
  name: string;
  file: string;
  frames: number;
}

interface Timing {
  wallSec: number;
  /** videoflow only: probe to manifest, from the manifest (no process start or module loading). */
  pipelineSec?: number;
  peakRssBytes: number;
}

interface Row {
  clip: string;
  method: string;
  frames: number;
  wallSec: number;
  fps: number;
  pipelineSec?: number;
  pipelineFps?: number;
  /** Each round's wall time (and probe-to-manifest time), in round order: medians hide how far the rounds differed (absent in results written before 2026-12-04). */
  rounds?: { wallSec: number[]; pipelineSec?: number[] };
  /** videoflow only: its speed relative to the commands it is measured against (their wall time over its), median of the rounds' ratios. */
  vs?: Record<string, number>;
  /** The same, with videoflow's probe-to-manifest time. */
  pipelineVs?: Record<string, number>;
  peakRssMiB: number;
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function ffmpeg(args: string[]): void {
  const result = spawnSync(ffmpegPath(), ["-hide_banner", "-nostdin", "-v", "error", ...args]);
  if (result.status !== 0) throw new Error(`ffmpeg failed: ${result.stderr}`);
}

/** A synthetic H.264 clip (ffmpeg's testsrc2 pattern with moving noise, so x264 has real work). */
function syntheticClip(name: string, width: number, height: number, seconds: number): Clip {
  const file = path.join(work, `${name}.mp4`);
  if (!existsSync(file)) {
    log(`generating ${name} (${width}x${height}, ${seconds} s)`);
    ffmpeg([
      "-f",
      "lavfi",
      "-i",
      `testsrc2=size=${width}x${height}:rate=30,noise=alls=12:allf=t`,
      "-t",
      String(seconds),
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-pix_fmt",
      "yuv420p",
      "-y",
      file,
    ]);
  }
  return { name, file, frames: seconds * 30 };
}

function run(program: string, args: string[]): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(program, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, VIDEOFLOW_JSON_LOGS: "1" } });
    const rss = watchPeakRss(child.pid!);
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallSec = Number(process.hrtime.bigint() - started) / 1e9;
      const peakRssBytes = rss.stop();
      if (code !== 0) reject(new Error(`${path.basename(program)} ${args.join(" ")} exited ${code}: ${stderr.slice(-2000)}`));
      else resolve({ wallSec, peakRssBytes });
    });
  });
}

/**
 * The start-up snapshot bin/videoflow starts from (its size), as users' runs do after `npm run build`; null when
 * VIDEOFLOW_NO_SNAPSHOT turns it off. A snapshot missing or older than the compiled code (bin/videoflow would fall
 * back to main.js unsaid) stops the bench: its figures would not be what `npm run build` gives.
 */
function startupSnapshot(): string | null {
  if (process.env.VIDEOFLOW_NO_SNAPSHOT) return null;
  if (!startupSnapshotCurrent())
    throw new Error(`${STARTUP_SNAPSHOT} is missing or older than the compiled code: run npm run build (or set VIDEOFLOW_NO_SNAPSHOT=1)`);
  return `${path.relative(repoRoot, STARTUP_SNAPSHOT)}, ${(statSync(STARTUP_SNAPSHOT).size / 2 ** 20).toFixed(1)} MiB`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Node's own start in the bench's environment (median of 5 `node -e 0`) and,
 * where NODE_EXTRA_CA_CERTS is set, without it: Node 20 parsed that bundle of
 * certificates at every start, before any of videoflow's code, a cost that
 * every videoflow figure carried and ffmpeg's and Python's do not (Node 22,
 * the project's since session 16, does not pay it: both figures are kept to show it).
 */
function nodeStart(): { seconds: number; extraCaCerts?: string; withoutExtraCaCertsSeconds?: number } {
  const time = (env: NodeJS.ProcessEnv) =>
    median(
      Array.from({ length: 5 }, () => {
        const started = process.hrtime.bigint();
        spawnSync(process.execPath, ["-e", "0"], { env });
        return Number(process.hrtime.bigint() - started) / 1e9;
      }),
    );
  const seconds = time(process.env);
  const extraCaCerts = process.env.NODE_EXTRA_CA_CERTS;
  if (!extraCaCerts) return { seconds };
  const without = { ...process.env };
  delete without.NODE_EXTRA_CA_CERTS;
  return { seconds, extraCaCerts, withoutExtraCaCertsSeconds: time(without) };
}

/** A way to process a clip. `against`: the ids of the methods a videoflow row is compared with. */
type Method = { id: string; name: string; available: boolean; against?: string[]; run: (clip: Clip) => Promise<Timing> };

function videoflowMethod(id: string, name: string, extra: string[], against: string[] = []): Method {
  return {
    id,
    name,
    available: true,
    against,
    run: async (clip) => {
      const out = path.join(work, "out", name.replace(/\W+/g, "-"));
      rmSync(out, { recursive: true, force: true });
      const timing = await run(cli, ["process", clip.file, "--output", out, ...extra]);
      const key = path.basename(clip.file);
      const manifest = JSON.parse(readFileSync(path.join(out, key, "manifest.json"), "utf8"));
      if (manifest.video.frames !== clip.frames)
        throw new Error(`${name} on ${clip.name}: ${manifest.video.frames} frames, expected ${clip.frames}`);
      return { ...timing, pipelineSec: manifest.metrics.wallSec };
    },
  };
}

const pythonPeer = `
import sys, cv2
cap = cv2.VideoCapture(sys.argv[1])
n = 0
while True:
    ok, frame = cap.read()
    if not ok:
        break
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    n += 1
if n == 0:
    sys.exit("no frames read")
`;

function methods(): Method[] {
  const hasPeer = existsSync(python) && spawnSync(python, ["-c", "import cv2"]).status === 0;
  if (!hasPeer) log("python3-opencv not found: the original design's method is left out (make bench installs it)");
  const all: Method[] = [
    {
      id: "null",
      name: "ffmpeg -vf format=gray -f null (read + gray)",
      available: true,
      run: (c) => run(ffmpegPath(), ["-v", "error", "-i", c.file, "-vf", "format=gray", "-f", "null", "-"]),
    },
    {
      id: "python",
      name: "original design: Python cv2.VideoCapture+cvtColor (read + gray)",
      available: hasPeer,
      run: (c) => run(python, ["-c", pythonPeer, c.file]),
    },
    videoflowMethod("read", "videoflow process --writeGrayVideo false (read + gray)", ["--writeGrayVideo", "false"], ["null", "python"]),
    {
      id: "x264",
      name: "ffmpeg gray + x264 -> mp4",
      available: true,
      run: (c) =>
        run(ffmpegPath(), [
          "-v",
          "error",
          "-i",
          c.file,
          "-vf",
          "format=gray",
          "-c:v",
          "libx264",
          "-preset",
          "veryfast",
          "-f",
          "mp4",
          "-y",
          path.join(work, "ceiling.mp4"),
        ]),
    },
    videoflowMethod("whole", "videoflow process", [], ["x264"]),
    videoflowMethod("segments", "videoflow process --segmentSeconds 15", ["--segmentSeconds", "15"], ["x264"]),
  ];
  return all.filter((m) => m.available);
}

/**
 * Every method on every clip, `runs` rounds, each round running every method
 * once in turn, in the listed order and then backwards in the next round (so
 * that no method always runs after the same one): a ratio is taken within a
 * round (the machine's state alike for both) and the median of the rounds'
 * ratios is reported.
 */
async function throughput(clips: Clip[], runs: number): Promise<Row[]> {
  const rows: Row[] = [];
  const all = methods();
  for (const clip of clips) {
    const timings = new Map<string, Timing[]>(all.map((m) => [m.id, []]));
    for (let round = 0; round < runs; round++) {
      for (const method of round % 2 === 0 ? all : [...all].reverse()) timings.get(method.id)!.push(await method.run(clip));
    }
    for (const method of all) {
      const own = timings.get(method.id)!;
      const rounds = {
        wallSec: own.map((t) => t.wallSec),
        pipelineSec: own[0].pipelineSec === undefined ? undefined : own.map((t) => t.pipelineSec!),
      };
      const wallSec = median(rounds.wallSec);
      const pipelineSec = rounds.pipelineSec && median(rounds.pipelineSec);
      const row: Row = {
        clip: clip.name,
        method: method.name,
        frames: clip.frames,
        wallSec,
        fps: clip.frames / wallSec,
        pipelineSec,
        pipelineFps: pipelineSec ? clip.frames / pipelineSec : undefined,
        peakRssMiB: Math.max(...own.map((t) => t.peakRssBytes)) / 2 ** 20,
        rounds,
      };
      const peers = (method.against ?? []).filter((id) => timings.has(id));
      if (peers.length > 0) {
        const ratio = (id: string, of: (t: Timing) => number) => median(timings.get(id)!.map((t, i) => t.wallSec / of(own[i])));
        row.vs = Object.fromEntries(peers.map((id) => [id, ratio(id, (t) => t.wallSec)]));
        if (pipelineSec) row.pipelineVs = Object.fromEntries(peers.map((id) => [id, ratio(id, (t) => t.pipelineSec!)]));
      }
      rows.push(row);
      log(`${clip.name} | ${method.name}: ${row.fps.toFixed(0)} fps (median of ${runs})`);
    }
  }
  return rows;
}

async function memory(): Promise<{ oneMinuteMiB: number; tenMinuteMiB: number; ratio: number }> {
  const one = syntheticClip("360p-1min", 640, 360, 60);
  const ten = syntheticClip("360p-10min", 640, 360, 600);
  const vf = videoflowMethod("memory", "videoflow process (memory)", []);
  const a = (await vf.run(one)).peakRssBytes / 2 ** 20;
  const b = (await vf.run(ten)).peakRssBytes / 2 ** 20;
  log(`peak RSS (process tree): 1 min ${a.toFixed(0)} MiB, 10 min ${b.toFixed(0)} MiB`);
  return { oneMinuteMiB: a, tenMinuteMiB: b, ratio: b / a };
}

/** The batch part's chart (docs/bench-chart.svg, shown in the README): frames per second of each method on each clip. */
function batchChart(rows: Row[], runs: number, date: string): string {
  const clips = [...new Set(rows.map((r) => r.clip))];
  const groups: BarGroup[] = clips.map((clip) => ({
    title: clip,
    bars: rows.filter((r) => r.clip === clip).map((r) => ({ label: r.method, value: r.fps, ours: r.method.startsWith("videoflow") })),
  }));
  const note = `Whole process, wall time; median of ${runs} rounds, ${date.slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"}).`;
  return barChart("Frames per second: videoflow (blue) and the commands it is measured against", "fps", groups, note);
}

function table(rows: Row[]): string {
  const lines = [
    "| clip | method | fps (whole process) | vs ffmpeg's command | vs original design | fps (probe to manifest) | vs ffmpeg's command | peak RSS MiB |",
    "|---|---|---|---|---|---|---|---|",
  ];
  const f = (x: number | undefined, d = 0) => (x === undefined ? "" : x.toFixed(d));
  for (const r of rows) {
    const ffmpegVs = r.vs?.null ?? r.vs?.x264;
    const ffmpegPipelineVs = r.pipelineVs?.null ?? r.pipelineVs?.x264;
    lines.push(
      `| ${r.clip} | ${r.method} | ${f(r.fps)} | ${f(ffmpegVs, 2)} | ${f(r.vs?.python, 2)} | ${f(r.pipelineFps)} | ${f(ffmpegPipelineVs, 2)} | ${f(r.peakRssMiB)} |`,
    );
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "3" }, only: { type: "string" }, chart: { type: "boolean" } },
  });
  const runs = Math.max(1, Number(values.runs));
  mkdirSync(work, { recursive: true });
  const file = path.join(repoRoot, "bench-results.json");
  if (values.chart) {
    const { batch } = JSON.parse(readFileSync(file, "utf8")) as { batch: { rows: Row[]; runs: number; date: string } };
    writeFileSync(chartFile, batchChart(batch.rows, batch.runs, batch.date));
    return;
  }
  // Each part replaces its own figures in bench-results.json, so that parts can be re-run alone.
  const results: Record<string, unknown> = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const start = nodeStart();
  const snapshot = startupSnapshot();
  const spawning = spawnMethod();
  results.machine = {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    nodeStart: start,
    startupSnapshot: snapshot,
    spawnMethod: spawning,
  };
  log(`videoflow starts ffmpeg and ffprobe with ${spawning}`);
  log(
    snapshot
      ? `videoflow starts from its start-up snapshot (${snapshot})`
      : "videoflow starts without its start-up snapshot (VIDEOFLOW_NO_SNAPSHOT)",
  );
  log(
    `Node's own start (node -e 0): ${start.seconds.toFixed(3)} s` +
      (start.extraCaCerts ? `; ${start.withoutExtraCaCertsSeconds!.toFixed(3)} s without NODE_EXTRA_CA_CERTS (${start.extraCaCerts})` : ""),
  );
  const part = (name: string) => values.only === undefined || values.only === name;
  if (part("batch")) {
    const clips: Clip[] = [
      syntheticClip("240p-60s", 426, 240, 60),
      syntheticClip("360p-60s", 640, 360, 60),
      { name: "vtest.avi (real, 768x576)", file: path.join(repoRoot, ".cache", "samples", "vtest.avi"), frames: 795 },
    ];
    const rows = await throughput(clips, runs);
    const date = new Date().toISOString();
    // The memory part below (which --only batch runs too) adds its figures.
    Object.assign(results, { batch: { date, runs, rows } });
    writeFileSync(chartFile, batchChart(rows, runs, date));
    process.stdout.write(table(rows) + "\n\n");
  }
  if (part("batch") || values.only === "memory") {
    const mem = await memory();
    results.batch = { ...(results.batch as object | undefined), memory: { date: new Date().toISOString(), ...mem } };
    process.stdout.write(
      `peak RSS of videoflow process (process tree): 1-minute 360p ${mem.oneMinuteMiB.toFixed(0)} MiB, ` +
        `10-minute 360p ${mem.tenMinuteMiB.toFixed(0)} MiB, ratio ${mem.ratio.toFixed(2)} (target <= 1.15)\n\n`,
    );
  }
  if (part("streaming")) {
    const ten = [syntheticClip("240p-10s", 426, 240, 10), syntheticClip("360p-10s", 640, 360, 10)];
    const lat: LatencyRow[] = await latency(
      ten.map((c) => ({ name: c.name, file: c.file })),
      runs,
    );
    const loaded: LoadResult = await load(ten[0].file, 50);
    const short = syntheticClip("240p-5s", 426, 240, 5);
    const long = syntheticClip("360p-60s", 640, 360, 60);
    const isolated: IsolationResult = await isolation({ name: short.name, file: short.file }, { name: long.name, file: long.file }, runs);
    Object.assign(results, { streaming: { date: new Date().toISOString(), runs, latency: lat, load: loaded, isolation: isolated } });
    process.stdout.write("| clip | processing s | upload to manifest s | overhead s (target <= 0.5) |\n|---|---|---|---|\n");
    for (const r of lat)
      process.stdout.write(`| ${r.clip} | ${r.processingSec.toFixed(2)} | ${r.latencySec.toFixed(2)} | ${r.overheadSec.toFixed(2)} |\n`);
    process.stdout.write(
      `\nload: ${loaded.uploads} uploads at once of the 240p 10 s clip: ${loaded.manifests} manifests, ${loaded.lost} lost, ` +
        `${loaded.duplicated} duplicated, ${loaded.videosPerMinute.toFixed(1)} videos/min, listener peak RSS ${loaded.listenerPeakRssMiB.toFixed(0)} MiB\n`,
    );
    process.stdout.write(
      `\nisolation: ${isolated.shortClip} uploaded alone: ${isolated.shortAloneSec.toFixed(2)} s upload to manifest; right after ` +
        `${isolated.longClip}: ${isolated.shortWithLongSec.toFixed(2)} s (its processing ${isolated.shortProcessingSec.toFixed(2)} s; ` +
        `the long one ${isolated.longWithShortSec.toFixed(2)} s)\n`,
    );
  }
  if (part("runners")) {
    const clips = [
      syntheticClip("240p-60s", 426, 240, 60),
      { name: "vtest.avi (real, 768x576)", file: path.join(repoRoot, ".cache", "samples", "vtest.avi"), frames: 795 },
    ];
    const rows = runnerThroughput(cli, clips, runs);
    const submissionSec = dataflowSubmission(cli, runs);
    const flinkStreaming = await latency(
      [syntheticClip("240p-10s", 426, 240, 10)].map((c) => ({ name: c.name, file: c.file })),
      runs,
      "flink",
    );
    Object.assign(results, {
      runners: { date: new Date().toISOString(), runs, rows, dataflowSubmissionSec: submissionSec, flinkStreaming },
    });
    process.stdout.write(
      "\n| clip | segments | runner | fps per video (probe to manifest) | whole command s | job server start s |\n|---|---|---|---|---|---|\n",
    );
    for (const r of rows) {
      process.stdout.write(
        `| ${r.clip} | ${r.segmentSeconds ? `${r.segmentSeconds} s` : "none"} | ${r.runner} | ${r.pipelineFps.toFixed(0)} | ${r.wallSec.toFixed(1)} | ` +
          `${r.jobServerStartSec === null ? "" : r.jobServerStartSec.toFixed(1)} |\n`,
      );
    }
    process.stdout.write(`\ndataflow: the job request built and written offline in ${submissionSec.toFixed(1)} s\n`);
    for (const r of flinkStreaming) {
      process.stdout.write(
        `listen --runner flink: ${r.clip}: processing ${r.processingSec.toFixed(2)} s, upload to manifest ${r.latencySec.toFixed(2)} s\n`,
      );
    }
  }
  if (part("cluster")) {
    const clip = syntheticClip("240p-10s", 426, 240, 10);
    const rows = await clusterThroughput(clip.file, 12, runs);
    Object.assign(results, { cluster: { date: new Date().toISOString(), runs, clip: clip.name, rows } });
    process.stdout.write(
      "\n| TaskManagers | slots | uploads | burst s | videos/min | median video s | uploads by TaskManager |\n|---|---|---|---|---|---|---|\n",
    );
    for (const r of rows) {
      process.stdout.write(
        `| ${r.taskManagers} | ${r.slots} | ${r.uploads} | ${r.seconds.toFixed(1)} | ${r.videosPerMinute.toFixed(1)} | ${r.medianProcessingSec.toFixed(2)} | ${r.byTaskManager.join(" + ")} |\n`,
      );
    }
  }
  if (part("inference")) {
    // Two regimes. Frames at the video's size: the Haar model's computing
    // (tens of ms a frame) is the limit, and what counts is keeping the server
    // busy. Frames at 64x36: the model has almost nothing to do, the 20 ms
    // latency dominates, as with a fast model on machines of its own, and what
    // counts is hiding the latency; without the gray video this is the
    // original design's "reading video + grayscaling + ML call".
    const sized = (name: string, width: number, height: number, seconds: number) => ({
      ...syntheticClip(name, width, height, seconds),
      width,
      height,
    });
    const full = [sized("240p-10s", 426, 240, 10), sized("360p-10s", 640, 360, 10)];
    const long = [sized("240p-60s", 426, 240, 60), sized("360p-60s", 640, 360, 60)];
    const tiny = { width: 64, height: 36 };
    const cases: InferenceCase[] = [
      ...full.map((c) => ({ ...c, writeGrayVideo: true, runs: 1 })),
      ...long.map((c) => ({ ...c, inferenceSize: tiny, writeGrayVideo: false, runs })),
      ...long.map((c) => ({ ...c, inferenceSize: tiny, writeGrayVideo: true, runs })),
    ];
    const { serverCores, rows } = await inferenceThroughput(cli, work, cases, 20);
    Object.assign(results, { inference: { date: new Date().toISOString(), addedLatencyMs: 20, serverCores, rows } });
    process.stdout.write(
      "\n| clip | frames sent at | gray video | one request per frame, one at a time | videoflow batched, concurrent | model server alone | speed-up (target >= 10) | of server max (target >= 0.9) |\n" +
        "|---|---|---|---|---|---|---|---|\n",
    );
    for (const r of rows) {
      process.stdout.write(
        `| ${r.clip} | ${r.sentAt} | ${r.grayVideo ? "yes" : "no"} | ${r.oneAtATimeFps.toFixed(1)} fps | ${r.videoflowFps.toFixed(1)} fps | ` +
          `${r.serverMaxFps.toFixed(1)} fps | ${r.speedup.toFixed(1)} | ${r.ofServerMax.toFixed(2)} |\n`,
      );
    }
  }
  writeFileSync(file, JSON.stringify(results, null, 2) + "\n");
  process.stdout.write("written: bench-results.json\n");
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : err}\n`);
  process.exit(1);
});
