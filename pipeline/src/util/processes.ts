/**
 * The runners' helper processes (Beam's Flink job server, Beam's Python
 * Dataflow job service): started on a free loopback port, their output kept
 * off our stdout (where the JSON log lines go) and logged at DEBUG, stopped
 * with us. The SDK's own SubprocessService inherits stdio and gives a service
 * 10 s to open its port, too little for a JVM or Beam's Python on 2 busy
 * cores (5-13 s measured): see workarounds.ts.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as net from "node:net";
import { log } from "../log";

export interface Service {
  /** The service's host:port, once it listens (the SDK's runners call this). */
  start(): Promise<string>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection(port, "127.0.0.1", () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

/**
 * Runs a service ("$@") so that it dies with us, even when we are killed
 * outright (SIGKILL runs no handler, and a JVM left behind would go on
 * reading the subscription): the shell holds the pipe that is our stdin to
 * it and stops the service when that pipe closes, or when it is sent
 * SIGTERM. The command and its arguments are positional parameters: the
 * shell never parses them.
 */
const OUTLIVE_NO_PARENT = [
  "exec 3<&0",
  '"$@" </dev/null 3<&- &',
  "service=$!",
  "trap 'kill \"$service\" 2>/dev/null' TERM INT",
  '(read -r _ <&3; kill "$service" 2>/dev/null) &',
  'wait "$service"; status=$?',
  // A trapped signal ends the first wait early: wait for the service itself to end.
  'wait "$service" 2>/dev/null',
  'exit "$status"',
].join("\n");

/** Waits until something listens on a loopback port (a service's second port, opened after the first). */
export async function waitForPort(port: number, what: string, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await listening(port))) {
    if (Date.now() > deadline) throw new Error(`${what} did not listen on port ${port} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface ServiceSpec {
  name: string;
  command: string;
  /** "{{PORT}}" in an argument becomes the port chosen. */
  args: string[];
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  /** Sees each line the service prints (to learn what it says only there). */
  onLine?: (line: string) => void;
}

/** A helper process that videoflow starts and stops. */
export class ProcessService implements Service {
  private child?: ChildProcess;
  private address?: string;
  private output = "";

  constructor(private readonly spec: ServiceSpec) {}

  async start(): Promise<string> {
    if (this.address) return this.address;
    const port = await freePort();
    const { name, command } = this.spec;
    const args = this.spec.args.map((a) => a.replace("{{PORT}}", String(port)));
    const child = spawn("/bin/sh", ["-c", OUTLIVE_NO_PARENT, "videoflow-service", command, ...args], {
      env: { ...process.env, ...this.spec.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20000);
      for (const line of chunk.toString().split("\n")) {
        if (!line.trim()) continue;
        log("DEBUG", `${name}: ${line.trim()}`);
        this.spec.onLine?.(line);
      }
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const deadline = Date.now() + (this.spec.readyTimeoutMs ?? 120000);
    while (!(await listening(port))) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it listened: ${this.output.slice(-2000)}`);
      }
      if (Date.now() > deadline) {
        child.stdin!.destroy(); // the shell's watcher stops the service
        child.kill("SIGKILL");
        await exited;
        throw new Error(
          `${name} did not listen on port ${port} within ${(this.spec.readyTimeoutMs ?? 120000) / 1000} s: ${this.output.slice(-2000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    log("DEBUG", `${name} listening on 127.0.0.1:${port}`, { event: "service started", service: name, port });
    this.address = `127.0.0.1:${port}`;
    return this.address;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.address = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => {
      child.stdin!.destroy();
      child.kill("SIGKILL");
    }, 10000);
    await exited;
    clearTimeout(timer);
  }

  /** The last of what the service printed, to explain a failure. */
  recentOutput(): string {
    return this.output.slice(-4000);
  }
}
