/**
 * End to end: `videoflow listen --runner flink`, the streaming job on a local
 * Apache Flink cluster (Beam's Flink job server), reading the Pub/Sub
 * emulator through the Java Pub/Sub read and writing to the Cloud Storage
 * emulator (through a proxy that fails some calls, as Cloud Storage sometimes
 * does), with a real model that is unavailable at first. One job serves the
 * whole suite (a JVM and a Flink job take 10-20 s to start): the cases arrive
 * together, as a bucket sends them, and are checked one by one.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { FaultProxy, startFaultProxy } from "../dev/fault-proxy";
import { ListenerProcess } from "../dev/listener-process";
import { ModelServer, startModelServer } from "../dev/model-server";
import { LocalStack, NotificationRecorder, startLocalStack } from "../dev/stack";
import { makeClip, maxChromaDeviation, tempDir, videoFacts } from "./helpers";

const IN = "uploads-bucket";
const OUT = "results-bucket";
/** How long the job may take to get to a message: Flink acknowledges and reads on its own schedule, then the work. */
const WINDOW_MS = 3 * 60 * 1000;

describe("videoflow listen --runner flink on the local stack", () => {
  const dir = tempDir();
  let stack: LocalStack;
  let listener: ListenerProcess;
  let clip: string;
  let generation: string;
  let uploads: NotificationRecorder;
  let proxy: FaultProxy;
  let model: ModelServer;
  const publishAgain = (m: { data: Buffer; attributes: Record<string, string> }) =>
    stack.pubsub.topic(stack.topic).publishMessage({ data: m.data, attributes: m.attributes });

  const read = async (bucket: string, name: string) => (await stack.storage.bucket(bucket).file(name).download())[0];
  const objects = async (bucket: string, prefix: string) =>
    (await stack.storage.bucket(bucket).getFiles({ prefix }))[0].map((f) => f.name).sort();

  before(async () => {
    clip = makeClip(path.join(dir, "clip.mp4"), { width: 426, height: 240, rate: "25", seconds: 4, audio: true });
    stack = await startLocalStack({ inputBuckets: [IN], buckets: [OUT] });
    uploads = await stack.recordNotifications(IN);
    proxy = await startFaultProxy(stack.env.STORAGE_EMULATOR_HOST);
    model = await startModelServer();
    listener = new ListenerProcess(
      [
        "--runner",
        "flink",
        "--inputSubscription",
        stack.subscription,
        "--output",
        `gs://${OUT}/videoflow`,
        "--deadLetterTopic",
        stack.deadLetterTopic,
        "--predictionEndpoint",
        model.predictUrl,
        "--inferenceFps",
        "2",
      ],
      { ...stack.env, STORAGE_EMULATOR_HOST: proxy.url, VIDEOFLOW_DEBUG: "1" },
    );
    await listener.waitFor((e) => e.event === "listening", "listening", 180000);

    // Passing trouble, each worth a retry: two of the first video's segment uploads and its first manifest lookup
    // fail, and the model answers its first three requests with 503.
    proxy.inject(
      { method: "POST", path: /videoflow%2F_work%2Fcam%2Fone\.mp4%2F/, status: 503, times: 2 },
      { method: "GET", path: /videoflow%2Fcam%2Fone\.mp4%2F\d+%2Fmanifest\.json/, status: "reset" },
    );
    model.setFaults({ failNext: { count: 3, status: 503 } });
    // Act, for every case below: one burst of uploads and notifications, as a bucket sends them.
    const [file] = await stack.storage.bucket(IN).upload(clip, { destination: "cam/one.mp4", contentType: "video/mp4", resumable: false });
    generation = String(file.metadata.generation);
    await publishAgain(await uploads.next("cam/one.mp4")); // the same notification again
    await stack.storage
      .bucket(IN)
      .file("cam/broken.mp4")
      .save(Buffer.from("not a video at all"), { contentType: "video/mp4", resumable: false });
    await stack.storage.bucket(IN).file("notes/readme.txt").save("hello", { contentType: "text/plain", resumable: false });
    await stack.storage.bucket(IN).file("notes/readme.txt").delete();
    await stack.pubsub.topic(stack.topic).publishMessage({ data: Buffer.from("not a notification"), attributes: { hello: "world" } });
  });

  after(async () => {
    await listener?.stop("SIGKILL");
    await proxy?.stop();
    await model?.stop();
    await stack?.stop();
  });

  it("processes an upload from its notification: gray.mp4, predictions, preview and manifest", async () => {
    await listener.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/one.mp4`, "processed", WINDOW_MS);
    const folder = `videoflow/cam/one.mp4/${generation}`;
    assert.deepEqual(
      await objects(OUT, folder),
      ["gray.mp4", "manifest.json", "predictions.jsonl", "preview.jpg"].map((f) => `${folder}/${f}`),
    );
    const manifest = JSON.parse((await read(OUT, `${folder}/manifest.json`)).toString());
    assert.equal(manifest.source, `gs://${IN}/cam/one.mp4#${generation}`);
    assert.equal(manifest.video.frames, 100);
    assert.equal(manifest.inference.framesPredicted, 8);
    assert.equal(manifest.inference.framesFailed, 0);
    const gray = path.join(dir, "one-gray.mp4");
    await stack.storage.bucket(OUT).file(`${folder}/gray.mp4`).download({ destination: gray });
    assert.equal(videoFacts(gray).frames, 100);
    assert.ok(maxChromaDeviation(gray, 426, 240) <= 1, "truly gray");
    assert.deepEqual((await read(OUT, `${folder}/preview.jpg`)).subarray(0, 2), Buffer.from([0xff, 0xd8]));
    assert.equal((await objects(OUT, "videoflow/_work")).length, 0, "no work files left");
  });

  it("retried the passing storage and endpoint failures: one result, no dead letter", async () => {
    await listener.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/one.mp4`, "processed", WINDOW_MS);
    assert.equal(proxy.injected().length, 3, "every storage fault was met");
    assert.deepEqual(
      model.requests.slice(0, 3).map((r) => r.status),
      [503, 503, 503],
    );
    assert.ok(listener.count("retry") >= 4, `retry events: ${listener.count("retry")}`);
    assert.equal(listener.events.filter((e) => e.event === "dead letter" && String(e.video).startsWith("cam/one.mp4/")).length, 0);
  });

  it("gives one result for a notification delivered twice", async () => {
    await listener.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/one.mp4`, "processed", WINDOW_MS);
    assert.equal(listener.processed(`gs://${IN}/cam/one.mp4`).length, 1);
    await listener.waitFor(
      (e) => e.event === "duplicate" && e.object === `gs://${IN}/cam/one.mp4`,
      "the copy found to be a duplicate",
      WINDOW_MS,
    );
  });

  it("skips what is not a video upload, and dead-letters a broken video and a malformed message", async () => {
    await listener.waitFor(
      (e) => e.event === "skipped" && e.reason === "event OBJECT_DELETE" && e.object === `gs://${IN}/notes/readme.txt`,
      "skipped delete",
      WINDOW_MS,
    );
    await listener.waitFor(
      (e) => e.event === "skipped" && String(e.reason).startsWith("not a video") && e.object === `gs://${IN}/notes/readme.txt`,
      "skipped text",
      WINDOW_MS,
    );
    const broken = await listener.waitFor(
      (e) => e.event === "dead letter" && String(e.video).startsWith("cam/broken.mp4/"),
      "dead letter",
      WINDOW_MS,
    );
    await listener.waitFor(
      (e) => e.event === "dead letter" && String(e.reason).includes("not a Cloud Storage notification"),
      "malformed",
      WINDOW_MS,
    );
    const record = JSON.parse((await read(OUT, `videoflow/_deadletter/${broken.video}.json`)).toString());
    assert.equal(record.source.startsWith(`gs://${IN}/cam/broken.mp4#`), true);
    assert.equal(record.stage, "probe");
    assert.deepEqual(
      record.notification.attributes,
      (await uploads.next("cam/broken.mp4")).attributes,
      "the record keeps the notification",
    );
    assert.equal(listener.processed(`gs://${IN}/cam/broken.mp4`).length, 0);
  });

  it("does not process an upload again when its notification comes back after it was done", async () => {
    await listener.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/one.mp4`, "processed", WINDOW_MS);
    const folder = `videoflow/cam/one.mp4/${generation}`;
    const [before] = await stack.storage.bucket(OUT).file(`${folder}/manifest.json`).getMetadata();
    // Act
    await publishAgain(await uploads.next("cam/one.mp4"));
    const from = listener.events.length;
    await listener.waitFor(
      (e) => e.event === "duplicate" && e.object === `gs://${IN}/cam/one.mp4` && listener.events.indexOf(e) >= from,
      "already processed",
      WINDOW_MS,
    );
    // Assert
    const [now] = await stack.storage.bucket(OUT).file(`${folder}/manifest.json`).getMetadata();
    assert.equal(now.generation, before.generation, "the manifest was not rewritten");
    assert.equal(listener.processed(`gs://${IN}/cam/one.mp4`).length, 1);
  });

  it("counts what became of the notifications in Beam metrics, which Flink's REST API shows", async () => {
    // Arrange: every case above is done (the redelivered copy was the last).
    await listener.waitFor(
      (e) => e.event === "duplicate" && e.object === `gs://${IN}/cam/one.mp4` && e.reason === undefined && listener.count("duplicate") >= 2,
      "both copies",
      WINDOW_MS,
    );
    const ui = String((await listener.waitFor((e) => e.event === "flink web ui", "Flink's address")).url);
    // What the job logged, one event per notification or upload, is what its counters must say.
    const logged = (event: string, also: (e: Record<string, unknown>) => boolean = () => true) =>
      listener.events.filter((e) => e.event === event && also(e));
    const expected: Record<string, number> = {
      uploads_processed: logged("processed").length,
      frames_processed: 100 * logged("processed").length,
      notifications_skipped: logged("skipped").length,
      duplicate_notifications: logged("duplicate").reduce((n, e) => n + Number(e.deliveries), 0),
      dead_lettered_probe: logged("dead letter", (e) => e.stage === "probe").length,
      dead_lettered_notification: logged("dead letter", (e) => e.stage === "notification").length,
    };
    assert.deepEqual(
      { processed: expected.uploads_processed, probe: expected.dead_lettered_probe, notification: expected.dead_lettered_notification },
      { processed: 1, probe: 1, notification: 1 },
    );
    // Act: Flink refreshes what its REST API shows every few seconds.
    let seen: Record<string, number | string> = {};
    for (const deadline = Date.now() + 60000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 2000))) {
      seen = await flinkUserMetrics(ui);
      if (Object.entries(expected).every(([name, value]) => seen[name] === value)) break;
    }
    // Assert
    const story = listener.events
      .filter((e) => ["skipped", "duplicate"].includes(String(e.event)))
      .map((e) => e.message)
      .join("\n");
    for (const [name, value] of Object.entries(expected)) assert.equal(seen[name], value, `${name}: ${JSON.stringify(seen)}\n${story}`);
    assert.match(String(seen.processing_ms_per_video), /count=1\b/, JSON.stringify(seen));
  });

  it("stops on SIGTERM, and nothing it handled is delivered again", async () => {
    // Arrange: Flink acknowledges what it read when its next checkpoint completes; two more make sure.
    const from = listener.events.length;
    const checkpointsSince = () => listener.events.slice(from).filter((e) => e.event === "checkpoint").length;
    // (And at least four in all, for the state's size below.)
    const checkpoints = () => listener.events.filter((e) => e.event === "checkpoint").length;
    await listener.waitFor((e) => e.event === "checkpoint" && checkpointsSince() >= 2 && checkpoints() >= 4, "two checkpoints", WINDOW_MS);
    const code = await listener.stop("SIGTERM");
    const last = listener.events
      .filter((e) => e.severity !== "DEBUG")
      .slice(-10)
      .map((e) => e.message)
      .join("\n");
    assert.equal(code, 0, `exit status; the last it said:\n${last}\n${listener.stderr}`);
    assert.ok(listener.events.some((e) => e.event === "stopped"));
    // The subscription's ack deadline is 10 s: anything not acknowledged would be back by now.
    await new Promise((r) => setTimeout(r, 12000));
    const subscription = stack.pubsub.subscription(stack.subscription);
    const redelivered: string[] = [];
    subscription.on("message", (m) => {
      redelivered.push(m.data.toString().slice(0, 80));
      m.ack();
    });
    await new Promise((r) => setTimeout(r, 3000));
    await subscription.close();
    assert.deepEqual(redelivered, []);
  });

  it("keeps its checkpointed state flat (Flink's own read, not the splittable one of apache/beam#27648)", () => {
    const sizes = listener.events.filter((e) => e.event === "checkpoint").map((e) => Number(e.stateBytes));
    const story = listener.events
      .filter((e) => /checkpoint/i.test(e.message))
      .map((e) => `${e.time} ${e.message.slice(0, 200)}`)
      .join("\n");
    assert.ok(sizes.length >= 4, `${sizes.length} checkpoints:\n${story}`);
    // The splittable read grew by about 0.7 MB a checkpoint from the first one on.
    assert.ok(Math.max(...sizes) <= sizes[0] + 200_000, `state bytes by checkpoint: ${sizes.join(", ")}`);
  });
});

/**
 * The running job's user metrics as Flink's REST API reports them, summed
 * over its vertices and subtasks, by metric name (the part after the step).
 */
async function flinkUserMetrics(ui: string): Promise<Record<string, number | string>> {
  const get = async (p: string) => (await fetch(`${ui}${p}`)).json() as Promise<any>;
  const { jobs } = await get("/jobs");
  const job = jobs.find((j: { status: string }) => j.status === "RUNNING");
  if (!job) return {};
  const { vertices } = await get(`/jobs/${job.id}`);
  const sums: Record<string, number | string> = {};
  for (const vertex of vertices) {
    const ids = ((await get(`/jobs/${job.id}/vertices/${vertex.id}/metrics`)) as Array<{ id: string }>).map((m) => m.id);
    const wanted = ids.filter((id) =>
      /uploads_processed|frames_processed|dead_lettered_|notifications_skipped|duplicate_notifications|processing_ms_per_video/.test(id),
    );
    if (wanted.length === 0) continue;
    const values = (await get(`/jobs/${job.id}/vertices/${vertex.id}/metrics?get=${wanted.map(encodeURIComponent).join(",")}`)) as Array<{
      id: string;
      value: string;
    }>;
    for (const { id, value } of values) {
      const name = id
        .replace(/^\d+\./, "")
        .replace(
          /^.*?(uploads_processed|frames_processed|dead_lettered_\w+|notifications_skipped|duplicate_notifications|processing_ms_per_video.*)$/,
          "$1",
        );
      // A distribution's value is its summary as text (Beam's DistributionResult).
      sums[name] = Number.isFinite(Number(value)) ? Number(sums[name] ?? 0) + Number(value) : value;
    }
  }
  return sums;
}
