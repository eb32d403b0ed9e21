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
import * as environments from "apache-beam/internal/environments";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { PortableRunner } from "apache-beam/runners/portable_runner/runner";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { log } from "../log";
import type { EnvironmentType, RunnerName } from "../options";
import { ProcessService } from "./services";

const repoRoot = path.resolve(__dirname, "..", "..", "..", "..");

/**
 * The JVM flags Flink 1.15 needs on Java 17: its closure cleaner and Kryo
 * reach into java.base by reflection (streaming fails to translate without
 * them; see docs/research/flink/FINDINGS.md).
 */
export const FLINK_JVM_OPENS = ["java.lang", "java.util", "java.lang.reflect", "java.io", "java.net", "java.nio", "sun.nio.ch", "java.util.concurrent"]
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

/** Beam's Flink job server with a local Flink cluster ("[local]") in its JVM, on a free port. */
export function flinkJobServer(artifactsDir: string): ProcessService {
  return new ProcessService({
    name: "Flink job server",
    command: "java",
    args: [
      "-cp", flinkClassPath(), "org.apache.beam.runners.flink.FlinkJobServerDriver",
      "--flink-master", "[local]", "--job-host", "127.0.0.1", "--job-port", "{{PORT}}",
      "--artifact-port", "0", "--expansion-port", "0", "--artifacts-dir", artifactsDir,
    ],
    env: { JDK_JAVA_OPTIONS: [process.env.JDK_JAVA_OPTIONS, FLINK_JVM_OPENS].filter(Boolean).join(" ") },
  });
}

/** The worker entry point (worker-boot.ts), as the command a PROCESS environment runs. */
export const WORKER_BOOT = path.join(__dirname, "worker-boot.js");

/**
 * A PortableRunner that hands the pipeline's TypeScript environment to the
 * runner as a PROCESS environment: the runner starts the worker entry point
 * itself, with Beam's container flags, as Dataflow starts its containers.
 * The SDK offers only LOOPBACK and DOCKER (whose path also fails on a
 * missing npm tag, see workarounds.ts).
 */
class ProcessEnvironmentRunner extends PortableRunner {
  async runPipeline(pipeline: runnerApi.Pipeline, options?: Record<string, unknown>) {
    const payload = runnerApi.ProcessPayload.toBinary({ os: "", arch: "", command: WORKER_BOOT, env: { VIDEOFLOW_JSON_LOGS: "1" } });
    return this.runPipelineWithProto(withTypeScriptEnvironment(pipeline, "beam:env:process:v1", payload), options);
  }
}

/**
 * The pipeline proto with its TypeScript environment replaced by one the
 * runner starts itself (PROCESS, DOCKER), with nothing staged: the workers
 * run the app already installed where they start. The PortableRunner leaves
 * such an environment alone (it rewrites only the SDK's default one).
 */
export function withTypeScriptEnvironment(pipeline: runnerApi.Pipeline, urn: string, payload: Uint8Array): runnerApi.Pipeline {
  const proto = runnerApi.Pipeline.clone(pipeline);
  const envs = proto.components!.environments;
  // No destructuring here: the Beam layer's compiler transform mangles it (workarounds.ts, 3).
  for (const id of Object.keys(envs)) {
    if (envs[id].urn === environments.TYPESCRIPT_DEFAULT_ENVIRONMENT_URN) envs[id] = { ...envs[id], urn, payload, dependencies: [] };
  }
  return proto;
}

/** Runs a batch pipeline to the end on the named runner; rejects when the job fails. */
export async function runToCompletion(
  runner: RunnerName,
  build: (root: beam.Root) => void,
  { jobName = "videoflow", environmentType = "LOOPBACK" }: { jobName?: string; environmentType?: EnvironmentType } = {},
): Promise<void> {
  if (runner === "direct") {
    await createRunner({ runner: "direct" }).run(build);
    return;
  }
  const artifactsDir = mkdtempSync(path.join(os.tmpdir(), "videoflow-flink-"));
  const jobServer = flinkJobServer(artifactsDir);
  try {
    const started = Date.now();
    const address = await jobServer.start();
    log("INFO", `running on local Flink: Beam's Flink job server at ${address} (started in ${((Date.now() - started) / 1000).toFixed(1)} s)`, {
      event: "runner", runner, jobServer: address, startSec: (Date.now() - started) / 1000,
    });
    // Options go to the constructor: run() drops the ones given to it (see workarounds.ts).
    const common = { jobEndpoint: address, jobName, parallelism: os.availableParallelism() };
    const portable =
      environmentType === "PROCESS" ? new ProcessEnvironmentRunner(common) : new PortableRunner({ ...common, environmentType: "LOOPBACK" });
    await portable.run(build);
  } finally {
    await jobServer.stop();
    rmSync(artifactsDir, { recursive: true, force: true });
  }
}
