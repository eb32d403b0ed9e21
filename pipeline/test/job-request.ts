/**
 * What a Dataflow job request written by `listen --runner dataflow` must hold
 * (the offline checks of the submission and of the template's launcher).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { PUBSUB_READ_URN } from "../src/beam/pubsub";
import { STEPS_MODULE } from "../src/beam/workarounds";

export const IMAGE = "us-docker.pkg.dev/vf-check/videoflow/videoflow:test";
export const SUBSCRIPTION = "projects/vf-check/subscriptions/uploads";

/** The staged portable pipeline a job request points at. */
function stagedPipeline(job: { environment: { sdkPipelineOptions: { options: Record<string, string> } } }): runnerApi.Pipeline {
  return runnerApi.Pipeline.fromBinary(readFileSync(job.environment.sdkPipelineOptions.options.pipelineUrl));
}

/** `dir` holds the temp and staging locations given; `image` is the workers' image. */
export function assertJobRequest(job: any, dir: string, image = IMAGE): void {
  assert.equal(job.type, "JOB_TYPE_STREAMING");
  const pool = job.environment.workerPools[0];
  assert.deepEqual(
    pool.sdkHarnessContainerImages.map((i: { containerImage: string }) => i.containerImage),
    [image],
    "the workers run our image",
  );
  assert.equal(pool.packages, undefined, "nothing staged for the workers to install");
  for (const e of ["use_runner_v2", "use_portable_job_submission"]) assert.ok(job.environment.experiments.includes(e), e);
  assert.equal(job.environment.tempStoragePrefix, path.join(dir, "temp"));
  const options = job.environment.sdkPipelineOptions.options;
  assert.equal(options.project, "vf-check");
  assert.equal(options.region, "us-central1");
  assert.equal(options.streaming, true);
  assert.equal(options.staging_location, path.join(dir, "staging"));
  // videoflow's own parameters travel with the job.
  assert.equal(options.output_directory, "gs://vf-check-out/videoflow");
  assert.equal(options.input_subscription, SUBSCRIPTION);
  assert.ok(String(options.registered_node_modules).includes(STEPS_MODULE), "workers find the steps by this name");
  // The pipeline: a Pub/Sub read of the subscription with attributes, and our transforms, on our image.
  const pipeline = stagedPipeline(job);
  const reads = Object.values(pipeline.components!.transforms).filter((t) => t.spec?.urn === PUBSUB_READ_URN);
  assert.equal(reads.length, 1);
  const payload = runnerApi.PubSubReadPayload.fromBinary(reads[0].spec!.payload);
  assert.equal(payload.subscription, SUBSCRIPTION);
  assert.equal(payload.withAttributes, true, "a notification's eventType lives in its attributes");
  const names = Object.values(pipeline.components!.transforms).map((t) => t.uniqueName);
  for (const step of ["decide", "processVideos", "regroupByVideo", "announce"])
    assert.ok(
      names.some((n) => n.includes(step)),
      `${step} in ${names.join(", ")}`,
    );
  const envs = Object.values(pipeline.components!.environments).filter((e) => e.urn === "beam:env:docker:v1");
  assert.deepEqual(
    envs.map((e) => runnerApi.DockerPayload.fromBinary(e.payload).containerImage),
    [image],
  );
  assert.ok(envs.every((e) => e.dependencies.length === 0));
}
