// Submit a TS pipeline to the Python Dataflow job service (apache-beam 2.49.0),
// working around the SDK's dataflow runner:
//  * build the proto ourselves and turn the "js_default" environment into a
//    DOCKER environment with the given image and NO dependencies, so that
//    PortableRunner skips its `npm pack` + `npm pack apache-beam@2_49_rc` block;
//  * call PortableRunner directly with all options (createRunner().run() drops
//    run()'s options, and runners/dataflow.js overwrites `experiments`);
//  * start the job service from a pinned venv (no bootstrap_beam_venv.py).
// Usage: node submit.js <pipeline-module> [json-options-overrides]
const path = require("path");
require("apache-beam"); // load the index first: deep imports alone hit a circular-import TypeError
const { Pipeline } = require("apache-beam/internal/pipeline");
const { Root } = require("apache-beam/pvalue");
const { PortableRunner } = require("apache-beam/runners/portable_runner/runner");
const { PythonService, ExternalService, SubprocessService } = require("apache-beam/utils/service");
const runnerApi = require("apache-beam/proto/beam_runner_api");
const { JobState_Enum } = require("apache-beam/proto/beam_job_api");

const VENV_PY = process.env.PROBE_PYTHON || "/tmp/dataflow-probe/venv/bin/python";
// Two copies of @grpc/grpc-js: apache-beam's nested 1.6.12 creates the
// ChannelCredentials, the hoisted @protobuf-ts/grpc-transport uses the top-level
// copy (1.14.7 in /work/main, pulled up by @google-cloud/pubsub 5.x) and rejects
// them: "TypeError: Channel credentials must be a ChannelCredentials object".
// Make apache-beam's createInsecure() return the transport's own kind.
function unifyGrpcCredentials() {
  const beamGrpc = require(require.resolve("@grpc/grpc-js", { paths: [path.dirname(require.resolve("apache-beam"))] }));
  const transportGrpc = require(require.resolve("@grpc/grpc-js", { paths: [path.dirname(require.resolve("@protobuf-ts/grpc-transport"))] }));
  if (beamGrpc !== transportGrpc) {
    beamGrpc.ChannelCredentials.createInsecure = () => transportGrpc.ChannelCredentials.createInsecure();
    console.log("[submit] patched apache-beam's grpc-js", beamGrpc.ChannelCredentials === transportGrpc.ChannelCredentials ? "(same)" : "(two copies)");
  }
}
unifyGrpcCredentials();

const JOB_SERVICE_MODULE = process.env.PROBE_JOB_SERVICE_MODULE || "apache_beam.runners.dataflow.dataflow_job_service";

// utils/service.js gives a spawned service 10 s to open its port; the Python
// job service needs 2-3 s idle and 5.3 s measured under load 7 on 2 cores.
class PatientSubprocessService extends SubprocessService {
  async portReady(port, host, timeoutMs, iterMs) {
    return super.portReady(port, host, Math.max(timeoutMs, 60000), iterMs);
  }
}

function dockerizeEnvironments(proto, image) {
  for (const [id, env] of Object.entries(proto.components.environments)) {
    if (env.urn === "js_default") {
      proto.components.environments[id] = {
        ...env,
        urn: "beam:env:docker:v1",
        payload: runnerApi.DockerPayload.toBinary({ containerImage: image }),
        dependencies: [], // nothing staged: the image has the app installed
      };
    }
  }
  return proto;
}

async function submit(pipelineFn, options) {
  const t0 = Date.now();
  const p = new Pipeline();
  await pipelineFn(new Root(p));
  const proto = dockerizeEnvironments(runnerApi.Pipeline.clone(p.getProto()), options.sdkContainerImage);
  const jobService = process.env.PROBE_JOB_ENDPOINT
    ? new ExternalService(process.env.PROBE_JOB_ENDPOINT)
    : process.env.PROBE_JOB_SERVICE_SCRIPT
    ? new PatientSubprocessService(VENV_PY, ["-u", process.env.PROBE_JOB_SERVICE_SCRIPT, "--port", "{{PORT}}",
        "--staging_dir", "/tmp/dataflow-probe/jobservice-staging"], "vf_dataflow_job_service")
    : new PythonService(VENV_PY, JOB_SERVICE_MODULE,
        ["--port", "{{PORT}}", "--staging_dir", "/tmp/dataflow-probe/jobservice-staging"]);
  const runner = new PortableRunner(options, jobService);
  let state;
  try {
    const result = await runner.runPipeline(proto);
    console.log(`[submit] job ${result.jobId} submitted after ${Date.now() - t0} ms`);
    state = await result.waitUntilFinish(Number(process.env.PROBE_WAIT_MS || 60000));
    console.log(`[submit] state ${JobState_Enum[state]} after ${Date.now() - t0} ms`);
  } finally {
    // On errors (and non-terminal states) the spawned Python child keeps Node alive.
    if (!PortableRunnerIsTerminal(state) && jobService.process) jobService.process.kill();
  }
  return state;
}
function PortableRunnerIsTerminal(s) {
  return [JobState_Enum.DONE, JobState_Enum.FAILED, JobState_Enum.CANCELLED, JobState_Enum.UPDATED, JobState_Enum.DRAINED].includes(s);
}

const baseOptions = {
  project: "vf-check",
  region: "us-central1",
  tempLocation: "/tmp/dataflow-probe/temp",
  stagingLocation: "/tmp/dataflow-probe/staging",
  sdkContainerImage: "us-docker.pkg.dev/vf-check/videoflow/videoflow:test",
  templateLocation: "/tmp/dataflow-probe/job.json",
  experiments: ["use_runner_v2", "use_portable_job_submission"],
  streaming: true,
  noAuth: true,
};

if (require.main === module) {
  const mod = require(path.resolve(process.argv[2]));
  const options = { ...baseOptions, ...(mod.options || {}), ...JSON.parse(process.argv[3] || "{}") };
  for (const k of Object.keys(options)) if (options[k] === null) delete options[k];
  submit(mod.pipeline, options).then(
    (s) => { process.exitCode = s === JobState_Enum.DONE ? 0 : 2; },
    (e) => { console.error("[submit] failed:", e); process.exitCode = 1; });
}
module.exports = { submit, dockerizeEnvironments, baseOptions };
