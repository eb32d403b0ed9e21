// PortableRunner subclasses that rewrite the pipeline proto's environments before submission:
//  - ts: "LOOPBACK" (leave js_default to the base runner, which needs options.environmentType=LOOPBACK)
//        or "PROCESS" (beam:env:process:v1 with ProcessPayload{command}; Flink starts the worker);
//  - java: "EMBEDDED" turns every Java environment produced by an expansion service (DOCKER
//        apache/beam_java*_sdk, or the expansion service's EMBEDDED) into Flink's in-JVM
//        "EMBEDDED" environment and drops its ~200 jar dependencies (already on the job server's class path).
const { PortableRunner } = require("apache-beam/runners/portable_runner/runner");
const runnerApi = require("apache-beam/proto/beam_runner_api");
const environments = require("apache-beam/internal/environments");

function rewriteEnvironments(pipelineProto, { ts = "LOOPBACK", command, env = {}, java = "keep" } = {}) {
  const p = runnerApi.Pipeline.clone(pipelineProto);
  for (const [id, e] of Object.entries(p.components.environments)) {
    if (e.urn === environments.TYPESCRIPT_DEFAULT_ENVIRONMENT_URN) {
      if (ts === "PROCESS") {
        p.components.environments[id] = {
          ...e,
          urn: "beam:env:process:v1",
          payload: runnerApi.ProcessPayload.toBinary({ os: "", arch: "", command, env }),
        };
      }
    } else if (java === "EMBEDDED") {
      const isJavaDocker = e.urn === "beam:env:docker:v1" && /beam_java/.test(runnerApi.DockerPayload.fromBinary(e.payload).containerImage);
      if (isJavaDocker || e.urn === "EMBEDDED" || e.urn === "beam:env:embedded:v1") {
        p.components.environments[id] = { ...e, urn: "EMBEDDED", payload: new Uint8Array(), dependencies: [] };
      }
    }
  }
  return p;
}

class RewritingRunner extends PortableRunner {
  constructor(options, rewrite) {
    super(options);
    this.rewrite = rewrite;
  }
  async runPipeline(pipelineProto, options) {
    const p = rewriteEnvironments(pipelineProto, this.rewrite);
    if (process.env.DUMP_ENVS) for (const [id, e] of Object.entries(p.components.environments)) console.log("[env]", id, e.urn, "deps", e.dependencies.length);
    return this.runPipelineWithProto(p, options);
  }
}

class ProcessRunner extends RewritingRunner {
  constructor(options, command, env = {}) {
    super(options, { ts: "PROCESS", command, env });
  }
}
module.exports = { ProcessRunner, RewritingRunner, rewriteEnvironments };
