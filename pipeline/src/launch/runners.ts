/**
 * The Beam runners videoflow runs its pipeline on (--runner):
 *
 * - direct: Beam's direct runner, in this process (the default).
 * - flink: a local Apache Flink cluster inside Beam's Flink job server (a JVM
 *   videoflow starts and stops): the same pipeline through a real runner's
 *   coders, bundles and shuffles. The TypeScript workers run in this process
 *   (environmentType LOOPBACK), or Flink starts them as processes of their
 *   own through the worker entry point (PROCESS), as Dataflow does.
 *
 * The SDK's own Flink runner is not used: it downloads a shaded job-server
 * jar that Maven Central does not serve for 2.49.0, inherits our stdout and
 * gives the JVM 10 s to start (see workarounds.ts).
 */
import * as beam from "apache-beam";
import { createRunner } from "apache-beam/runners/runner";
import { JobState_Enum } from "apache-beam/proto/beam_job_api";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Severity, log } from "../log";
import type { RunnerName } from "../options";
import { ProcessService } from "../util/processes";
import { FLINK_JVM_OPENS, FlinkTarget, clusterSlots, flinkClassPath, flinkRest, isThisMachine } from "./flink-cluster";
import { routeSdkConsole } from "../beam/workarounds";

/**
 * Beam's Flink job server, on a free port: it submits to the Flink cluster at
 * `flinkMaster` (host:port), or by default to a local cluster ("[local]") it
 * starts in its own JVM.
 */
export function flinkJobServer(artifactsDir: string, onLine?: (line: string) => void, flinkMaster = "[local]"): ProcessService {
  return new ProcessService({
    onLine,
    name: "Flink job server",
    command: "java",
    args: [
      "-cp",
      flinkClassPath(),
      "org.apache.beam.runners.flink.FlinkJobServerDriver",
      "--flink-master",
      flinkMaster,
      "--job-host",
      "127.0.0.1",
      "--job-port",
      "{{PORT}}",
      "--artifact-port",
      "0",
      "--expansion-port",
      "0",
      "--artifacts-dir",
      artifactsDir,
    ],
    env: { JDK_JAVA_OPTIONS: [process.env.JDK_JAVA_OPTIONS, FLINK_JVM_OPENS].filter(Boolean).join(" ") },
  });
}

/**
 * A Java expansion service on the job server's class path that expands the
 * Pub/Sub read into Flink's own unbounded-source read (Read.from, the
 * "deprecated" read), not the splittable-DoFn read the job server's built-in
 * expansion service gives. On Flink the SDF read sometimes never reads at
 * all (the stall of issue 16: its restrictions never run, the state never
 * changes, 1 run in 6 here) and keeps every self-checkpoint in state
 * (apache/beam#27648); the legacy read reads from the first second and keeps
 * its state flat. Its watermark does not advance (FINDINGS Q4), which the
 * streaming job on Flink does not need: it takes each video whole.
 * Needed only while the pipeline is expanded.
 */
export function legacyReadExpansionService(): ProcessService {
  return new ProcessService({
    name: "Java expansion service",
    command: "java",
    args: [
      "-cp",
      flinkClassPath(),
      "org.apache.beam.sdk.expansion.service.ExpansionService",
      "{{PORT}}",
      "--experiments=use_deprecated_read",
      "--defaultEnvironmentType=EMBEDDED",
    ],
    env: { JDK_JAVA_OPTIONS: [process.env.JDK_JAVA_OPTIONS, FLINK_JVM_OPENS].filter(Boolean).join(" ") },
  });
}

/**
 * The file in `workDir` the job's PROCESS workers are to append their log
 * lines to: none for a cluster on another host, whose workers cannot reach
 * it (their lines stay in their TaskManagers' logs).
 */
function workerLogFile(workDir: string, flinkMaster: string | undefined): string | undefined {
  return flinkMaster && !isThisMachine(flinkMaster) ? undefined : path.join(workDir, "workers.jsonl");
}

/**
 * Follows the log file the job's PROCESS workers append to (log.ts,
 * VIDEOFLOW_LOG_FORWARD) and logs each of their lines as this process's own,
 * with the worker's pid: Flink keeps a worker's output to itself, and a
 * worker that fails or stalls should explain itself where the user looks.
 * Returns the function that stops following (after reading what is left).
 */
export function followWorkerLogs(file: string): () => void {
  writeFileSync(file, "");
  let offset = 0;
  let partial = "";
  const readNew = () => {
    const fd = openSync(file, "r");
    try {
      const chunk = Buffer.alloc(1 << 16);
      for (let n = readSync(fd, chunk, 0, chunk.length, offset); n > 0; n = readSync(fd, chunk, 0, chunk.length, offset)) {
        offset += n;
        partial += chunk.subarray(0, n).toString("utf8");
      }
    } finally {
      closeSync(fd);
    }
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as { severity: Severity; message: string } & Record<string, unknown>;
        // The worker's own time and pid go with its fields (no destructuring in the Beam layer: workarounds.ts, 3).
        const fields: Record<string, unknown> = { ...entry };
        delete fields.severity;
        delete fields.message;
        log(entry.severity, entry.message, fields);
      } catch {
        log("INFO", `worker: ${line}`, { event: "worker output" });
      }
    }
  };
  const timer = setInterval(readNew, 250);
  return () => {
    clearInterval(timer);
    readNew();
  };
}

/** Starts Beam's Flink job server (and with it a local Flink cluster, without `flinkMaster`), logging where and how long it took. */
async function startFlinkJobServer(
  artifactsDir: string,
  onLine?: (line: string) => void,
  flinkMaster?: string,
): Promise<{ jobServer: ProcessService; address: string }> {
  const jobServer = flinkJobServer(artifactsDir, onLine, flinkMaster);
  const started = Date.now();
  const address = await jobServer.start();
  const startSec = (Date.now() - started) / 1000;
  const where = flinkMaster ? `the Flink cluster at ${flinkMaster}` : "local Flink";
  log("INFO", `running on ${where}: Beam's Flink job server at ${address} (started in ${startSec.toFixed(1)} s)`, {
    event: "runner",
    runner: "flink",
    flinkMaster: flinkMaster ?? "[local]",
    jobServer: address,
    startSec,
  });
  return { jobServer, address };
}

/**
 * Runs a pipeline over bounded input to the end on the named runner; rejects
 * when the job fails. `streaming` has Flink run it with its streaming
 * translation (as the streaming job runs), not its batch one.
 */
export async function runToCompletion(
  runner: RunnerName,
  build: (root: beam.Root) => void | Promise<unknown>,
  { jobName = "videoflow", streaming = false, ...target }: { jobName?: string; streaming?: boolean } & Partial<FlinkTarget> = {},
): Promise<void> {
  const flinkMaster = target.flinkMaster;
  routeSdkConsole();
  if (runner === "direct") {
    await createRunner({ runner: "direct" }).run(build as (root: beam.Root) => Promise<beam.PValue<unknown>>);
    return;
  }
  const workDir = mkdtempSync(path.join(os.tmpdir(), "videoflow-flink-"));
  const workerLogs = workerLogFile(workDir, flinkMaster);
  const stopFollowing = workerLogs ? followWorkerLogs(workerLogs) : () => undefined;
  let jobServer: ProcessService | undefined;
  try {
    const started = await startFlinkJobServer(path.join(workDir, "artifacts"), undefined, flinkMaster);
    jobServer = started.jobServer;
    // Options go to the constructor: run() drops the ones given to it (see workarounds.ts).
    const options = {
      jobEndpoint: started.address,
      jobName,
      // On a cluster, every slot it has; locally, a slot a core.
      parallelism: flinkMaster ? await clusterSlots(flinkMaster) : os.availableParallelism(),
      ...(streaming ? { streaming: true } : {}),
    };
    const { LocalFlinkRunner } = await import("./portable");
    await new LocalFlinkRunner(options, { environmentType: "LOOPBACK", ...target }, workerLogs).run(
      build as (root: beam.Root) => Promise<beam.PValue<unknown>>,
    );
  } finally {
    stopFollowing();
    await jobServer?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** A streaming job running on local Flink, until it fails or is stopped. */
export interface StreamingJob {
  /** Resolves with the job's state should it end by itself (a streaming job only ends by failing). */
  ended: Promise<string>;
  /** Cancels the job and stops the job server. */
  stop(): Promise<void>;
}

/** How often Flink checkpoints a streaming job: the Pub/Sub read acknowledges what it read when a checkpoint completes. */
export const CHECKPOINT_INTERVAL_MS = 5000;

/**
 * Starts a streaming pipeline on Flink (local, or the cluster at
 * `flinkMaster`) and returns once it runs. `build` gets the address of an
 * expansion service for the Java Pub/Sub read (legacyReadExpansionService),
 * stopped once the job is submitted. With PUBSUB_EMULATOR_HOST set, that read
 * goes to the emulator (pubsubRootUrl).
 *
 * Locally: one slot, and checkpoints in files (Flink's default, the
 * JobManager's memory, refused the splittable read's growing state). On a
 * cluster: every slot it has, and checkpoints where its own configuration
 * puts them (state.checkpoints.dir), since a path here means nothing to its
 * other hosts. The job is found, watched and cancelled there by its name: a
 * cluster runs other jobs too.
 */
export async function startStreaming(
  build: (expansionAddress: string) => (root: beam.Root) => Promise<beam.PValue<unknown>>,
  { jobName = "videoflow", ...target }: { jobName?: string } & Partial<FlinkTarget> = {},
): Promise<StreamingJob> {
  const flinkMaster = target.flinkMaster;
  routeSdkConsole();
  const workDir = mkdtempSync(path.join(os.tmpdir(), "videoflow-flink-"));
  // A cluster's REST API is its master; a local cluster's is known once its log names it.
  const restAddresses: string[] = flinkMaster ? [flinkMaster] : [];
  let jobServer: ProcessService | undefined;
  const expansion = legacyReadExpansionService();
  const workerLogs = workerLogFile(workDir, flinkMaster);
  const stopFollowing = workerLogs ? followWorkerLogs(workerLogs) : () => undefined;
  const cleanUp = async () => {
    stopFollowing();
    await expansion.stop();
    await jobServer?.stop();
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    // Each job's local cluster says where its REST API listens only in the log.
    const watch = (line: string) => {
      const rest = /Rest endpoint listening at (\S+?):(\d+)/.exec(line);
      if (rest) {
        restAddresses.push(`${rest[1]}:${rest[2]}`);
        log("INFO", `Flink's web UI (the job, its counters and checkpoints): http://${rest[1]}:${rest[2]}`, {
          event: "flink web ui",
          url: `http://${rest[1]}:${rest[2]}`,
        });
      }
      const checkpoint = /Completed checkpoint (\d+) for job \S+ \((\d+) bytes/.exec(line);
      if (checkpoint) {
        log("DEBUG", `checkpoint ${checkpoint[1]} completed (${checkpoint[2]} bytes of state): what was read before it is acknowledged`, {
          event: "checkpoint",
          checkpoint: Number(checkpoint[1]),
          stateBytes: Number(checkpoint[2]),
        });
      }
    };
    // The two JVMs start side by side.
    const expansionAddress = expansion.start();
    expansionAddress.catch(() => undefined); // awaited below; a failure then is the one reported
    const started = await startFlinkJobServer(path.join(workDir, "artifacts"), watch, flinkMaster);
    jobServer = started.jobServer;
    const emulator = process.env.PUBSUB_EMULATOR_HOST;
    const options = {
      // Locally one slot: the job's videos go one at a time (on 2 cores, x264 already uses both); on a cluster,
      // each slot reads the subscription. One element a bundle: an element that arrives while no other follows
      // must not wait in an open bundle for one that does.
      jobEndpoint: started.address,
      jobName,
      parallelism: flinkMaster ? await clusterSlots(flinkMaster) : 1,
      streaming: true,
      maxBundleSize: 1,
      checkpointingInterval: CHECKPOINT_INTERVAL_MS,
      ...(flinkMaster ? {} : { stateBackend: "filesystem", stateBackendStoragePath: `file://${path.join(workDir, "checkpoints")}` }),
      ...(emulator ? { pubsubRootUrl: `http://${emulator}` } : {}),
    };
    // runAsync's result is the PortableRunner's, which can be cancelled (its declared type cannot).
    const { LocalFlinkRunner } = await import("./portable");
    const result = (await new LocalFlinkRunner(options, { environmentType: "LOOPBACK", ...target }, workerLogs).runAsync(
      build(await expansionAddress),
    )) as unknown as {
      cancel(): Promise<void>;
      waitUntilFinish(): Promise<JobState_Enum>;
    };
    await expansion.stop();
    const ended = result.waitUntilFinish().then((state) => JobState_Enum[state]);
    // Submitted is not yet reading: Flink deploys the job's tasks some seconds later.
    await Promise.race([waitUntilRunning(restAddresses, jobName), ended]);
    return {
      ended,
      async stop() {
        // Beam's Cancel marks the job cancelled but leaves it running in Flink, which then fails over and
        // replays what it read since its last checkpoint: cancel it in Flink first, and wait.
        for (const rest of restAddresses)
          await cancelFlinkJob(rest, jobName).catch((err: unknown) => log("DEBUG", `Flink cancel: ${(err as Error).message}`));
        await result.cancel().catch((err: unknown) => log("DEBUG", `cancel: ${(err as Error).message}`));
        await cleanUp();
      },
    };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}

/** The Flink jobs named `jobName` that have not ended, as the REST API at `rest` lists them. */
async function activeJobs(rest: string, jobName: string): Promise<Array<{ jid: string; state: string }>> {
  const { jobs } = await flinkRest<{ jobs: Array<{ jid: string; name: string; state: string }> }>(rest, "/jobs/overview");
  return jobs.filter((j) => j.name === jobName && !["CANCELED", "FAILED", "FINISHED"].includes(j.state));
}

/** Waits (up to 60 s) until the job named `jobName` runs every task, on the cluster whose REST API is (or will be) in `restAddresses`. */
async function waitUntilRunning(restAddresses: string[], jobName: string): Promise<void> {
  for (const deadline = Date.now() + 60000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    const rest = restAddresses[0];
    if (!rest) continue;
    try {
      const job = (await activeJobs(rest, jobName)).find((j) => j.state === "RUNNING");
      if (!job) continue;
      const { vertices } = await flinkRest<{ vertices: Array<{ status: string }> }>(rest, `/jobs/${job.jid}`);
      if (vertices.length > 0 && vertices.every((v) => v.status === "RUNNING")) return;
    } catch {
      // Not answering yet.
    }
  }
  log("WARNING", "the Flink job's tasks were not all running within 60 s of its submission", { event: "slow start" });
}

/** Cancels the job named `jobName` through the REST API at `rest`, and waits (up to 30 s) until it has ended. */
async function cancelFlinkJob(rest: string, jobName: string): Promise<void> {
  for (const job of await activeJobs(rest, jobName)) await flinkRest(rest, `/jobs/${job.jid}?mode=cancel`, "PATCH");
  const deadline = Date.now() + 30000;
  while ((await activeJobs(rest, jobName)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
}
