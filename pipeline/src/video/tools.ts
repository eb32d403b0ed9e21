/**
 * The external programs videoflow runs: ffmpeg and ffprobe, static builds
 * shipped inside npm packages (so every machine and the Docker image run the
 * same versions). Arguments go to the program directly, never through a shell.
 */
import { spawn } from "node:child_process";
import ffmpegInstaller from "@ffmpeg-installer/ffmpeg";
import ffprobeInstaller from "@ffprobe-installer/ffprobe";

export const ffmpegPath: string = process.env.VIDEOFLOW_FFMPEG || ffmpegInstaller.path;
export const ffprobePath: string = process.env.VIDEOFLOW_FFPROBE || ffprobeInstaller.path;

/**
 * The environment the static tools run in. They carry a static glibc, whose
 * iconv loads the host's gconv modules to convert an MPEG-TS service name
 * (ISO 6937): with a host glibc of another version that crashes them (ffprobe
 * died with SIGSEGV on every .ts file). Pointing GCONV_PATH at no modules
 * makes iconv fall back to its built-in conversions.
 */
export const toolEnv: NodeJS.ProcessEnv = { ...process.env, GCONV_PATH: "/nonexistent/videoflow-no-gconv" };

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion and returns its exit code and (bounded) output. */
export function runTool(program: string, args: string[]): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"], env: toolEnv });
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = lastChars(stderr + chunk.toString(), 8000);
    });
    child.on("error", reject);
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
