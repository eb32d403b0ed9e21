/**
 * The external programs videoflow runs: ffmpeg and ffprobe, one pinned build
 * that scripts/setup-ffmpeg.sh installs in the project's .cache/ffmpeg (the
 * image installs the same one and names it with VIDEOFLOW_FFMPEG and
 * VIDEOFLOW_FFPROBE). Arguments go to the program directly, never through a shell.
 */
import { closeSync, fstatSync, openSync, readSync, unlinkSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Stage, VideoError } from "../errors";
import { ExitStatus, startTool } from "../util/native-processes";

const installed = path.resolve(__dirname, "..", "..", "..", "..", ".cache", "ffmpeg");
// Read when used, not when loaded: a process started from the start-up snapshot loaded this module at build time.
export const ffmpegPath = (): string => process.env.VIDEOFLOW_FFMPEG || path.join(installed, "ffmpeg");
export const ffprobePath = (): string => process.env.VIDEOFLOW_FFPROBE || path.join(installed, "ffprobe");

export interface ToolResult extends ExitStatus {
  stdout: string;
  stderr: string;
}

/** Runs started before they were asked for (runEarly), by command line: each taken once by the same runTool call. */
const early = new Map<string, Promise<ToolResult>>();
const commandLine = (program: string, args: string[]) => JSON.stringify([program, ...args]);

/**
 * Starts a run now that a runTool call with the same program and arguments
 * will take later, once: how `videoflow process` probes its inputs while the
 * rest of it loads (commands/early-probes.ts). A run never taken only costs
 * its time.
 */
export function runEarly(program: string, args: string[]): void {
  takeLater(program, args, spawnTool(program, args)); // now, not in a microtask: the command line's loading comes next
}

/**
 * Gives a later runTool call with the same program and arguments, once, the
 * run another process made (bin/videoflow's probes ahead): `ahead` resolves
 * with its result, or null where it did not run, and then it runs now.
 */
export function expectRun(program: string, args: string[], ahead: Promise<ToolResult | null>): void {
  takeLater(
    program,
    args,
    ahead.then((done) => done ?? spawnTool(program, args)),
  );
}

function takeLater(program: string, args: string[], result: Promise<ToolResult>): void {
  result.catch(() => undefined); // a failure is the taker's to report
  early.set(commandLine(program, args), result);
}

/**
 * Runs a program to completion and returns its exit code and (bounded)
 * output; a run stopped from outside rejects with the retryable VideoError of
 * `stage` (interruption), since the video is not to blame for it.
 */
export async function runTool(program: string, args: string[], stage: Stage): Promise<ToolResult> {
  const key = commandLine(program, args);
  const started = early.get(key);
  early.delete(key);
  const result = await (started ?? spawnTool(program, args));
  const stopped = interruption(stage, program, result);
  if (stopped) throw stopped;
  return result;
}

function spawnTool(program: string, args: string[]): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const stdout = unnamedFile();
    const child = startTool(program, args, ["ignore", stdout, "pipe"]);
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr = lastChars(stderr + chunk.toString(), TOOL_LOG_CHARS);
    });
    // The file is read and closed once, at whichever comes first: a program that fails to start emits "error", then "close".
    let output: string | undefined;
    const collect = () => (output ??= readAllAndClose(stdout));
    child.on("error", (error: NodeJS.ErrnoException) => {
      collect();
      reject(error.code === "ENOENT" ? new Error(`${program} is not installed: run \`make deps\` (scripts/setup-ffmpeg.sh)`) : error);
    });
    child.on("close", (code, signal) => resolve({ code, signal, stdout: collect(), stderr }));
  });
}

let files = 0;

/**
 * A file for a tool's output, open and already unlinked (nothing is left
 * behind, whatever happens). Not a pipe: a pipe (a socket pair, as Node makes
 * them) holds only some tens of kilobytes, and a tool writing more waits until
 * Node reads, which it cannot while it loads modules: the early packet scan of
 * a 1-minute 240p clip (52 kB) took 75 ms instead of 25, and the decoding
 * waited for it.
 */
function unnamedFile(): number {
  const name = path.join(os.tmpdir(), `videoflow-tool-${process.pid}-${++files}`);
  const fd = openSync(name, "w+", 0o600);
  unlinkSync(name);
  return fd;
}

/** All a file holds (from its start: the tool moved the shared offset to its end), then closes it. */
function readAllAndClose(fd: number): string {
  try {
    const data = Buffer.alloc(fstatSync(fd).size);
    let read = 0;
    while (read < data.length) {
      const n = readSync(fd, data, read, data.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return data.subarray(0, read).toString();
  } finally {
    closeSync(fd);
  }
}

/**
 * A retryable failure when a tool was stopped from outside rather than by
 * the video: killed by a signal, or ffmpeg exiting 255, its status after a
 * SIGINT or SIGTERM it caught (its errors exit 254 or 1). Ctrl-C in a
 * terminal and a service manager's stop (systemd signals the whole control
 * group) reach the tools as well as videoflow; the video is not to blame, and
 * another try finishes it. Null when the tool ended by itself.
 */
export function interruption(stage: Stage, program: string, result: Pick<ToolResult, "code" | "signal">): VideoError | null {
  if (result.signal === null && result.code !== 255) return null;
  const how = result.signal ?? "a signal (exit 255)";
  return new VideoError(
    stage,
    `${path.basename(program)} was stopped by ${how} while it worked: not the video's fault, it is tried again`,
    true,
  );
}

/** How much of a tool's error output is kept: its end. */
export const TOOL_LOG_CHARS = 8000;

/** The last `n` characters of a text: enough of a tool's log to explain a failure. */
export function lastChars(text: string, n: number): string {
  return text.length > n ? text.slice(text.length - n) : text;
}

/** The most telling line of a tool's error output, for a reason a person reads (without "[mov,mp4 @ 0x...]"). */
export function firstErrorLine(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.replace(/^\[[^\]]* @ 0x[0-9a-f]+\]\s*/, "").trim())
    .filter(Boolean);
  return lines.find((l) => /invalid|error|no such|not found|failed|corrupt|truncat/i.test(l)) ?? lines[lines.length - 1] ?? "";
}
