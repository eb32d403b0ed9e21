/**
 * A Flink 1.15 session cluster on this machine, for tests and the benchmark:
 * a JobManager and `taskManagers` TaskManagers, each its own JVM, started
 * from the Flink job server's class path (no Flink distribution). Started
 * without Flink's scripts, a TaskManager needs every memory size and its CPU
 * cores spelled out, and Java 17 one more --add-exports than the job server.
 */
import { ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { FLINK_JVM_OPENS, clusterFlinkVersion, flinkClassPath, flinkRest } from "../src/launch/flink-cluster";

export interface FlinkSession {
  /** host:port of the JobManager's REST API: what --flinkMaster takes. */
  master: string;
  /** The process groups of its JVMs: each JVM's, with the workers its TaskManager started. */
  processGroups: number[];
  /** Kills every JVM of the cluster, with the workers its TaskManagers started, and waits for the JVMs to exit. */
  stop(): Promise<void>;
}

/** A TCP port free on the loopback interface now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** The cluster's configuration: loopback only, ports the system picks, 2 slots and about 1.1 GB per TaskManager. */
async function writeConf(dir: string): Promise<number> {
  const rest = await freePort();
  const rpc = await freePort();
  const lines = [
    "jobmanager.rpc.address: 127.0.0.1",
    `jobmanager.rpc.port: ${rpc}`,
    "jobmanager.bind-host: 127.0.0.1",
    "taskmanager.bind-host: 127.0.0.1",
    "taskmanager.host: 127.0.0.1",
    "taskmanager.rpc.port: 0",
    "taskmanager.data.port: 0",
    "blob.server.port: 0",
    `rest.port: ${rest}`,
    "rest.address: 127.0.0.1",
    "rest.bind-address: 127.0.0.1",
    "jobmanager.memory.process.size: 768m",
    "taskmanager.numberOfTaskSlots: 2",
    "taskmanager.cpu.cores: 2",
    "taskmanager.memory.framework.heap.size: 128m",
    "taskmanager.memory.task.heap.size: 256m",
    "taskmanager.memory.managed.size: 64m",
    "taskmanager.memory.network.min: 64m",
    "taskmanager.memory.network.max: 64m",
    "taskmanager.memory.framework.off-heap.size: 128m",
    "taskmanager.memory.task.off-heap.size: 0m",
    "taskmanager.memory.jvm-metaspace.size: 256m",
    "taskmanager.memory.jvm-overhead.min: 192m",
    "taskmanager.memory.jvm-overhead.max: 192m",
    // Without it Flink fills one TaskManager's slots before the next: a small job would run on one only.
    "cluster.evenly-spread-out-slots: true",
  ];
  writeFileSync(path.join(dir, "flink-conf.yaml"), lines.join("\n") + "\n");
  return rest;
}

/**
 * Starts the cluster (configuration and logs in `dir`); resolves once its REST
 * API reports every TaskManager. `env` is the cluster hosts' environment,
 * which the workers its TaskManagers start inherit (the emulators' addresses,
 * in the tests).
 */
export async function startFlinkSession(
  dir: string,
  taskManagers = 2,
  { env = {}, timeoutMs = 120000 }: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<FlinkSession> {
  const port = await writeConf(dir);
  const master = `127.0.0.1:${port}`;
  const jvms: ChildProcess[] = [];
  const java = (main: string, name: string) => {
    const child = spawn(
      "java",
      ["--add-exports=java.base/sun.net.util=ALL-UNNAMED", ...FLINK_JVM_OPENS.split(" "), "-cp", flinkClassPath(), main, "-c", dir],
      {
        stdio: ["ignore", "ignore", "ignore"],
        env: { ...process.env, ...env, FLINK_LOG_DIR: dir, JVM_NAME: name },
        // Its own process group, which the worker processes a TaskManager starts join: stop() kills them all.
        detached: true,
      },
    );
    jvms.push(child);
    return child;
  };
  const stop = async () => {
    await Promise.all(
      jvms
        .filter((j) => j.exitCode === null && j.signalCode === null)
        .map(
          (j) =>
            new Promise<void>((resolve) => {
              j.once("exit", () => resolve());
              try {
                process.kill(-j.pid!, "SIGKILL");
              } catch {
                j.kill("SIGKILL"); // its group is gone already: the JVM alone, if still there
              }
            }),
        ),
    );
  };
  try {
    java("org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", "jobmanager");
    for (let i = 0; i < taskManagers; i++) java("org.apache.flink.runtime.taskexecutor.TaskManagerRunner", `taskmanager-${i}`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const dead = jvms.find((j) => j.exitCode !== null);
      if (dead) throw new Error(`a JVM of the Flink session cluster exited (${dead.exitCode}) while it started`);
      try {
        await clusterFlinkVersion(master, 1000);
        const overview = await flinkRest<{ taskmanagers: number }>(master, "/overview");
        if (overview.taskmanagers === taskManagers) return { master, processGroups: jvms.map((j) => j.pid!), stop };
      } catch {
        // Not up yet.
      }
      if (Date.now() > deadline) throw new Error(`the Flink session cluster at ${master} did not start within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } catch (err) {
    await stop();
    throw err;
  }
}
