/**
 * videoflow's own process work, through the small addon in pipeline/native
 * (processes.c says why for each):
 * - startTool starts the programs videoflow runs for each video (ffmpeg,
 *   ffprobe) with posix_spawn: Node's child_process forks the whole process,
 *   2 to 16 ms a spawn here, and `process` spawns four before its first
 *   video's decode ends. What comes back is the part of Node's ChildProcess
 *   that videoflow uses: the parent's ends of the child's pipes, kill(), and
 *   the "error" and "close" events with Node's meaning ("close" once the
 *   child has exited and every pipe from it has closed, with its exit code
 *   and signal; a program that cannot start emits "error", then "close").
 * - exitNow ends a command without Node's teardown.
 * Where the addon was not built (`npm run setup` builds it), Node's own
 * child_process.spawn and process.exit do the same jobs: spawnMethod() says which.
 */
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { Socket } from "node:net";
import { flushCompileCache } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import { openNativeAddon } from "./native-addon";

/** Each of the child's first file descriptors: a pipe the parent reads, /dev/null, or one of the parent's fds. */
export type StdioSpec = "pipe" | "ignore" | number;

export interface ToolProcess extends EventEmitter {
  readonly pid: number | undefined;
  /** The parent's end of each "pipe" entry (null for the others). */
  readonly stdio: Array<Readable | null>;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  kill(signal?: NodeJS.Signals): boolean;
  on(event: "close", listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: "error", listener: (error: NodeJS.ErrnoException) => void): this;
}

interface Addon {
  spawn(file: string, args: string[], stdio: number[]): { pid: number; fds: number[] };
  wait(pid: number, done: (code: number | null, signal: number) => void): void;
  exit(status: number): never;
}

const ADDON = path.resolve(__dirname, "..", "..", "..", "..", "pipeline", "native", "build", "Release", "processes.node");
let addon: Addon | null | undefined;

/** The addon, loaded on first use (a native module cannot be in the start-up snapshot); null where it was not built. */
function loadAddon(): Addon | null {
  if (addon === undefined) {
    try {
      addon = openNativeAddon(ADDON) as Addon;
    } catch {
      addon = null;
    }
  }
  return addon;
}

/** How startTool starts programs here. */
export function spawnMethod(): "posix_spawn" | "child_process" {
  return loadAddon() ? "posix_spawn" : "child_process";
}

/**
 * Ends this process with `status` once its work is done: the "exit" event's
 * listeners run, as with process.exit, what stdout and stderr still hold is
 * written out (Node's process.exit drops what a pipe has not taken: 146 of
 * 200 KB in native-processes.test.ts; here it waits, at most DRAIN_MS), and
 * Node's compile cache is written; then the process ends without Node's
 * teardown of V8 and of the native libraries loaded (about 6 ms; processes.c).
 */
export async function exitNow(status: number): Promise<never> {
  const native = loadAddon();
  if (!native) return process.exit(status);
  process.exitCode = status;
  process.emit("exit", status);
  await Promise.race([Promise.all([drained(process.stdout), drained(process.stderr)]), delay(DRAIN_MS, undefined, { ref: false })]);
  flushCompileCache?.();
  return native.exit(status);
}

/** How long exitNow waits for a reader to take the output left (one that never reads would otherwise hold the exit). */
const DRAIN_MS = 2000;

function drained(stream: NodeJS.WriteStream): Promise<void> | undefined {
  if (stream.writableLength === 0) return undefined;
  return new Promise((resolve) => {
    stream.once("drain", resolve);
    stream.once("close", resolve);
    stream.once("error", resolve);
  });
}

/** Starts `program` with `args` (never through a shell), by `method` (tests choose). */
export function startTool(program: string, args: string[], stdio: StdioSpec[], method = spawnMethod()): ToolProcess {
  const native = method === "posix_spawn" ? loadAddon() : null;
  if (!native) return spawn(program, args, { stdio }) as unknown as ToolProcess;
  return new SpawnedTool(native, program, args, stdio);
}

const signalNames = new Map(Object.entries(os.constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));

/** How a program ended: its exit code, or the signal that ended it. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Waits for a child this process did not start: one that bin/videoflow
 * started before it exec'd Node, which keeps its process id. Resolves null
 * when `pid` is not this process's child; returns null at once where the
 * addon was not built (Node itself cannot wait for such a child).
 */
export function waitForAdopted(pid: number): Promise<ExitStatus | null> | null {
  const native = loadAddon();
  if (!native) return null;
  return new Promise((resolve) =>
    native.wait(pid, (code, signal) =>
      // The addon reports a failed wait (not a child: ECHILD) as neither a code nor a signal.
      resolve(code === null && !signal ? null : exitStatus(code, signal)),
    ),
  );
}

/** The addon's report of an exit (a code, or a signal's number) as Node names it. */
function exitStatus(code: number | null, signal: number): ExitStatus {
  return { code, signal: signal ? (signalNames.get(signal) ?? null) : null };
}

/**
 * Makes a child this process started nicer by `by` (at most 19). Called at
 * once after the start: the threads the program makes later inherit it (on
 * Linux a priority is a thread's). A child already gone is left alone.
 */
export function lowerPriority(pid: number, by: number): void {
  try {
    os.setPriority(pid, Math.min(19, os.getPriority(pid) + by));
  } catch {
    // ended already: nothing to lower
  }
}

/** The exit status a shell reports as `$?`: above 128 for a program ended by a signal. */
export function fromShellStatus(status: number): ExitStatus {
  const signal = status > 128 ? signalNames.get(status - 128) : undefined;
  return signal ? { code: null, signal } : { code: status, signal: null };
}

class SpawnedTool extends EventEmitter implements ToolProcess {
  readonly pid: number | undefined;
  readonly stdio: Array<Readable | null>;
  private exit: ExitStatus | null = null;
  private openPipes = 0;

  constructor(native: Addon, program: string, args: string[], stdio: StdioSpec[]) {
    super();
    let started: { pid: number; fds: number[] };
    try {
      started = native.spawn(
        program,
        args,
        stdio.map((s) => (s === "pipe" ? -1 : s === "ignore" ? -2 : s)),
      );
    } catch (err) {
      // As Node's: the pipes asked for exist, and end at once.
      this.stdio = stdio.map((s) => (s === "pipe" ? Readable.from([]) : null));
      const error = Object.assign(err as Error, { syscall: `spawn ${program}`, path: program, spawnargs: args });
      process.nextTick(() => {
        this.exit = { code: (error as NodeJS.ErrnoException).errno ?? -1, signal: null };
        this.emit("error", error);
        this.emit("close", this.exit.code, null);
      });
      return;
    }
    this.pid = started.pid;
    this.stdio = started.fds.map((fd) => {
      if (fd < 0) return null;
      const pipe = new Socket({ fd, readable: true, writable: false });
      this.openPipes++;
      pipe.on("close", () => {
        this.openPipes--;
        this.closeWhenDone();
      });
      return pipe;
    });
    native.wait(started.pid, (code, signal) => {
      this.exit = exitStatus(code, signal);
      this.emit("exit", this.exit.code, this.exit.signal);
      this.closeWhenDone();
    });
  }

  get stdout(): Readable | null {
    return this.stdio[1] ?? null;
  }

  get stderr(): Readable | null {
    return this.stdio[2] ?? null;
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): boolean {
    if (this.pid === undefined || this.exit !== null) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  private closeWhenDone(): void {
    if (this.exit !== null && this.openPipes === 0) this.emit("close", this.exit.code, this.exit.signal);
  }
}
