// Q2/Q3: create -> map -> async map -> groupBy -> map writing a file, on a Flink job server.
// Usage: node pipeline_batch.js <jobEndpoint> <outFile> [LOOPBACK|PROCESS] [bootCommand]
const t0 = Date.now();
const beam = require("apache-beam");
const { PortableRunner } = require("apache-beam/runners/portable_runner/runner");
const steps = require("probe-steps");
const { ProcessRunner } = require("./process_env");

const [endpoint = "localhost:8099", outFile = "/tmp/flink-probe/out/batch.jsonl", envType = "LOOPBACK", bootCmd = "/tmp/flink-probe/boot.sh"] = process.argv.slice(2);

function pipeline(root) {
  const words = ["apple", "avocado", "banana", "blueberry", "cherry"];
  const f1 = (w) => steps.toRecord(w); // Buffer is a native-backed global: only reachable through a registered module
  f1.__closure = () => ({ steps });
  const f2 = (e) => steps.tag(e);
  f2.__closure = () => ({ steps });
  const f3 = (e) => steps.slowUpper(e); // returns a Promise: needs the project's patch
  f3.__closure = () => ({ steps });
  const f4 = (kv) => steps.writeGroup(outFile, kv);
  f4.__closure = () => ({ steps, outFile });
  const keyFn = (e) => e.key;
  return root
    .apply(beam.create(words))
    .map(beam.withName("toRecord", f1))
    .map(beam.withName("tag", f2))
    .map(beam.withName("slowUpper", f3))
    .apply(beam.groupBy(keyFn))
    .map(beam.withName("write", f4));
}

(async () => {
  const opts = { jobEndpoint: endpoint, jobName: "probe-batch-" + envType.toLowerCase() };
  if (envType === "LOOPBACK") opts.environmentType = "LOOPBACK"; // an undefined option value breaks Struct.fromJson
  const runner = envType === "PROCESS" ? new ProcessRunner(opts, bootCmd, JSON.parse(process.env.BOOT_ENV || "{}")) : new PortableRunner(opts);
  const tA = Date.now();
  const result = await runner.runAsync(pipeline);
  const tB = Date.now();
  console.log(`[probe] submitted job ${result.jobId} in ${tB - tA} ms (require+setup ${tA - t0} ms)`);
  const state = await result.waitUntilFinish();
  const tC = Date.now();
  const { JobState_Enum } = require("apache-beam/proto/beam_job_api");
  console.log(`[probe] final state ${JobState_Enum[state]} after ${tC - tB} ms (total ${tC - t0} ms)`);
  // run() would have thrown for a non-DONE state; runAsync leaves the completion callbacks
  // (loopback worker pool stop) to getState() of a terminal state, which waitUntilFinish called.
  process.exitCode = state === JobState_Enum.DONE ? 0 : 1;
  const handles = process._getActiveHandles().map((h) => h.constructor.name);
  console.log(`[probe] active handles after finish: ${JSON.stringify(handles)}`);
})().catch((e) => { console.error("[probe] error", e); process.exitCode = 2; });
