/**
 * End to end on the local stack: real Pub/Sub emulator, Cloud Storage
 * emulator and bridge, and the real `videoflow listen` as a child process.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { notificationFor } from "../src/dev/bridge";
import { LocalStack, startLocalStack } from "../src/dev/stack";
import { makeClip, tempDir, videoFacts, everyNth } from "./helpers";
import { ListenerProcess } from "../src/dev/listener-process";
import { startModelServer } from "../src/dev/model-server";

const IN = "uploads-bucket";
const OUT = "results-bucket";
/** A bucket whose uploads the bridge does not announce: the tests publish its notifications themselves. */
const QUIET = "quiet-bucket";

describe("videoflow listen on the local stack", () => {
  const dir = tempDir();
  let stack: LocalStack;
  let listener: ListenerProcess;
  let clip: string;
  let longClip: string;

  const listen = (output = `gs://${OUT}/videoflow`, subscription = stack.subscription) =>
    new ListenerProcess(
      ["--inputSubscription", subscription, "--output", output, "--deadLetterTopic", stack.deadLetterTopic, "--maxInFlight", "4"],
      { ...stack.env, VIDEOFLOW_DEBUG: "1" },
    );

  async function download(uri: string, file: string): Promise<string> {
    const match = /^gs:\/\/([^/]+)\/(.*)$/.exec(uri)!;
    await stack.storage.bucket(match[1]).file(match[2]).download({ destination: file });
    return file;
  }

  async function objects(bucket: string, prefix: string): Promise<string[]> {
    const [files] = await stack.storage.bucket(bucket).getFiles({ prefix });
    return files.map((f) => f.name).sort();
  }

  /** The dead-letter messages published so far (read for 1.5 s from a subscription on the topic). */
  async function deadLetterMessages(): Promise<Array<Record<string, unknown>>> {
    const subscription = stack.pubsub.subscription(stack.deadLetterSubscription);
    const got: Array<Record<string, unknown>> = [];
    subscription.on("message", (m) => {
      got.push({ ...JSON.parse(m.data.toString()), attributes: m.attributes });
      m.ack();
    });
    await new Promise((r) => setTimeout(r, 1500));
    await subscription.close();
    return got;
  }

  before(async () => {
    clip = makeClip(path.join(dir, "clip.mp4"), { width: 426, height: 240, rate: "25", seconds: 4, audio: true });
    longClip = makeClip(path.join(dir, "long.mp4"), { width: 640, height: 360, rate: "30", seconds: 40 });
    stack = await startLocalStack({ buckets: [IN] });
    listener = listen();
    await listener.waitFor((e) => e.event === "listening", "listening");
  });

  after(async () => {
    await listener?.stop("SIGKILL");
    await stack?.stop();
  });

  it("processes an upload from its notification: gray.mp4, preview and manifest, keyed by generation", async () => {
    // Act
    const [file] = await stack.storage.bucket(IN).upload(clip, { destination: "cam/one.mp4", contentType: "video/mp4" });
    const generation = String(file.metadata.generation);
    const processed = await listener.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/one.mp4`, "processed");
    // Assert
    const folder = `videoflow/cam/one.mp4/${generation}`;
    assert.deepEqual(await objects(OUT, folder), [`${folder}/gray.mp4`, `${folder}/manifest.json`, `${folder}/preview.jpg`]);
    const manifest = JSON.parse((await stack.storage.bucket(OUT).file(`${folder}/manifest.json`).download())[0].toString());
    assert.equal(manifest.source, `gs://${IN}/cam/one.mp4#${generation}`);
    assert.equal(manifest.video.frames, 100);
    const gray = await download(manifest.outputs.grayVideo, path.join(dir, "one-gray.mp4"));
    assert.equal(videoFacts(gray).frames, 100);
    assert.ok(typeof processed.latencySec === "number" && processed.latencySec > 0);
    assert.equal((await objects(OUT, "videoflow/_work")).length, 0, "no work files left");
  });

  it("gives one result for a notification delivered twice", async () => {
    const [file] = await stack.storage.bucket(IN).upload(clip, { destination: "cam/twice.mp4", contentType: "video/mp4" });
    await listener.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/twice.mp4`, "first result");
    const folder = `videoflow/cam/twice.mp4/${file.metadata.generation}`;
    const first = (await stack.storage.bucket(OUT).file(`${folder}/manifest.json`).download())[0].toString();
    // Act: the same notification again, as Pub/Sub may deliver it.
    const [metadata] = await file.getMetadata();
    const again = notificationFor("finalize", metadata as never);
    await stack.pubsub.topic(stack.topic).publishMessage(again);
    await listener.waitFor((e) => e.event === "duplicate" && e.object === `gs://${IN}/cam/twice.mp4`, "duplicate");
    // Assert
    const second = (await stack.storage.bucket(OUT).file(`${folder}/manifest.json`).download())[0].toString();
    assert.equal(second, first, "the manifest was not rewritten");
    assert.equal(listener.events.filter((e) => e.event === "processed" && e.object === `gs://${IN}/cam/twice.mp4`).length, 1);
  });

  it("acknowledges and counts what is not a video upload, and dead-letters what never will succeed", async () => {
    const before = { ...countsOf(listener) };
    // Arrange / Act: a text file, a delete, a malformed message, and a notification for an object that is gone.
    await stack.storage.bucket(IN).file("notes/readme.txt").save("hello", { contentType: "text/plain" });
    await stack.storage.bucket(IN).file("notes/readme.txt").delete();
    await stack.pubsub.topic(stack.topic).publishMessage({ data: Buffer.from("not a notification"), attributes: { hello: "world" } });
    await stack.pubsub.topic(stack.topic).publishMessage(
      notificationFor("finalize", { name: "cam/gone.mp4", bucket: IN, generation: "123", contentType: "video/mp4" }),
    );
    await listener.waitFor((e) => e.event === "dead letter" && String(e.source).includes("cam/gone.mp4"), "dead letter for the missing object");
    await listener.waitFor((e) => e.event === "dead letter" && String(e.reason).includes("not a Cloud Storage notification"), "dead letter for the malformed message");
    await listener.waitFor((e) => e.event === "skipped" && e.reason === "event OBJECT_DELETE" && e.object === `gs://${IN}/notes/readme.txt`, "skipped delete");
    await listener.waitFor((e) => e.event === "skipped" && String(e.reason).startsWith("not a video") && e.object === `gs://${IN}/notes/readme.txt`, "skipped text");
    // Assert: each was handled once, and the dead letters reached the topic with their reasons.
    const letters = await deadLetterMessages();
    const reasons = letters.map((l) => `${l.stage}: ${l.reason}`);
    assert.ok(reasons.some((r) => /^input: gs:\/\/uploads-bucket\/cam\/gone.mp4#123 does not exist$/.test(r)), reasons.join("\n"));
    assert.ok(reasons.some((r) => /^notification: not a Cloud Storage notification/.test(r)), reasons.join("\n"));
    const record = JSON.parse((await stack.storage.bucket(OUT).file("videoflow/_deadletter/cam/gone.mp4/123.json").download())[0].toString());
    assert.equal(record.stage, "input");
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(listener.count("retry"), 0, "nothing is retried: none of these can succeed");
    assert.equal(listener.events.filter((e) => e.event === "dead letter" && String(e.source).includes("cam/gone.mp4")).length, 1, "no redelivery");
    assert.ok(countsOf(listener).skipped >= before.skipped + 2);
  });

  it("never reprocesses its own outputs when input and output share a bucket", async () => {
    await listener.stop();
    const shared = listen(`gs://${IN}/out`);
    try {
      await shared.waitFor((e) => e.event === "listening", "listening");
      const [file] = await stack.storage.bucket(IN).upload(clip, { destination: "cam/loop.mp4", contentType: "video/mp4" });
      await shared.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/loop.mp4`, "processed");
      // The outputs' own notifications arrive after it: wait until all three were skipped.
      const folder = `out/cam/loop.mp4/${file.metadata.generation}`;
      for (const name of ["gray.mp4", "preview.jpg", "manifest.json"]) {
        await shared.waitFor((e) => e.event === "skipped" && e.object === `gs://${IN}/${folder}/${name}` && e.reason === "under the output directory", `skip of ${name}`);
      }
      assert.equal(shared.count("processed"), 1);
      assert.deepEqual(await objects(IN, "out/"), [`${folder}/gray.mp4`, `${folder}/manifest.json`, `${folder}/preview.jpg`]);
    } finally {
      await shared.stop();
    }
  });

  it("completes a video exactly once after the listener is killed while working on it", async () => {
    const first = listen();
    await first.waitFor((e) => e.event === "listening", "listening");
    const [file] = await stack.storage.bucket(IN).upload(longClip, { destination: "cam/crash.mp4", contentType: "video/mp4" });
    await first.waitFor((e) => e.event === "probed" && String(e.video).startsWith("cam/crash.mp4/"), "probed");
    // Act: kill it mid-video, then start another.
    assert.equal(await first.stop("SIGKILL"), null);
    assert.equal(first.count("processed"), 0, "killed before it finished");
    const second = listen();
    try {
      const done = await second.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/crash.mp4`, "processed after restart", 90000);
      // Assert: one complete result, nothing half-written left.
      const folder = `videoflow/cam/crash.mp4/${file.metadata.generation}`;
      assert.deepEqual(await objects(OUT, folder), [`${folder}/gray.mp4`, `${folder}/manifest.json`, `${folder}/preview.jpg`]);
      const gray = await download(String(done.manifest).replace("manifest.json", "gray.mp4"), path.join(dir, "crash-gray.mp4"));
      assert.equal(videoFacts(gray).frames, 1200);
      assert.equal((await objects(OUT, "videoflow/_work")).length, 0);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(second.count("processed"), 1, "processed once");
    } finally {
      await second.stop();
    }
  });

  it("predicts an upload's frames against a real model, and writes predictions.jsonl beside the outputs", async () => {
    // Arrange: the local model, and (as the only listener on the subscription) one that sends it 5 frames a second, with no gray video.
    await listener.stop();
    const server = await startModelServer();
    const inferring = new ListenerProcess(
      [
        "--inputSubscription", await freshSubscription("inference"), "--output", `gs://${OUT}/inferred`, "--maxInFlight", "2",
        "--predictionEndpoint", server.predictUrl, "--inferenceFps", "5", "--writeGrayVideo", "false",
      ],
      stack.env,
    );
    try {
      await inferring.waitFor((e) => e.event === "listening", "listening");
      // Act
      const [file] = await stack.storage.bucket(IN).upload(clip, { destination: "cam/seen.mp4", contentType: "video/mp4" });
      await inferring.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/seen.mp4`, "processed");
      // Assert
      const folder = `inferred/cam/seen.mp4/${file.metadata.generation}`;
      assert.deepEqual(await objects(OUT, folder), [`${folder}/manifest.json`, `${folder}/predictions.jsonl`, `${folder}/preview.jpg`]);
      const lines = (await stack.storage.bucket(OUT).file(`${folder}/predictions.jsonl`).download())[0].toString().trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(lines.map((l) => l.frame), everyNth(100, 5));
      assert.ok(lines.every((l) => Array.isArray(l.predictions.displayNames)));
      const manifest = JSON.parse((await stack.storage.bucket(OUT).file(`${folder}/manifest.json`).download())[0].toString());
      assert.equal(manifest.inference.framesPredicted, 20);
      assert.equal(manifest.inference.deployedModelId, "haar-people-1");
      assert.ok(server.requests.length >= 2, "the frames went in requests to the model");
    } finally {
      await inferring.stop();
      await server.stop();
    }
  });

  /**
   * A subscription of its own on the uploads topic, for a test after which
   * listeners were stopped or killed on the shared one: the emulator may keep
   * handing a new message to a stream a stopped listener had open, and give
   * it again only after the ack deadline (once, after a SIGKILL, not within
   * 60 s: the inference test failed 2 runs in 20 that way).
   */
  async function freshSubscription(name: string): Promise<string> {
    const [subscription] = await stack.pubsub.topic(stack.topic).createSubscription(name, { ackDeadlineSeconds: 10 });
    return subscription.name;
  }

  /**
   * Uploads each clip to the quiet bucket and publishes its notification
   * `copies[i]` times, every copy of every upload in one publish call, as
   * Pub/Sub may deliver duplicates together.
   */
  async function burst(prefix: string, copies: number[]): Promise<Array<{ object: string; folder: string; copies: number }>> {
    const uploads = [];
    for (const [i, n] of copies.entries()) {
      const [file] = await stack.storage.bucket(QUIET).upload(clip, { destination: `${prefix}/clip-${i}.mp4`, contentType: "video/mp4" });
      const [metadata] = await file.getMetadata();
      uploads.push({ object: `gs://${QUIET}/${prefix}/clip-${i}.mp4`, folder: `videoflow/${prefix}/clip-${i}.mp4/${metadata.generation}`, copies: n, metadata });
    }
    const batched = stack.pubsub.topic(stack.topic, { batching: { maxMessages: 100, maxMilliseconds: 200 } });
    await Promise.all(uploads.flatMap((u) => Array.from({ length: u.copies }, () => batched.publishMessage(notificationFor("finalize", u.metadata as never)))));
    return uploads;
  }

  /** What the listeners did with an object's deliveries: received, processed, answered (by its processing, or as a duplicate). */
  const handled = (listeners: ListenerProcess[], object: string) => {
    const events = listeners.flatMap((l) => l.events).filter((e) => e.object === object);
    const count = (name: string) => events.filter((e) => e.event === name).length;
    return {
      received: count("received"),
      processed: count("processed"),
      answered: events.reduce((n, e) => n + (e.event === "processed" || e.event === "duplicate" ? Number(e.deliveries) : 0), 0),
      other: events.filter((e) => !["received", "processed", "duplicate", "probed"].includes(String(e.event))).map((e) => e.message),
    };
  };

  async function assertOneResultEach(listeners: ListenerProcess[], uploads: Array<{ object: string; folder: string; copies: number }>): Promise<void> {
    for (const u of uploads) {
      assert.deepEqual(await objects(OUT, `${u.folder}/`), [`${u.folder}/gray.mp4`, `${u.folder}/manifest.json`, `${u.folder}/preview.jpg`], u.object);
      const manifest = JSON.parse((await stack.storage.bucket(OUT).file(`${u.folder}/manifest.json`).download())[0].toString());
      assert.equal(manifest.video.frames, 100, `${u.object}: frames`);
      assert.equal(videoFacts(await download(manifest.outputs.grayVideo, path.join(dir, `${u.folder.replace(/\W/g, "_")}.mp4`))).frames, 100);
    }
    const prefix = uploads[0].folder.split("/")[1];
    assert.deepEqual(await objects(OUT, `videoflow/_deadletter/${prefix}/`), [], "no dead-letter record");
    assert.deepEqual((await deadLetterMessages()).filter((m) => String(m.source).includes(`/${prefix}/`)), [], "no dead-letter message");
    // Every delivery acknowledged: none comes back after the 10 s ack deadline.
    const before = uploads.map((u) => handled(listeners, u.object));
    await new Promise((r) => setTimeout(r, 12000));
    for (const [i, u] of uploads.entries()) {
      const now = handled(listeners, u.object);
      assert.deepEqual(now, before[i], `${u.object}: nothing redelivered`);
      assert.equal(now.processed >= 1, true, `${u.object}: processed`);
      assert.deepEqual(now.other, [], `${u.object}: no failure`);
      const story = listeners.flatMap((l, i) => l.events.filter((e) => e.object === u.object).map((e) => `${i}: ${e.message}`)).join(" | ");
      assert.equal(now.received, u.copies, `${u.object}: all ${u.copies} copies delivered: ${story}`);
      assert.equal(now.answered, u.copies, `${u.object}: every delivery answered: ${story}`);
    }
  }

  it("gives one result per upload when its notification arrives 2 to 5 times at once", async () => {
    await listener.stop();
    const l = listen(undefined, await freshSubscription("burst"));
    try {
      await l.waitFor((e) => e.event === "listening", "listening");
      // Act
      const uploads = await burst("burst", [2, 3, 5]);
      for (const u of uploads) await l.waitFor((e) => e.event === "processed" && e.object === u.object, `processed ${u.object}`);
      // Assert
      await assertOneResultEach([l], uploads);
      for (const u of uploads) assert.equal(l.processed(u.object).length, 1, `${u.object}: processed once`);
    } finally {
      await l.stop();
    }
  });

  it("gives one result per upload when two listeners share the subscription and both get copies", async () => {
    await listener.stop();
    const subscription = await freshSubscription("shared");
    const a = listen(undefined, subscription);
    const b = listen(undefined, subscription);
    try {
      await Promise.all([a, b].map((l) => l.waitFor((e) => e.event === "listening", "listening")));
      // Act
      const uploads = await burst("shared", [2, 4, 5]);
      for (const u of uploads) {
        await Promise.race([a, b].map((l) => l.waitFor((e) => e.event === "processed" && e.object === u.object, `processed ${u.object}`)));
      }
      // Assert: both may have worked on the same upload at once; each succeeded, with one result at one place.
      await assertOneResultEach([a, b], uploads);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it("finishes a short video in its own time when a long one arrives just before it", async () => {
    await listener.stop();
    const l = listen(undefined, await freshSubscription("isolation"));
    try {
      await l.waitFor((e) => e.event === "listening", "listening");
      // Act: the long clip, then the short one right after.
      await stack.storage.bucket(IN).upload(longClip, { destination: "isolation/long.mp4", contentType: "video/mp4" });
      await stack.storage.bucket(IN).upload(clip, { destination: "isolation/short.mp4", contentType: "video/mp4" });
      const short = await l.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/isolation/short.mp4`, "short processed", 120000);
      const long = await l.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/isolation/long.mp4`, "long processed", 120000);
      // Assert: the short one was done first, well before the long one took its time (from its delivery: the
      // bridge publishes a notification once the upload is complete).
      const received = l.events.find((e) => e.event === "received" && e.object === `gs://${IN}/isolation/short.mp4`)!;
      const shortSec = (Date.parse(String(short.time)) - Date.parse(String(received.time))) / 1000;
      assert.ok(l.events.indexOf(short) < l.events.indexOf(long), "the short video finished first");
      assert.ok(shortSec < Number(long.processingSec) / 2, `short: done ${shortSec} s after it arrived; long: ${long.processingSec} s of processing`);
    } finally {
      await l.stop();
    }
  });

  it("stops on SIGTERM with exit status 0", async () => {
    const l = listen();
    await l.waitFor((e) => e.event === "listening", "listening");
    assert.equal(await l.stop("SIGTERM"), 0);
    assert.ok(l.events.some((e) => e.event === "stopped"));
  });
});

function countsOf(l: ListenerProcess): { skipped: number } {
  return { skipped: l.count("skipped") };
}
