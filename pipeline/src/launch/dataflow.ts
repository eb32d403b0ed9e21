/**
 * Submitting the streaming job to Google Cloud Dataflow through Beam's own
 * Dataflow job service (Python, apache-beam 2.49.0, in the venv
 * scripts/setup-runners.sh makes), which builds the Dataflow job request
 * from the portable pipeline: runner v2, portable job submission. With a
 * template location it writes that request there instead of creating the
 * job, which is how a Flex Template launcher collects a job.
 *
 * The SDK's own Dataflow runner is not used (docs/research/dataflow): it
 * pip-installs the latest Beam into ~/.apache_beam, overwrites the
 * experiments, drops the options given to run(), and its DOCKER environment
 * runs `npm pack apache-beam@2_49_rc`, a tag that does not exist. Here the
 * TypeScript environment becomes a DOCKER environment on our image with
 * nothing staged (the image holds the app installed), and
 * runners/dataflow/job_service.py fixes three things in Beam's job service:
 * a written template ends the job in DONE, not FAILED; a created job is
 * reported and left running (a streaming job never finishes, and a launcher
 * must exit); the service's own flags stay out of the job's options.
 */
import * as beam from "apache-beam";
import { Pipeline } from "apache-beam/internal/pipeline";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { JobState_Enum } from "apache-beam/proto/beam_job_api";
import { PortableRunner } from "apache-beam/runners/portable_runner/runner";
import { existsSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import { log } from "../log";
import { withTypeScriptEnvironment } from "./portable";
import { ProcessService } from "../util/processes";
import { routeSdkConsole } from "../beam/workarounds";

const repoRoot = path.resolve(__dirname, "..", "..", "..", "..");

/** Experiments the job needs: runner v2 runs portable SDKs; sibling workers are how the TypeScript SDK uses every core. */
export const DATAFLOW_EXPERIMENTS = ["use_runner_v2", "use_portable_job_submission", "use_sibling_sdk_workers"];

export interface DataflowSubmission {
  project: string;
  region: string;
  jobName: string;
  tempLocation: string;
  stagingLocation: string;
  sdkContainerImage: string;
  /** Write the job request here instead of creating the job. */
  templateLocation?: string;
  /** The Dataflow API's root (a loopback stand-in in tests). */
  dataflowEndpoint?: string;
  /** Any other options the job carries (videoflow's own parameters). */
  pipelineOptions: Record<string, unknown>;
}

function venvPython(): string {
  const python = process.env.VIDEOFLOW_DATAFLOW_PYTHON || path.join(repoRoot, ".cache", "runners", "dataflow-venv", "bin", "python");
  if (!existsSync(python)) {
    throw new Error(`Beam's Dataflow job service is not set up (${python} is missing): run scripts/setup-runners.sh dataflow`);
  }
  return python;
}

/** Whether any location is in Cloud Storage: only then are Google credentials needed to submit. */
function usesCloudStorage(s: DataflowSubmission): boolean {
  return [s.tempLocation, s.stagingLocation, s.templateLocation].some((l) => l?.startsWith("gs://"));
}

/**
 * Builds the streaming pipeline, hands it to Beam's Dataflow job service and
 * returns once the job is created (or its request written): a Dataflow job
 * outlives the command that submits it.
 */
export async function submitToDataflow(build: (root: beam.Root) => unknown, submission: DataflowSubmission): Promise<void> {
  routeSdkConsole();
  const pipeline = new Pipeline();
  await build(new beam.Root(pipeline));
  const proto = withTypeScriptEnvironment(
    pipeline.getProto(),
    "beam:env:docker:v1",
    runnerApi.DockerPayload.toBinary({ containerImage: submission.sdkContainerImage }),
  );
  const jobService = new ProcessService({
    name: "Dataflow job service",
    command: venvPython(),
    args: ["-u", path.join(repoRoot, "runners", "dataflow", "job_service.py"), "--port", "{{PORT}}"],
  });
  const options: Record<string, unknown> = {
    ...submission.pipelineOptions,
    project: submission.project,
    region: submission.region,
    jobName: submission.jobName,
    tempLocation: submission.tempLocation,
    stagingLocation: submission.stagingLocation,
    sdkContainerImage: submission.sdkContainerImage,
    experiments: DATAFLOW_EXPERIMENTS,
    streaming: true,
    ...(submission.templateLocation ? { templateLocation: submission.templateLocation } : {}),
    ...(submission.dataflowEndpoint ? { dataflowEndpoint: submission.dataflowEndpoint } : {}),
    // Local paths only (an offline check, a loopback API): no credentials to look for, which would otherwise
    // end in an interactive sign-in prompt.
    ...(usesCloudStorage(submission) ? {} : { noAuth: true }),
  };
  // Beam stages to local paths as they are: their folders must exist (an offline check).
  for (const location of [submission.tempLocation, submission.stagingLocation])
    if (!location.startsWith("gs://")) mkdirSync(location, { recursive: true });
  if (submission.templateLocation && !submission.templateLocation.startsWith("gs://"))
    mkdirSync(path.dirname(submission.templateLocation), { recursive: true });
  // Option values go through protobuf's Struct, which has no undefined.
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  try {
    const address = await jobService.start();
    const runner = new PortableRunner({ jobEndpoint: address });
    const result = await runner.runPipeline(proto, options);
    const state = await result.waitUntilFinish(10 * 60 * 1000);
    if (state !== JobState_Enum.DONE) {
      throw new Error(`Beam's Dataflow job service ended in ${JobState_Enum[state]}: ${jobService.recentOutput().slice(-3000)}`);
    }
    const created = /Dataflow job created: id=(\S+)/.exec(jobService.recentOutput());
    if (submission.templateLocation) {
      log("INFO", `wrote the Dataflow job request to ${submission.templateLocation}`, {
        event: "job request written",
        templateLocation: submission.templateLocation,
      });
    } else {
      log(
        "INFO",
        `submitted Dataflow job ${created?.[1] ?? "(id not reported)"} (${submission.jobName}) in ${submission.project}/${submission.region}`,
        {
          event: "job submitted",
          jobId: created?.[1] ?? null,
          jobName: submission.jobName,
        },
      );
    }
  } finally {
    await jobService.stop();
  }
}
