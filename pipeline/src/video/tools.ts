/**
 * The external programs videoflow runs: ffmpeg and ffprobe, one pinned build
 * that scripts/setup-ffmpeg.sh installs in the project's .cache/ffmpeg (the
 * image installs the same one and names it with VIDEOFLOW_FFMPEG and
 * VIDEOFLOW_FFPROBE). Arguments go to the program directly, never through a shell.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";

const installed = path.resolve(__dirname, "..", "..", "..", "..", ".cache", "ffmpeg");
export const ffmpegPath: string = process.env.VIDEOFLOW_FFMPEG || path.join(installed, "ffmpeg");
export const ffprobePath: string = process.env.VIDEOFLOW_FFPROBE || path.join(installed, "ffprobe");

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion and returns its exit code and (bounded) output. */
export function runTool(program: string, args: string[]): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = lastChars(stderr + chunk.toString(), 8000);
    });
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new Error(`${program} is not installed: run \`make deps\` (scripts/setup-ffmpeg.sh)`) : error),
    );
    child.on("close", (code, signal) => resolve({ code, signal, stdout: Buffer.concat(stdout).toString(), stderr }));
  });
}

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
