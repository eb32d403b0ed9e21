/**
 * Running on an existing Flink cluster (`--flinkMaster host:port`): Beam's
 * Flink job server submits there instead of starting a cluster in its own
 * JVM. What that needs checked before anything is submitted: that the
 * cluster runs the Flink version the job server was built for, and that the
 * job's local paths mean something to the workers, which run on the
 * cluster's TaskManagers (in their working directory, on their hosts).
 */
import { existsSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isGcsUri } from "../io/storage";
import type { EnvironmentType } from "../options";

const repoRoot = path.resolve(__dirname, "..", "..", "..", "..");

/**
 * The JVM flags Flink 1.15 needs on Java 17: its closure cleaner and Kryo
 * reach into java.base by reflection (streaming fails to translate without
 * them; see docs/research/flink/FINDINGS.md).
 */
export const FLINK_JVM_OPENS = [
  "java.lang",
  "java.util",
  "java.lang.reflect",
  "java.io",
  "java.net",
  "java.nio",
  "sun.nio.ch",
  "java.util.concurrent",
]
  .map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`)
  .join(" ");

/** The class path of Beam's Flink job server, resolved by scripts/setup-runners.sh. */
export function flinkClassPath(): string {
  const file = process.env.VIDEOFLOW_FLINK_CLASSPATH || path.join(repoRoot, ".cache", "runners", "flink", "classpath.txt");
  if (!existsSync(file)) {
    throw new Error(`the Flink job server is not set up (${file} is missing): run scripts/setup-runners.sh flink (make test does)`);
  }
  return readFileSync(file, "utf8").trim();
}

/** The Flink version (major.minor.patch) on a class path, read from its flink-runtime jar. */
export function flinkVersionOf(classPath: string): string {
  const match = /flink-runtime-(\d+\.\d+\.\d+)\.jar/.exec(classPath);
  if (!match) throw new Error("the Flink job server's class path has no flink-runtime jar: run scripts/setup-runners.sh flink");
  return match[1];
}

/** Reads the cluster's Flink version from its REST API (GET /config); a clear error when it does not answer. */
export async function clusterFlinkVersion(master: string, timeoutMs = 10000): Promise<string> {
  const url = `http://${master}/config`;
  let reply: Response;
  try {
    reply = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(`the Flink cluster at ${master} does not answer (${url}: ${(err as Error).message})`, { cause: err });
  }
  if (!reply.ok) throw new Error(`the Flink cluster at ${master} answered ${url} with HTTP ${reply.status}`);
  const version = ((await reply.json()) as { "flink-version"?: unknown })["flink-version"];
  if (typeof version !== "string") throw new Error(`${url} does not say the cluster's Flink version: is ${master} a Flink JobManager?`);
  return version;
}

/** Why the cluster cannot run the job server's jobs (another Flink major.minor), or null when it can. */
export function versionProblem(runner: string, cluster: string, master: string): string | null {
  const minor = (v: string) => v.split(".").slice(0, 2).join(".");
  if (minor(runner) === minor(cluster)) return null;
  return `the Flink cluster at ${master} runs Flink ${cluster}; videoflow's Flink runner needs Flink ${minor(runner)}.x (it has ${runner})`;
}

/** Whether `master` (host:port) is this machine, where the cluster's workers see the same files as we do. */
export function isThisMachine(master: string): boolean {
  const host = master
    .replace(/:\d+$/, "")
    .replace(/^\[(.*)\]$/, "$1")
    .toLowerCase();
  return ["localhost", "127.0.0.1", "::1", os.hostname().toLowerCase()].includes(host) || host.startsWith("127.");
}

/**
 * The job's paths as a cluster's workers must see them: local paths made
 * absolute (the workers' working directory is their TaskManager's), gs://
 * as it is. With a cluster on another host a local path means nothing to
 * its workers, so it is refused, unless `sharedPaths` says every host sees
 * the same files at the same paths.
 */
export function pathsForCluster(paths: string[], master: string, sharedPaths: boolean, cwd = process.cwd()): string[] {
  const local = paths.filter((p) => !isGcsUri(p));
  if (local.length > 0 && !sharedPaths && !isThisMachine(master)) {
    throw new Error(
      `${local[0]} is a local path, which the workers of the Flink cluster at ${master} (another host) cannot read or write: ` +
        "use gs:// paths, or --sharedPaths true if every host of the cluster sees the same files at the same paths",
    );
  }
  return paths.map((p) => (isGcsUri(p) ? p : path.resolve(cwd, p)));
}

/** Where the workers run: as given, else PROCESS on a cluster (its TaskManagers start them) and LOOPBACK in this process otherwise. */
export function workersFor(options: { environmentType?: EnvironmentType; flinkMaster?: string }): EnvironmentType {
  return options.environmentType ?? (options.flinkMaster ? "PROCESS" : "LOOPBACK");
}

/** What a Flink job is submitted with, from the options (launch/runners.ts). */
export interface FlinkTarget {
  environmentType: EnvironmentType;
  /** The cluster's JobManager (host:port), or none for a local cluster started for the job. */
  flinkMaster?: string;
  /** The worker entry point's path where PROCESS workers start, when not this installation's own. */
  workerCommand?: string;
}

export function flinkTarget(options: { environmentType?: EnvironmentType; flinkMaster?: string; workerCommand?: string }): FlinkTarget {
  return { environmentType: workersFor(options), flinkMaster: options.flinkMaster, workerCommand: options.workerCommand };
}

/** Checks that the cluster at `master` runs the Flink the job server needs; throws one clear line when not. */
export async function checkCluster(master: string): Promise<void> {
  const runner = flinkVersionOf(flinkClassPath());
  const problem = versionProblem(runner, await clusterFlinkVersion(master), master);
  if (problem) throw new Error(problem);
}

/** `path` of the Flink REST API at `master` (host:port), its answer as JSON; throws on an error status or after 10 s. */
export async function flinkRest<T>(master: string, path: string, method = "GET"): Promise<T> {
  const reply = await fetch(`http://${master}${path}`, { method, signal: AbortSignal.timeout(10000) });
  if (!reply.ok) throw new Error(`Flink's REST API at ${master} answered ${method} ${path} with HTTP ${reply.status}`);
  const body = await reply.text(); // a cancellation's answer may be empty
  return (body ? JSON.parse(body) : undefined) as T;
}

/** The task slots the cluster has (REST /overview): the job's parallelism there. */
export async function clusterSlots(master: string): Promise<number> {
  const slots = (await flinkRest<{ "slots-total"?: unknown }>(master, "/overview"))["slots-total"];
  return typeof slots === "number" && slots > 0 ? slots : 1;
}
