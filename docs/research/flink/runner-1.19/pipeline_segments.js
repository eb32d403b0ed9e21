// The videoflow "segments" streaming shape (pipeline.ts: processUploads + processVideos) with trivial step bodies:
// read(Java, job server's expansion) -> perVideoWindows(fixed 1 s) -> decide -> split{ok,failed,skipped}
//   ok -> byUpload(GBK key) -> copies -> oneAttemptPerUpload -> split{ok,skipped} -> probe(async) -> split{ok,failed}
//   ok -> planSegments(flatMap) -> redistributeSegments(reshuffle = GBK random key) -> processSegment(async)
//   -> regroupByVideo(GBK) -> assemble -> split{ok,failed}; failures flatten -> deadLetter; outcomes flatten -> announce(write file)
// Usage: node pipeline_segments.js <jobEndpoint> <expansionAddr> <subscriptionPath> <outFile>
const beam = require("apache-beam");
const { rawExternalTransform } = require("apache-beam/transforms/external");
const { reshuffle } = require("apache-beam/transforms/utils");
const steps = require("probe-steps");
const { RewritingRunner } = require("./process_env");
const [endpoint, expansion, subscription, outFile] = process.argv.slice(2);
const s = steps.seg;
function f(name, fn) { fn.__closure = () => ({ steps, s, outFile }); return beam.withName(name, fn); }

async function pipeline(root) {
  const msgs = await root.applyAsync(beam.withName("readNotifications", rawExternalTransform("beam:transform:org.apache.beam:pubsub_read:v1", { subscription, with_attributes: true }, expansion)));
  const decided = msgs
    .apply(beam.withName("perVideoWindows", beam.windowInto(beam.fixedWindows(1))))
    .map(f("decide", (b) => steps.seg.decide(b)))
    .apply(beam.withName("routeNotifications", beam.split(["ok", "failed", "skipped"])));
  const uploads = decided.ok
    .apply(beam.withName("byUpload", beam.groupBy(f("uploadKey", (a) => a.key))))
    .map(f("copies", (g) => steps.seg.copies(g)))
    .map(f("oneAttemptPerUpload", (c) => steps.seg.oneAttempt(c)))
    .apply(beam.withName("routeUploads", beam.split(["ok", "skipped"])));
  const probed = uploads.ok.map(f("probe", (v) => steps.seg.probe(v))).apply(beam.withName("routeProbed", beam.split(["ok", "failed"])));
  const assembled = probed.ok
    .flatMap(f("planSegments", (v) => steps.seg.plan(v)))
    .apply(beam.withName("redistributeSegments", reshuffle()))
    .map(f("processSegment", (t) => steps.seg.processSegment(t)))
    .apply(beam.withName("regroupByVideo", beam.groupBy(f("videoKey", (d) => steps.seg.groupKey(d)))))
    .map(f("assemble", (g) => steps.seg.assemble(g)))
    .apply(beam.withName("routeAssembled", beam.split(["ok", "failed"])));
  const dead = beam.P([probed.failed, assembled.failed]).apply(beam.withName("failures", beam.flatten())).map(f("writeDeadLetter", (x) => steps.seg.deadLetter(x)));
  const processed = beam.P([assembled.ok, dead]).apply(beam.withName("outcomes", beam.flatten()));
  const rejected = decided.failed.map(f("writeRejectedNotification", (x) => steps.seg.deadLetter(x)));
  return beam.P([processed, rejected]).apply(beam.withName("uploadOutcomes", beam.flatten()))
    .map(f("announce", (o, ctx) => steps.seg.writeOutcome(outFile, o, ctx.win.lookup())), { win: beam.windowParam() });
}

(async () => {
  const opts = { jobEndpoint: endpoint, jobName: "probe119-segments", pubsubRootUrl: "http://127.0.0.1:18085", parallelism: 1, streaming: true, environmentType: "LOOPBACK",
    checkpointingInterval: 5000, stateBackend: "filesystem", stateBackendStoragePath: "file:///tmp/flink119/checkpoints" };
  Object.assign(opts, JSON.parse(process.env.STREAM_OPTS || "{}"));
  const result = await new RewritingRunner(opts, { ts: "LOOPBACK", java: "EMBEDDED" }).runAsync(pipeline);
  console.log(`[probe] submitted ${result.jobId} at ${new Date().toISOString()}`);
  const { JobState_Enum } = require("apache-beam/proto/beam_job_api");
  let last;
  const stop = async () => { console.log("[probe] cancelling"); await result.cancel().catch(() => {}); process.exit(0); };
  process.on("SIGTERM", stop); process.on("SIGINT", stop);
  for (;;) {
    const { state } = await result.getState();
    if (state !== last) { console.log(`[probe] state ${JobState_Enum[state]} at ${new Date().toISOString()}`); last = state; }
    if ([JobState_Enum.DONE, JobState_Enum.FAILED, JobState_Enum.CANCELLED].includes(state)) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  process.exit(0);
})().catch((e) => { console.error("[probe] error", e); process.exit(2); });
