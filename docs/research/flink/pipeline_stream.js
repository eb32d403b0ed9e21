// Q4: readFromPubSub (Java, expanded by the service in BEAM_SERVICE_OVERRIDES) -> decode ->
// windowInto(fixedWindows) -> groupBy -> map writing to a file, on the Flink job server.
// Usage: node pipeline_stream.js <jobEndpoint> <subscriptionPath> <outFile> [windowSec] [checkpointMs|0] [LOOPBACK|PROCESS]
const t0 = Date.now();
const beam = require("apache-beam");
const { readFromPubSub } = require("apache-beam/io/pubsub");
const steps = require("probe-steps");
const { RewritingRunner } = require("./process_env");

const [endpoint, subscription, outFile, windowSec = "10", checkpointMs = "5000", tsEnv = "LOOPBACK"] = process.argv.slice(2);

async function pipeline(root) {
  const dec = (b) => steps.decodeMessage(b);
  dec.__closure = () => ({ steps });
  const keyFn = (e) => e.key;
  const write = (kv, ctx) => steps.writeWindowed(outFile, kv, ctx.win.lookup(), ctx.ts.lookup());
  write.__closure = () => ({ steps, outFile });
  // withAttributes -> Java ExternalRead.Configuration.setWithAttributes (TS's own
  // readFromPubSubWithAttributes sends needsAttributes, which 2.49's Java side rejects).
  const msgs = await root.applyAsync(readFromPubSub({ subscription, withAttributes: true }));
  return msgs
    .map(beam.withName("decode", dec))
    .apply(beam.windowInto(beam.fixedWindows(Number(windowSec))))
    .apply(beam.groupBy(keyFn))
    .map(beam.withName("write", write), { win: beam.windowParam(), ts: beam.timestampParam() });
}

(async () => {
  const opts = { jobEndpoint: endpoint, jobName: "probe-stream", pubsubRootUrl: process.env.PUBSUB_ROOT_URL || "http://127.0.0.1:8085", parallelism: 1 };
  if (Number(checkpointMs) > 0) {
    opts.checkpointingInterval = Number(checkpointMs);
    // The default memory checkpoint storage (5 MB cap) overflows: "Size of the state is larger than the
    // maximum permitted memory-backed state. Size=5676662, maxSize=5242880".
    opts.stateBackend = "filesystem";
    opts.stateBackendStoragePath = "file:///tmp/flink-probe/checkpoints";
  }
  Object.assign(opts, JSON.parse(process.env.STREAM_OPTS || "{}"));
  if (tsEnv === "LOOPBACK") opts.environmentType = "LOOPBACK";
  const runner = new RewritingRunner(opts, { ts: tsEnv, command: "/tmp/flink-probe/boot.sh", java: "EMBEDDED" });
  const tA = Date.now();
  const result = await runner.runAsync(pipeline);
  console.log(`[probe] submitted ${result.jobId} in ${Date.now() - tA} ms (setup ${tA - t0} ms) at ${new Date().toISOString()}`);
  if (process.env.SUBMIT_ONLY) {
    // PROCESS environment: nothing runs in this process, so it may exit right after submission.
    console.log(`[probe] submit-only: returning; active handles ${JSON.stringify(process._getActiveHandles().map((h) => h.constructor.name))}`);
    return;
  }
  const { JobState_Enum } = require("apache-beam/proto/beam_job_api");
  let last;
  const stop = async () => { console.log("[probe] cancelling"); await result.cancel(); console.log("[probe] cancelled"); process.exit(0); };
  process.on("SIGTERM", stop); process.on("SIGINT", stop);
  for (;;) {
    const { state } = await result.getState();
    if (state !== last) { console.log(`[probe] state ${JobState_Enum[state]} at ${new Date().toISOString()}`); last = state; }
    if ([JobState_Enum.DONE, JobState_Enum.FAILED, JobState_Enum.CANCELLED].includes(state)) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  process.exit(0);
})().catch((e) => { console.error("[probe] error", e); process.exit(2); });
