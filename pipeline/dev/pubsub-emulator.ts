/**
 * Google's Pub/Sub emulator (installed with the Google Cloud CLI on these
 * machines; Java), started directly from its jar on loopback, so that there
 * is one process to stop. Clients reach it through PUBSUB_EMULATOR_HOST.
 */
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";

export interface PubSubEmulator {
  host: string;
  port: number;
  /** The value for PUBSUB_EMULATOR_HOST. */
  hostPort: string;
  stop(): Promise<void>;
}

const SDK_ROOTS = ["/usr/lib/google-cloud-sdk", "/usr/share/google-cloud-sdk", "/google-cloud-sdk", "/opt/google-cloud-sdk"];

/** The emulator's jar: $PUBSUB_EMULATOR_JAR, or the one the Google Cloud CLI installed. */
export function findPubSubEmulatorJar(): string {
  if (process.env.PUBSUB_EMULATOR_JAR) return process.env.PUBSUB_EMULATOR_JAR;
  for (const root of SDK_ROOTS) {
    const lib = path.join(root, "platform", "pubsub-emulator", "lib");
    if (!existsSync(lib)) continue;
    const jar = readdirSync(lib).find((f) => /^cloud-pubsub-emulator-.*\.jar$/.test(f));
    if (jar) return path.join(lib, jar);
  }
  throw new Error(
    "the Pub/Sub emulator was not found: install the Google Cloud CLI's pubsub-emulator component " +
      "(gcloud components install pubsub-emulator, or the google-cloud-cli-pubsub-emulator package), or set PUBSUB_EMULATOR_JAR",
  );
}

export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(host: string, port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Pub/Sub emulator exited with ${child.exitCode}`);
    try {
      const reply = await fetch(`http://${host}:${port}/`);
      if (reply.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the Pub/Sub emulator did not answer on ${host}:${port} within ${timeoutMs / 1000} s`);
}

export async function startPubSubEmulator(options: { host?: string; port?: number } = {}): Promise<PubSubEmulator> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort(host));
  const child = spawn("java", ["-jar", findPubSubEmulatorJar(), `--host=${host}`, `--port=${port}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  try {
    await waitUntilServing(host, port, child, 30000);
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n${stderr}`, { cause: err });
  }
  let stopping: Promise<void> | undefined;
  return {
    host,
    port,
    hostPort: `${host}:${port}`,
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      })),
  };
}
