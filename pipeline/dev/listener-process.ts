/**
 * Runs `videoflow listen` as a child process and follows its JSON log lines
 * (the demo, the tests and the benchmark watch it this way).
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";

export type LogEvent = Record<string, unknown> & { event?: string; message: string; severity: string };

const cli = path.resolve(__dirname, "..", "src", "main.js");

export class ListenerProcess {
  readonly events: LogEvent[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private waiters: Array<{ test: (e: LogEvent) => boolean; resolve: (e: LogEvent) => void }> = [];
  stderr = "";

  /**
   * `onEvent` sees each log event as it comes (the demo echoes them). With `ownProcessGroup` the listener and
   * what it starts (its ffmpeg) are a process group of their own, which stopGroup signals as a terminal's Ctrl-C does.
   */
  constructor(
    args: string[],
    env: Record<string, string>,
    private readonly onEvent?: (e: LogEvent) => void,
    ownProcessGroup = false,
  ) {
    this.child = spawn(process.execPath, [cli, "listen", ...args], {
      env: { ...process.env, ...env, VIDEOFLOW_JSON_LOGS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: ownProcessGroup,
    });
    let buffer = "";
    this.child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) if (line.startsWith("{")) this.add(JSON.parse(line));
    });
    this.child.stderr!.on("data", (c: Buffer) => (this.stderr = (this.stderr + c.toString()).slice(-20000)));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  private add(e: LogEvent): void {
    this.events.push(e);
    this.onEvent?.(e);
    for (const w of [...this.waiters]) {
      if (w.test(e)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  }

  /** The first event (already seen or to come) that passes `test`. */
  waitFor(test: (e: LogEvent) => boolean, what: string, timeoutMs = 60000): Promise<LogEvent> {
    const seen = this.events.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no ${what} within ${timeoutMs / 1000} s; events: ${this.events.map((e) => e.message).join(" | ")}\n${this.stderr}`),
          ),
        timeoutMs,
      );
      this.waiters.push({ test, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  count(event: string): number {
    return this.events.filter((e) => e.event === event).length;
  }

  /** The "processed" events of one uploaded object. */
  processed(object: string): LogEvent[] {
    return this.events.filter((e) => e.event === "processed" && e.object === object);
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** Signals the listener's whole process group, as Ctrl-C in a terminal or systemd's stop does (needs ownProcessGroup). */
  async stopGroup(signal: NodeJS.Signals = "SIGINT"): Promise<number | null> {
    if (this.child.exitCode === null) process.kill(-this.child.pid!, signal);
    return this.exited;
  }
}
