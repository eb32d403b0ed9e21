/**
 * End to end: `videoflow listen --runner flink`, the streaming job on a local
 * Apache Flink cluster (Beam's Flink job server), reading the Pub/Sub
 * emulator through the Java Pub/Sub read and writing to the Cloud Storage
 * emulator. One job serves the whole suite (a JVM and a Flink job take 10-20
 * s to start): the cases arrive together, as a bucket sends them, and are
 * checked one by one.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { notificationFor } from "../src/dev/bridge";
import { ListenerProcess } from "../src/dev/listener-process";
import { LocalStack, startLocalStack } from "../src/dev/stack";
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

  const read = async (bucket: string, name: string) => (await stack.storage.bucket(bucket).file(name).download())[0];
  const objects = async (bucket: string, prefix: string) => (await stack.storage.bucket(bucket).getFiles({ prefix }))[0].map((f) => f.name).sort();

  before(async () => {
    clip = makeClip(path.join(dir, "clip.mp4"), { width: 426, height: 240, rate: "25", seconds: 4, audio: true });
    stack = await startLocalStack({ buckets: [IN] });
    listener = new ListenerProcess(
      ["--runner", "flink", "--inputSubscription", stack.subscription, "--output", `gs://${OUT}/videoflow`, "--deadLetterTopic", stack.deadLetterTopic],
      { ...stack.env, VIDEOFLOW_DEBUG: "1" },
    );
    await listener.waitFor((e) => e.event === "listening", "listening", 180000);

    // Act, for every case below: one burst of uploads and notifications, as a bucket sends them.
    const [file] = await stack.storage.bucket(IN).upload(clip, { destination: "cam/one.mp4", contentType: "video/mp4" });
    generation = String(file.metadata.generation);
    const [metadata] = await file.getMetadata();
    await stack.pubsub.topic(stack.topic).publishMessage(notificationFor("finalize", metadata as never)); // the same notification again
    await stack.storage.bucket(IN).file("cam/broken.mp4").save(Buffer.from("not a video at all"), { contentType: "video/mp4" });
    await stack.storage.bucket(IN).file("notes/readme.txt").save("hello", { contentType: "text/plain" });
    await stack.storage.bucket(IN).file("notes/readme.txt").delete();
    await stack.pubsub.topic(stack.topic).publishMessage({ data: Buffer.from("not a notification"), attributes: { hello: "world" } });
  });

  after(async () => {
    await listener?.stop("SIGKILL");
    await stack?.stop();
  });

  it("processes an upload from its notification: gray.mp4, preview and manifest", async () => {
    await listener.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/one.mp4`, "processed", WINDOW_MS);
    const folder = `videoflow/cam/one.mp4/${generation}`;
    assert.deepEqual(await objects(OUT, folder), [`${folder}/gray.mp4`, `${folder}/manifest.json`, `${folder}/preview.jpg`]);
    const manifest = JSON.parse((await read(OUT, `${folder}/manifest.json`)).toString());
    assert.equal(manifest.source, `gs://${IN}/cam/one.mp4#${generation}`);
    assert.equal(manifest.video.frames, 100);
    const gray = path.join(dir, "one-gray.mp4");
    await stack.storage.bucket(OUT).file(`${folder}/gray.mp4`).download({ destination: gray });
    assert.equal(videoFacts(gray).frames, 100);
    assert.ok(maxChromaDeviation(gray, 426, 240) <= 1, "truly gray");
    assert.deepEqual((await read(OUT, `${folder}/preview.jpg`)).subarray(0, 2), Buffer.from([0xff, 0xd8]));
    assert.equal((await objects(OUT, "videoflow/_work")).length, 0, "no work files left");
  });

  it("gives one result for a notification delivered twice", async () => {
    await listener.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/one.mp4`, "processed", WINDOW_MS);
    assert.equal(listener.processed(`gs://${IN}/cam/one.mp4`).length, 1);
    await listener.waitFor((e) => e.event === "duplicate" && e.object === `gs://${IN}/cam/one.mp4`, "the copy found to be a duplicate", WINDOW_MS);
  });

  it("skips what is not a video upload, and dead-letters a broken video and a malformed message", async () => {
    await listener.waitFor((e) => e.event === "skipped" && e.reason === "event OBJECT_DELETE" && e.object === `gs://${IN}/notes/readme.txt`, "skipped delete", WINDOW_MS);
    await listener.waitFor((e) => e.event === "skipped" && String(e.reason).startsWith("not a video") && e.object === `gs://${IN}/notes/readme.txt`, "skipped text", WINDOW_MS);
    const broken = await listener.waitFor((e) => e.event === "dead letter" && String(e.video).startsWith("cam/broken.mp4/"), "dead letter", WINDOW_MS);
    await listener.waitFor((e) => e.event === "dead letter" && String(e.reason).includes("not a Cloud Storage notification"), "malformed", WINDOW_MS);
    const record = JSON.parse((await read(OUT, `videoflow/_deadletter/${broken.video}.json`)).toString());
    assert.equal(record.source.startsWith(`gs://${IN}/cam/broken.mp4#`), true);
    assert.equal(record.stage, "probe");
    assert.equal(listener.processed(`gs://${IN}/cam/broken.mp4`).length, 0);
  });

  it("does not process an upload again when its notification comes back after it was done", async () => {
    await listener.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/one.mp4`, "processed", WINDOW_MS);
    const folder = `videoflow/cam/one.mp4/${generation}`;
    const [before] = await stack.storage.bucket(OUT).file(`${folder}/manifest.json`).getMetadata();
    // Act
    const [metadata] = await stack.storage.bucket(IN).file("cam/one.mp4").getMetadata();
    await stack.pubsub.topic(stack.topic).publishMessage(notificationFor("finalize", metadata as never));
    const from = listener.events.length;
    await listener.waitFor((e) => e.event === "duplicate" && e.object === `gs://${IN}/cam/one.mp4` && listener.events.indexOf(e) >= from, "already processed", WINDOW_MS);
    // Assert
    const [now] = await stack.storage.bucket(OUT).file(`${folder}/manifest.json`).getMetadata();
    assert.equal(now.generation, before.generation, "the manifest was not rewritten");
    assert.equal(listener.processed(`gs://${IN}/cam/one.mp4`).length, 1);
  });

  it("stops on SIGTERM, and nothing it handled is delivered again", async () => {
    // Arrange: Flink acknowledges what it read when its next checkpoint completes; two more make sure.
    const from = listener.events.length;
    const checkpointsSince = () => listener.events.slice(from).filter((e) => e.event === "checkpoint").length;
    await listener.waitFor((e) => e.event === "checkpoint" && checkpointsSince() >= 2, "two checkpoints", WINDOW_MS);
    const code = await listener.stop("SIGTERM");
    const last = listener.events.filter((e) => e.severity !== "DEBUG").slice(-10).map((e) => e.message).join("\n");
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
});
