/**
 * Logging and progress. On a terminal: one progress line per video (frames
 * done / total, fps) and short human lines. Elsewhere (CI, Dataflow, files):
 * one JSON object per line with the `severity` and `message` fields that
 * Cloud Logging reads, and no per-frame chatter.
 */
import { appendFileSync } from "node:fs";

export type Severity = "DEBUG" | "INFO" | "WARNING" | "ERROR";

const interactive = (): boolean => Boolean(process.stderr.isTTY) && !process.env.VIDEOFLOW_JSON_LOGS;

/** Whether DEBUG lines are logged (VIDEOFLOW_DEBUG): a caller can skip making one that would be dropped. */
export const debugLogged = (): boolean => Boolean(process.env.VIDEOFLOW_DEBUG);

/** One event: `message` for people (complete on its own), `fields` for machines (JSON lines only). */
export function log(severity: Severity, message: string, fields: Record<string, unknown> = {}): void {
  if (severity === "DEBUG" && !debugLogged()) return;
  if (interactive()) {
    clearProgressLine();
    // A person reads the message, which says it all; the fields are for machines.
    process.stderr.write(`${severity === "INFO" ? "" : severity + " "}${message}\n`);
    drawProgress();
  } else {
    process.stdout.write(JSON.stringify({ severity, message, time: new Date().toISOString(), ...fields }) + "\n");
  }
  // A worker a runner started on this machine (Flink's PROCESS environment) has its output kept by the runner: it also
  // appends its log lines to this file, which the videoflow process that submitted the job follows and logs as its own
  // (launch/runners.ts, followWorkerLogs). Read here, not at load: a run from the start-up snapshot loaded this module
  // when the snapshot was built.
  const forward = process.env.VIDEOFLOW_LOG_FORWARD;
  if (forward)
    appendFileSync(
      forward,
      JSON.stringify({ severity, message, time: new Date().toISOString(), ...fields, workerPid: process.pid }) + "\n",
    );
}

interface Progress {
  done: number;
  total: number;
  startedAt: number;
}
const progress = new Map<string, Progress>();
let lastDraw = 0;
let lineShown = false;

/** Adds frames done for a video; draws at most ten times a second, only on a terminal. */
export function reportFrames(video: string, framesDone: number, framesTotal: number): void {
  const entry = progress.get(video) ?? { done: 0, total: framesTotal, startedAt: Date.now() };
  entry.done += framesDone;
  entry.total = framesTotal;
  progress.set(video, entry);
  if (!interactive()) return;
  const now = Date.now();
  if (now - lastDraw < 100 && entry.done < entry.total) return;
  lastDraw = now;
  clearProgressLine();
  drawProgress();
}

export function endProgress(video: string): void {
  progress.delete(video);
  if (interactive()) {
    clearProgressLine();
    drawProgress();
  }
}

function drawProgress(): void {
  if (progress.size === 0) return;
  const parts = [...progress.entries()].map(([video, p]) => {
    const seconds = Math.max(0.001, (Date.now() - p.startedAt) / 1000);
    const pct = p.total > 0 ? Math.min(100, (100 * p.done) / p.total) : 0;
    return `${video} ${p.done}/${p.total} frames ${pct.toFixed(0)}% ${(p.done / seconds).toFixed(0)} fps`;
  });
  const width = process.stderr.columns || 120;
  process.stderr.write(parts.join(" | ").slice(0, width - 1));
  lineShown = true;
}

function clearProgressLine(): void {
  if (lineShown) process.stderr.write("\r\x1b[K");
  lineShown = false;
}
