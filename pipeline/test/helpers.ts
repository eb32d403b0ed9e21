/** Shared test helpers: real ffmpeg/ffprobe, the real CLI, temporary folders. */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ffmpegPath, ffprobePath } from "../src/video/tools";

export const repoRoot = path.resolve(__dirname, "..", "..", "..");
export const samplesDir = path.join(repoRoot, ".cache", "samples");
/** The `videoflow` command as users run it: bin/videoflow, which starts Node from the start-up snapshot when it is current. */
export const cli = path.join(repoRoot, "bin", "videoflow");

export function tempDir(prefix = "videoflow-test-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function ffmpeg(args: string[]): Buffer {
  const result = spawnSync(ffmpegPath(), ["-hide_banner", "-nostdin", "-v", "error", ...args], { maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`ffmpeg ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

export interface ClipSpec {
  width: number;
  height: number;
  rate: string;
  seconds: number;
  codec?: "h264" | "vp9" | "mpeg4";
  audio?: boolean;
  /** Frame n has mean luma 16 + (n*37 mod 200): dropped or repeated frames show. */
  indexed?: boolean;
}

/** Generates a clip with ffmpeg's lavfi sources. */
export function makeClip(file: string, spec: ClipSpec): string {
  const size = `${spec.width}x${spec.height}`;
  const video = spec.indexed
    ? `nullsrc=s=${size}:r=${spec.rate},geq=lum='16+mod(N*37\\,200)':cb=128:cr=128`
    : `testsrc2=size=${spec.width + (spec.width % 2)}x${spec.height + (spec.height % 2)}:rate=${spec.rate},scale=${spec.width}:${spec.height}`;
  const args = ["-f", "lavfi", "-i", video];
  if (spec.audio) args.push("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000");
  args.push("-t", String(spec.seconds));
  const codec = spec.codec ?? "h264";
  if (codec === "h264") {
    const odd = spec.width % 2 === 1 || spec.height % 2 === 1;
    args.push("-c:v", "libx264", "-preset", "veryfast", "-g", "48", "-pix_fmt", odd ? "yuv444p" : "yuv420p");
    if (spec.audio) args.push("-c:a", "aac");
  } else if (codec === "vp9") {
    args.push("-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k", "-pix_fmt", "yuv420p");
    if (spec.audio) args.push("-c:a", "libopus");
  } else {
    args.push("-c:v", "mpeg4", "-q:v", "4", "-pix_fmt", "yuv420p");
    if (spec.audio) args.push("-c:a", "mp2");
  }
  args.push("-y", file);
  ffmpeg(args);
  return file;
}

export interface StreamFacts {
  width: number;
  height: number;
  rFrameRate: string;
  frames: number;
}

/** Facts of a file's first video stream, frames counted by demuxing. */
export function videoFacts(file: string): StreamFacts {
  const result = spawnSync(ffprobePath(), [
    "-v",
    "error",
    "-count_packets",
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=width,height,r_frame_rate,nb_read_packets",
    "-of",
    "json",
    file,
  ]);
  const stream = JSON.parse(result.stdout.toString()).streams[0];
  return { width: stream.width, height: stream.height, rFrameRate: stream.r_frame_rate, frames: Number(stream.nb_read_packets) };
}

/** The codec and duration (its packets' durations summed: containers' own figures are estimates) of a file's first audio stream, or null when it has none. */
export function audioFacts(file: string): { codec: string; durationSec: number } | null {
  const probe = (entries: string) =>
    spawnSync(ffprobePath(), ["-v", "error", "-select_streams", "a:0", "-show_entries", entries, "-of", "csv=p=0", file], {
      maxBuffer: 1 << 26,
    })
      .stdout.toString()
      .trim();
  const codec = probe("stream=codec_name").split("\n")[0]?.replace(/,$/, "");
  if (!codec) return null;
  const durationSec = probe("packet=duration_time")
    .split("\n")
    .map((l) => Number(l.replace(/,/g, "")))
    .filter(Number.isFinite)
    .reduce((a, b) => a + b, 0);
  return { codec, durationSec };
}

/** Frames decoded by ffmpeg (not just packets counted). */
export function decodedFrameCount(file: string): number {
  const out = ffmpeg(["-i", file, "-map", "0:v:0", "-f", "null", "-", "-progress", "pipe:1"]).toString();
  const counts = [...out.matchAll(/^frame=(\d+)$/gm)].map((m) => Number(m[1]));
  return counts[counts.length - 1] ?? 0;
}

/** The file's duration as a player shows it (ffprobe's format duration), seconds. */
export function containerDuration(file: string): number {
  return Number(
    spawnSync(ffprobePath(), ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file]).stdout.toString().trim(),
  );
}

/** Each frame's presentation time in seconds, in the order the decoder gives them. */
export function frameTimes(file: string): number[] {
  const result = spawnSync(
    ffprobePath(),
    ["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=best_effort_timestamp_time", "-of", "csv=p=0", file],
    {
      maxBuffer: 1 << 26,
    },
  );
  return result.stdout
    .toString()
    .split("\n")
    .map((l) => l.replace(/,/g, "").trim())
    .filter((l) => l !== "" && l !== "N/A")
    .map(Number);
}

/** The range a player reads a file's first video stream in: "pc" (full) when flagged so, else "tv" (limited, the default). */
export function rangeOf(file: string): "tv" | "pc" {
  const result = spawnSync(ffprobePath(), [
    "-v",
    "error",
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=pix_fmt,color_range",
    "-of",
    "json",
    file,
  ]);
  const stream = JSON.parse(result.stdout.toString()).streams[0];
  return stream.color_range === "pc" || String(stream.pix_fmt).startsWith("yuvj") ? "pc" : "tv";
}

/**
 * The first frames of a file's video, decoded as 8-bit full-range gray (as bright as a player shows them), back to
 * back; scaled to `size` when given (a picture that changes size part way comes out at one).
 */
export function grayFrames(file: string, maxFrames: number, size?: [number, number]): Buffer {
  return ffmpeg([
    "-i",
    file,
    "-map",
    "0:v:0",
    ...(size ? ["-vf", `scale=${size[0]}:${size[1]}`] : []),
    "-frames:v",
    String(maxFrames),
    "-vsync",
    "passthrough",
    "-f",
    "rawvideo",
    "-pix_fmt",
    "gray",
    "-",
  ]);
}

/** Mean luma of each frame, decoded as 8-bit full-range gray (as bright as a player shows it). */
export function lumaMeans(file: string, width: number, height: number, maxFrames = 100000): number[] {
  const raw = grayFrames(file, maxFrames);
  const frameBytes = width * height;
  const means: number[] = [];
  for (let at = 0; at + frameBytes <= raw.length; at += frameBytes) {
    let sum = 0;
    for (let i = at; i < at + frameBytes; i++) sum += raw[i];
    means.push(sum / frameBytes);
  }
  return means;
}

/** Mean absolute difference, pixel by pixel, of the first frames of two videos of one size, each decoded as full-range gray (as a player shows it). */
export function grayDistance(a: string, b: string, width: number, height: number, frames = 10): number[] {
  const [x, y] = [grayFrames(a, frames), grayFrames(b, frames)];
  const n = width * height;
  const distances: number[] = [];
  for (let at = 0; at + n <= Math.min(x.length, y.length); at += n) {
    let sum = 0;
    for (let i = at; i < at + n; i++) sum += Math.abs(x[i] - y[i]);
    distances.push(sum / n);
  }
  return distances;
}

/** Largest distance of any chroma sample from neutral (128) in the first frames, decoded as 4:4:4. */
export function maxChromaDeviation(file: string, width: number, height: number, frames = 10): number {
  const raw = ffmpeg(["-i", file, "-map", "0:v:0", "-frames:v", String(frames), "-f", "rawvideo", "-pix_fmt", "yuv444p", "-"]);
  const plane = width * height;
  let worst = 0;
  for (let frame = 0; frame * 3 * plane < raw.length; frame++) {
    const start = frame * 3 * plane + plane;
    for (let i = start; i < start + 2 * plane; i++) worst = Math.max(worst, Math.abs(raw[i] - 128));
  }
  return worst;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The JSON log lines printed on stdout. */
  events: Array<Record<string, unknown>>;
}

function cliResult(code: number | null, stdout: string, stderr: string): CliResult {
  const events = stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
  return { code, stdout, stderr, events };
}

/** Runs the real `videoflow` command line (JSON logs, as off a terminal). */
export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
  const result = spawnSync(cli, args, {
    env: { ...process.env, VIDEOFLOW_JSON_LOGS: "1", ...env },
    maxBuffer: 1 << 26,
  });
  return cliResult(result.status, result.stdout.toString(), result.stderr.toString());
}

/** runCli without blocking this process: for tests that serve an emulator from it. */
export function runCliAsync(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  return runAsync(cli, args, env, cwd);
}

/** Runs a program (JSON logs, as off a terminal) without blocking this process. */
export function runAsync(program: string, args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd, env: { ...process.env, VIDEOFLOW_JSON_LOGS: "1", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve(cliResult(code, stdout, stderr)));
  });
}

/** Frames 0, n, 2n, ... below `frames`: the pictures a constant-rate video sends at fps/n per second. */
export function everyNth(frames: number, n: number): number[] {
  return Array.from({ length: Math.ceil(frames / n) }, (_, i) => i * n);
}

/** A real sample video from OpenCV's samples (scripts/fetch-samples.sh, run by `make test`). */
export function sample(name: string): string {
  return path.join(samplesDir, name);
}

/**
 * A received Pub/Sub message as Dataflow's Pub/Sub read hands it to the
 * pipeline: a serialized google.pubsub.v1.PubsubMessage, with its id and
 * publish time.
 */
export function serializedMessage(m: import("@google-cloud/pubsub").Message): Uint8Array {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when first needed (see above)
  const { protos } = require("@google-cloud/pubsub") as typeof import("@google-cloud/pubsub");
  const ms = m.publishTime.getTime();
  return protos.google.pubsub.v1.PubsubMessage.encode({
    data: m.data,
    attributes: m.attributes,
    messageId: m.id,
    publishTime: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 },
  }).finish();
}

/**
 * A program that notes its name, its parent's command line, its own GLIBC_TUNABLES and its parent's at start
 * (/proc/PID/environ), and its arguments, in `log`, then runs `real` with the same arguments:
 * "NAME: PARENT'S COMMAND LINE | own TUNABLES | parent's TUNABLES | args ARGUMENTS".
 * The line goes out in one write: the two probes start within a millisecond of each other, and three appends each
 * interleaved ("ffprobe: ffprobe: node ...", 3 runs in 12).
 */
export function recordingWrapper(dir: string, name: string, real: string, log: string): string {
  const file = path.join(dir, name);
  const parentTunables = `$(tr '\\0' '\\n' < /proc/$PPID/environ | grep '^GLIBC_TUNABLES=' || echo unset)`;
  writeFileSync(
    file,
    `#!/bin/sh\nline="${name}: $(tr '\\0' ' ' < /proc/$PPID/cmdline) | own \${GLIBC_TUNABLES-unset} | parent's ${parentTunables} | args $*"\n` +
      `printf '%s\\n' "$line" >> '${log}'\nexec '${real}' "$@"\n`,
  );
  chmodSync(file, 0o755);
  return file;
}
