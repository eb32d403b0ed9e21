#!/usr/bin/env node
/**
 * The worker entry point: what a runner starts to run videoflow's
 * TypeScript workers, the Docker image's ENTRYPOINT on Dataflow and the
 * command of a PROCESS environment on Flink. It takes Beam's container
 * contract (--id and --provision_endpoint; Dataflow also passes
 * --control_endpoint, --logging_endpoint, --artifact_endpoint and
 * --semi_persist_dir), asks the provision service for the pipeline options,
 * the endpoints and the sibling workers' ids, and runs a worker for its own
 * id and each sibling's from the app already installed here.
 *
 * Why not Beam's TypeScript boot (sdks/typescript/container/boot.go): it
 * `npm install`s every staged artifact at every start, so each worker would
 * need the npm registry and rebuild the native OpenCV binding; with nothing
 * staged it starts `npx apache-beam-worker`, which cannot find our steps
 * module (workarounds.ts, 6). This boot does what worker_main.js does, with
 * the provision call Flink's PROCESS environment needs (it passes only --id
 * and --provision_endpoint) and no install.
 */
import "../util/compile-cache";
// The SDK's index first: requiring its modules directly before it fails on a circular import (pvalue.js).
import "apache-beam";
import { ChannelCredentials } from "@grpc/grpc-js";
import { GrpcTransport } from "@protobuf-ts/grpc-transport";
import { ProvisionServiceClient } from "apache-beam/proto/beam_provision_api.client";
import { Struct } from "apache-beam/proto/google/protobuf/struct";
import { Worker } from "apache-beam/worker/worker";
import { log } from "../log";
import { STEPS_MODULE, routeSdkConsole } from "../beam/workarounds";

/** Beam's container flags, `--name=value` or `--name value`. */
export function parseBootFlags(argv: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([^=]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match) continue;
    if (match[2] !== undefined) flags[match[1]] = match[2];
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) flags[match[1]] = argv[++i];
    else flags[match[1]] = "true";
  }
  return flags;
}

export interface WorkerPlan {
  ids: string[];
  controlUrl: string;
  options: Record<string, unknown>;
}

/** What to run, from the flags and the provision service's answer. */
export async function planWorkers(flags: Record<string, string>): Promise<WorkerPlan> {
  const id = flags.id;
  if (!id) throw new Error("no --id given: this is Beam's worker entry point, started by a runner with --id and --provision_endpoint");
  let options: Record<string, unknown> = flags.options ? JSON.parse(flags.options) : {};
  let controlUrl: string | undefined = flags.control_endpoint;
  const ids = [id];
  if (flags.provision_endpoint) {
    const client = new ProvisionServiceClient(
      new GrpcTransport({ host: flags.provision_endpoint, channelCredentials: ChannelCredentials.createInsecure() }),
    );
    // The provision service knows the worker by this header (Flink's fails with UNKNOWN without it).
    const { info } = await client.getProvisionInfo({}, { meta: { worker_id: id } }).response;
    if (!info) throw new Error(`the provision service at ${flags.provision_endpoint} sent no provision info`);
    if (info.pipelineOptions) options = Struct.toJson(info.pipelineOptions) as Record<string, unknown>;
    controlUrl = controlUrl || info.controlEndpoint?.url;
    ids.push(...(info.siblingWorkerIds ?? []));
  }
  if (!controlUrl) throw new Error("no control endpoint: give --control_endpoint or --provision_endpoint");
  // Dataflow nests the options one level deeper.
  if (options.options && typeof options.options === "object") options = options.options as Record<string, unknown>;
  return { ids, controlUrl, options };
}

async function main(): Promise<void> {
  routeSdkConsole();
  const flags = parseBootFlags(process.argv.slice(2));
  const plan = await planWorkers(flags);
  const registered = (plan.options["beam:option:registered_node_modules:v1"] ?? plan.options.registered_node_modules ?? []) as string[];
  for (const name of registered) {
    // Our own steps module is already loaded (imported above); anything else is required, as worker_main does.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module name known only at run time
    if (name !== STEPS_MODULE) require(name);
  }
  log("INFO", `starting ${plan.ids.length} worker(s) ${plan.ids.join(", ")} against ${plan.controlUrl}`, {
    event: "workers starting",
    ids: plan.ids,
    control: plan.controlUrl,
  });
  const workers = plan.ids.map((id) => new Worker(id, { controlUrl: plan.controlUrl }, plan.options));
  await Promise.all(workers.map((w) => w.wait()));
  log("INFO", "workers stopped", { event: "workers stopped" });
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err) => {
      log("ERROR", `worker boot failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, { event: "boot failed" });
      process.exit(1);
    },
  );
}
