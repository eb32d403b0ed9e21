/**
 * The portable side of a run: the runner a Flink run submits through
 * (LocalFlinkRunner, Beam's PortableRunner with the pipeline's environments
 * settled first) and the environment rewrite a Dataflow submission shares.
 * A module of its own, loaded when such a run starts: a run on the direct
 * runner does without the portable runner's load.
 */
import * as environments from "apache-beam/internal/environments";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { PortableRunner } from "apache-beam/runners/portable_runner/runner";
import * as path from "node:path";
import type { FlinkTarget } from "./flink-cluster";

/** The worker entry point (worker-boot.ts), as the command a PROCESS environment runs. */
export const WORKER_BOOT = path.join(__dirname, "worker-boot.js");

/**
 * A PortableRunner for local Flink that settles the environments before
 * submission:
 * - Java's (the Pub/Sub read's, which its expansion service gives a DOCKER
 *   environment, and no Docker runs here) become EMBEDDED: Flink runs that
 *   Java code inside the job server's JVM, whose class path has it. Its ~200
 *   jar artifacts are dropped for the same reason.
 * - With PROCESS, the TypeScript one becomes a PROCESS environment: Flink
 *   starts the worker entry point itself, with Beam's container flags, as
 *   Dataflow starts its containers. The SDK offers only LOOPBACK and DOCKER
 *   (whose path also fails on a missing npm tag, see workarounds.ts).
 */
export class LocalFlinkRunner extends PortableRunner {
  private readonly target: FlinkTarget;
  private readonly workerLogs: string | undefined;

  /** `workerLogs`: the file PROCESS workers append their log lines to (followWorkerLogs), if any. */
  constructor(options: { jobEndpoint: string; [option: string]: unknown }, target: FlinkTarget, workerLogs: string | undefined) {
    super(target.environmentType === "LOOPBACK" ? { ...options, environmentType: "LOOPBACK" } : options);
    this.target = target;
    this.workerLogs = workerLogs;
  }

  async runPipeline(pipeline: runnerApi.Pipeline, options?: Record<string, unknown>) {
    let proto = withJavaEmbedded(pipeline);
    if (this.target.environmentType === "PROCESS") {
      const env: Record<string, string> = { VIDEOFLOW_JSON_LOGS: "1" };
      if (this.workerLogs) env.VIDEOFLOW_LOG_FORWARD = this.workerLogs;
      if (process.env.VIDEOFLOW_DEBUG) env.VIDEOFLOW_DEBUG = process.env.VIDEOFLOW_DEBUG;
      // The worker entry point starts through its `#!/usr/bin/env node`. On the local cluster started for
      // the job, that is the Node running this (the project's, .node-version, whose ABI the OpenCV binding
      // is built for), whatever `node` comes first on PATH; a remote cluster's hosts keep their own.
      if (!this.target.flinkMaster) env.PATH = [path.dirname(process.execPath), process.env.PATH].filter(Boolean).join(path.delimiter);
      const command = this.target.workerCommand ?? WORKER_BOOT;
      const payload = runnerApi.ProcessPayload.toBinary({ os: "", arch: "", command, env });
      proto = withTypeScriptEnvironment(proto, "beam:env:process:v1", payload);
    }
    return this.runPipelineWithProto(proto, options);
  }
}

/** The pipeline proto with every Java environment (DOCKER, or EMBEDDED with artifacts) made a bare EMBEDDED one. */
function withJavaEmbedded(pipeline: runnerApi.Pipeline): runnerApi.Pipeline {
  const proto = runnerApi.Pipeline.clone(pipeline);
  const envs = proto.components!.environments;
  for (const id of Object.keys(envs)) {
    if (envs[id].urn === "beam:env:docker:v1" || envs[id].urn === "EMBEDDED") {
      envs[id] = { ...envs[id], urn: "EMBEDDED", payload: new Uint8Array(0), dependencies: [] };
    }
  }
  return proto;
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
