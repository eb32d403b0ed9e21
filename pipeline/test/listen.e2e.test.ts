/**
 * End to end on the local stack: real Pub/Sub emulator, Cloud Storage
 * emulator (fake-gcs-server, publishing the input bucket's notifications),
 * and the real `videoflow listen` as a child process.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { LocalStack, NotificationRecorder, startLocalStack } from "../dev/stack";
import { everyNth, makeClip, runCliAsync, tempDir, videoFacts } from "./helpers";
import { startFaultProxy } from "../dev/fault-proxy";
import { ListenerProcess } from "../dev/listener-process";
import { startModelServer } from "../dev/model-server";

const IN = "uploads-bucket";
const OUT = "results-bucket";
/** A bucket that does not notify the listener's topic: the tests send copies of its (recorded) notifications themselves. */
const QUIET = "quiet-bucket";

describe("videoflow listen on the local stack", () => {
  const dir = tempDir();
  let stack: LocalStack;
  let listener: ListenerProcess;
  let clip: string;
  let longClip: string;
  let uploads: NotificationRecorder;
  let quiet: NotificationRecorder;

  /** Publishes a notification again, as Pub/Sub may deliver it (or as an operator's replay sends it). */
  const publishAgain = (m: { data: Buffer; attributes: Record<string, string> }) =>
    stack.pubsub.topic(stack.topic).publishMessage({ data: m.data, attributes: m.attributes });

  const listen = (output = `gs://${OUT}/videoflow`, subscription = stack.subscription, ownProcessGroup = false) =>
    new ListenerProcess(
      ["--inputSubscription", subscription, "--output", output, "--deadLetterTopic", stack.deadLetterTopic, "--maxInFlight", "4"],
      { ...stack.env, VIDEOFLOW_DEBUG: "1" },
      undefined,
      ownProcessGroup,
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
    stack = await startLocalStack({ inputBuckets: [IN], buckets: [QUIET] });
    // Versioned: every write of a manifest is kept, so that the tests can count them.
    await stack.createBucket(OUT, { versioned: true });
    uploads = await stack.recordNotifications(IN);
    quiet = await stack.recordNotifications(QUIET);
    listener = listen();
    await listener.waitFor((e) => e.event === "listening", "listening");
  });

  after(async () => {
    await listener?.stop("SIGKILL");
    await stack?.stop();
  });

  it("processes an upload from its notification: gray.mp4, preview and manifest, keyed by generation", async () => {
    // Act
    const [file] = await stack.storage.bucket(IN).upload(clip, { destination: "cam/one.mp4", contentType: "video/mp4", resumable: false });
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

  it("gives one result for a notification delivered twice (an object named in Japanese)", async () => {
    const name = "cam/動画 二回.mp4";
    const [file] = await stack.storage.bucket(IN).upload(clip, { destination: name, contentType: "video/mp4", resumable: false });
    await listener.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/${name}`, "first result");
    const folder = `videoflow/cam/動画_二回.mp4/${file.metadata.generation}`;
    const first = (await stack.storage.bucket(OUT).file(`${folder}/manifest.json`).download())[0].toString();
    // Act: the same notification again, as Pub/Sub may deliver it.
    await publishAgain(await uploads.next(name));
    await listener.waitFor((e) => e.event === "duplicate" && e.object === `gs://${IN}/${name}`, "duplicate");
    // Assert
    const second = (await stack.storage.bucket(OUT).file(`${folder}/manifest.json`).download())[0].toString();
    assert.equal(second, first, "the manifest was not rewritten");
    assert.equal(listener.events.filter((e) => e.event === "processed" && e.object === `gs://${IN}/${name}`).length, 1);
  });

  it("acknowledges and counts what is not a video upload, and dead-letters what never will succeed", async () => {
    const before = { ...countsOf(listener) };
    // Arrange: the notification of an upload that is deleted before anyone reads it.
    const [gone] = await stack.storage
      .bucket(QUIET)
      .upload(clip, { destination: "cam/gone.mp4", contentType: "video/mp4", resumable: false });
    const goneNotification = await quiet.next("cam/gone.mp4");
    await gone.delete();
    // Act: a text file, a delete, a malformed message, and the notification of the object that is gone.
    await stack.storage.bucket(IN).file("notes/readme.txt").save("hello", { contentType: "text/plain", resumable: false });
    await stack.storage.bucket(IN).file("notes/readme.txt").delete();
    await stack.pubsub.topic(stack.topic).publishMessage({ data: Buffer.from("not a notification"), attributes: { hello: "world" } });
    await publishAgain(goneNotification);
    await listener.waitFor(
      (e) => e.event === "dead letter" && String(e.source).includes("cam/gone.mp4"),
      "dead letter for the missing object",
    );
    await listener.waitFor(
      (e) => e.event === "dead letter" && String(e.reason).includes("not a Cloud Storage notification"),
      "dead letter for the malformed message",
    );
    await listener.waitFor(
      (e) => e.event === "skipped" && e.reason === "event OBJECT_DELETE" && e.object === `gs://${IN}/notes/readme.txt`,
      "skipped delete",
    );
    await listener.waitFor(
      (e) => e.event === "skipped" && String(e.reason).startsWith("not a video") && e.object === `gs://${IN}/notes/readme.txt`,
      "skipped text",
    );
    // Assert: each was handled once, and the dead letters reached the topic with their reasons.
    const letters = await deadLetterMessages();
    const reasons = letters.map((l) => `${l.stage}: ${l.reason}`);
    const generation = goneNotification.attributes.objectGeneration;
    assert.ok(
      reasons.some(
        (r) =>
          r ===
          `input: gs://${QUIET}/cam/gone.mp4#${generation} does not exist, nor does any later generation: the object was deleted before it was processed`,
      ),
      reasons.join("\n"),
    );
    assert.ok(
      reasons.some((r) => /^notification: not a Cloud Storage notification/.test(r)),
      reasons.join("\n"),
    );
    // Both the record and the message keep the notification whole, so that it can be sent again.
    const record = JSON.parse(
      (await stack.storage.bucket(OUT).file(`videoflow/_deadletter/cam/gone.mp4/${generation}.json`).download())[0].toString(),
    );
    assert.equal(record.stage, "input");
    assert.deepEqual(record.notification.attributes, goneNotification.attributes);
    assert.equal(Buffer.from(record.notification.data, "base64").toString(), goneNotification.data.toString());
    assert.equal(record.notification.messageId.length > 0, true);
    const message = letters.find((l) => String(l.source).includes("cam/gone.mp4"))!;
    assert.deepEqual((message.notification as { attributes: unknown }).attributes, goneNotification.attributes);
    assert.equal((message.attributes as Record<string, string>).objectId, "cam/gone.mp4");
    const malformed = letters.find((l) => l.stage === "notification")!;
    assert.deepEqual((malformed.notification as { attributes: unknown }).attributes, { hello: "world" });
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(listener.count("retry"), 0, "nothing is retried: none of these can succeed");
    assert.equal(
      listener.events.filter((e) => e.event === "dead letter" && String(e.source).includes("cam/gone.mp4")).length,
      1,
      "no redelivery",
    );
    assert.ok(countsOf(listener).skipped >= before.skipped + 2);
  });

  it("never reprocesses its own outputs when input and output share a bucket", async () => {
    await listener.stop();
    const shared = listen(`gs://${IN}/out`);
    try {
      await shared.waitFor((e) => e.event === "listening", "listening");
      const [file] = await stack.storage
        .bucket(IN)
        .upload(clip, { destination: "cam/loop.mp4", contentType: "video/mp4", resumable: false });
      await shared.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/loop.mp4`, "processed");
      // The outputs' own notifications arrive after it: wait until all three were skipped.
      const folder = `out/cam/loop.mp4/${file.metadata.generation}`;
      for (const name of ["gray.mp4", "preview.jpg", "manifest.json"]) {
        await shared.waitFor(
          (e) => e.event === "skipped" && e.object === `gs://${IN}/${folder}/${name}` && e.reason === "under the output directory",
          `skip of ${name}`,
        );
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
    const [file] = await stack.storage
      .bucket(IN)
      .upload(longClip, { destination: "cam/crash.mp4", contentType: "video/mp4", resumable: false });
    await first.waitFor((e) => e.event === "probed" && String(e.video).startsWith("cam/crash.mp4/"), "probed");
    // Act: kill it mid-video, then start another.
    assert.equal(await first.stop("SIGKILL"), null);
    assert.equal(first.count("processed"), 0, "killed before it finished");
    const second = listen();
    try {
      const done = await second.waitFor(
        (e) => e.event === "processed" && e.object === `gs://${IN}/cam/crash.mp4`,
        "processed after restart",
        90000,
      );
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

  it("gives back, never dead-letters, a video whose ffmpeg Ctrl-C stops too; a restarted listener completes it", async () => {
    const first = listen(undefined, undefined, true);
    await first.waitFor((e) => e.event === "listening", "listening");
    const [file] = await stack.storage
      .bucket(IN)
      .upload(longClip, { destination: "cam/ctrl-c.mp4", contentType: "video/mp4", resumable: false });
    await first.waitFor((e) => e.event === "probed" && String(e.video).startsWith("cam/ctrl-c.mp4/"), "probed");
    await until(() => ffmpegsInGroup(first.child.pid!) > 0, "its ffmpeg running");
    // Act: Ctrl-C, as a terminal sends it: to the listener and its ffmpeg alike.
    assert.equal(await first.stopGroup("SIGINT"), 0);
    // Assert: given back to Pub/Sub, not dead-lettered; then one complete result.
    assert.equal(first.count("given back"), 1, first.events.map((e) => e.message).join(" | "));
    assert.equal(first.count("processed"), 0);
    const object = `gs://${IN}/cam/ctrl-c.mp4`;
    assert.ok(!(await deadLetterMessages()).some((m) => String(m.source).startsWith(object)), "no dead-letter message");
    const second = listen();
    try {
      const done = await second.waitFor((e) => e.event === "processed" && e.object === object, "processed after restart", 90000);
      const gray = await download(String(done.manifest).replace("manifest.json", "gray.mp4"), path.join(dir, "ctrl-c-gray.mp4"));
      assert.equal(videoFacts(gray).frames, 1200);
      const folder = `videoflow/cam/ctrl-c.mp4/${file.metadata.generation}`;
      assert.deepEqual(await objects(OUT, folder), [`${folder}/gray.mp4`, `${folder}/manifest.json`, `${folder}/preview.jpg`]);
      assert.deepEqual(await objects(OUT, "videoflow/_deadletter/cam/ctrl-c.mp4"), [], "no dead-letter record left");
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
        "--inputSubscription",
        await freshSubscription("inference"),
        "--output",
        `gs://${OUT}/inferred`,
        "--maxInFlight",
        "2",
        "--predictionEndpoint",
        server.predictUrl,
        "--inferenceFps",
        "5",
        "--writeGrayVideo",
        "false",
      ],
      stack.env,
    );
    try {
      await inferring.waitFor((e) => e.event === "listening", "listening");
      // Act
      const [file] = await stack.storage
        .bucket(IN)
        .upload(clip, { destination: "cam/seen.mp4", contentType: "video/mp4", resumable: false });
      await inferring.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/seen.mp4`, "processed");
      // Assert
      const folder = `inferred/cam/seen.mp4/${file.metadata.generation}`;
      assert.deepEqual(await objects(OUT, folder), [`${folder}/manifest.json`, `${folder}/predictions.jsonl`, `${folder}/preview.jpg`]);
      const lines = (await stack.storage.bucket(OUT).file(`${folder}/predictions.jsonl`).download())[0]
        .toString()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => l.frame),
        everyNth(100, 5),
      );
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
    const sent = [];
    for (const [i, n] of copies.entries()) {
      const name = `${prefix}/clip-${i}.mp4`;
      const [file] = await stack.storage.bucket(QUIET).upload(clip, { destination: name, contentType: "video/mp4", resumable: false });
      sent.push({
        object: `gs://${QUIET}/${name}`,
        folder: `videoflow/${name}/${file.metadata.generation}`,
        copies: n,
        notification: await quiet.next(name),
      });
    }
    const batched = stack.pubsub.topic(stack.topic, { batching: { maxMessages: 100, maxMilliseconds: 200 } });
    await Promise.all(
      sent.flatMap((u) =>
        Array.from({ length: u.copies }, () =>
          batched.publishMessage({ data: u.notification.data, attributes: u.notification.attributes }),
        ),
      ),
    );
    return sent;
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

  async function assertOneResultEach(
    listeners: ListenerProcess[],
    uploads: Array<{ object: string; folder: string; copies: number }>,
  ): Promise<void> {
    for (const u of uploads) {
      assert.deepEqual(
        await objects(OUT, `${u.folder}/`),
        [`${u.folder}/gray.mp4`, `${u.folder}/manifest.json`, `${u.folder}/preview.jpg`],
        u.object,
      );
      // Attempts that raced each other wrote the manifest once: the loser's conditional write got 412 and kept the winner's result.
      const [versions] = await stack.storage.bucket(OUT).getFiles({ prefix: `${u.folder}/manifest.json`, versions: true });
      assert.equal(versions.length, 1, `${u.object}: the manifest was written ${versions.length} times`);
      const manifest = JSON.parse((await stack.storage.bucket(OUT).file(`${u.folder}/manifest.json`).download())[0].toString());
      assert.equal(manifest.video.frames, 100, `${u.object}: frames`);
      assert.equal(
        videoFacts(await download(manifest.outputs.grayVideo, path.join(dir, `${u.folder.replace(/\W/g, "_")}.mp4`))).frames,
        100,
      );
    }
    const prefix = uploads[0].folder.split("/")[1];
    assert.deepEqual(await objects(OUT, `videoflow/_deadletter/${prefix}/`), [], "no dead-letter record");
    assert.deepEqual(
      (await deadLetterMessages()).filter((m) => String(m.source).includes(`/${prefix}/`)),
      [],
      "no dead-letter message",
    );
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

  it("writes each manifest once when two listeners on two subscriptions both process every upload", async () => {
    // Arrange: two subscriptions of the uploads topic, a listener on each: every upload is processed twice at once.
    await listener.stop();
    const a = listen(undefined, await freshSubscription("race-a"));
    const b = listen(undefined, await freshSubscription("race-b"));
    try {
      await Promise.all([a, b].map((l) => l.waitFor((e) => e.event === "listening", "listening")));
      // Act
      const uploads = await burst("race", [1, 1, 1]);
      for (const u of uploads) {
        for (const l of [a, b]) await l.waitFor((e) => e.event === "processed" && e.object === u.object, `processed ${u.object}`, 90000);
      }
      // Assert: both succeeded; the manifest's conditional write let exactly one of them commit.
      for (const u of uploads) {
        const [versions] = await stack.storage.bucket(OUT).getFiles({ prefix: `${u.folder}/manifest.json`, versions: true });
        assert.equal(versions.length, 1, `${u.object}: the manifest was written ${versions.length} times`);
        const manifest = JSON.parse((await stack.storage.bucket(OUT).file(`${u.folder}/manifest.json`).download())[0].toString());
        assert.equal(manifest.video.frames, 100);
      }
      assert.equal(
        [a, b].reduce((n, l) => n + l.count("dead letter"), 0),
        0,
      );
      assert.deepEqual(await objects(OUT, "videoflow/_deadletter/race/"), []);
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
      await stack.storage.bucket(IN).upload(longClip, { destination: "isolation/long.mp4", contentType: "video/mp4", resumable: false });
      await stack.storage.bucket(IN).upload(clip, { destination: "isolation/short.mp4", contentType: "video/mp4", resumable: false });
      const short = await l.waitFor(
        (e) => e.event === "processed" && e.object === `gs://${IN}/isolation/short.mp4`,
        "short processed",
        120000,
      );
      const long = await l.waitFor(
        (e) => e.event === "processed" && e.object === `gs://${IN}/isolation/long.mp4`,
        "long processed",
        120000,
      );
      // Assert: the short one was done first, well before the long one took its time (from its delivery: the
      // bucket publishes a notification once the upload is complete).
      const received = l.events.find((e) => e.event === "received" && e.object === `gs://${IN}/isolation/short.mp4`)!;
      const shortSec = (Date.parse(String(short.time)) - Date.parse(String(received.time))) / 1000;
      assert.ok(l.events.indexOf(short) < l.events.indexOf(long), "the short video finished first");
      assert.ok(
        shortSec < Number(long.processingSec) / 2,
        `short: done ${shortSec} s after it arrived; long: ${long.processingSec} s of processing`,
      );
    } finally {
      await l.stop();
    }
  });

  it("retries a passing storage failure and an endpoint down for 10 s, and gives one complete result", async () => {
    // Arrange: a listener that reaches Cloud Storage through a proxy failing two of its segment uploads and
    // dropping its first manifest lookup, and an endpoint that answers 503 for the first 10 s after the upload.
    await listener.stop();
    const proxy = await startFaultProxy(stack.env.STORAGE_EMULATOR_HOST);
    const server = await startModelServer();
    const l = new ListenerProcess(
      [
        "--inputSubscription",
        await freshSubscription("transient"),
        "--output",
        `gs://${OUT}/transient`,
        "--segmentSeconds",
        "1",
        "--predictionEndpoint",
        server.predictUrl,
        "--inferenceFps",
        "5",
        "--deadLetterTopic",
        stack.deadLetterTopic,
      ],
      { ...stack.env, STORAGE_EMULATOR_HOST: proxy.url },
    );
    try {
      await l.waitFor((e) => e.event === "listening", "listening");
      proxy.inject(
        { method: "POST", path: /transient%2F_work%2Fcam%2Fflaky\.mp4%2F/, status: 503, times: 2 },
        { method: "GET", path: /transient%2Fcam%2Fflaky\.mp4%2F\d+%2Fmanifest\.json/, status: "reset" },
      );
      server.setFaults({ failAll: { status: 503, message: "the model is being redeployed" } });
      // Act
      const [file] = await stack.storage
        .bucket(IN)
        .upload(clip, { destination: "cam/flaky.mp4", contentType: "video/mp4", resumable: false });
      const healed = setTimeout(() => server.setFaults({}), 10000);
      await l.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/flaky.mp4`, "processed", 90000);
      clearTimeout(healed);
      // Assert: one result, every frame predicted, nothing dead-lettered; the failures were met and retried.
      const folder = `transient/cam/flaky.mp4/${file.metadata.generation}`;
      assert.deepEqual(
        await objects(OUT, `${folder}/`),
        ["gray.mp4", "manifest.json", "predictions.jsonl", "preview.jpg"].map((f) => `${folder}/${f}`),
      );
      const manifest = JSON.parse((await stack.storage.bucket(OUT).file(`${folder}/manifest.json`).download())[0].toString());
      assert.equal(manifest.video.frames, 100);
      assert.equal(manifest.inference.framesPredicted, 20);
      assert.equal(manifest.inference.framesFailed, 0);
      assert.ok(server.requests.some((r) => r.status === 503) && server.requests.some((r) => r.status === 200));
      assert.equal(proxy.injected().length, 3, "every storage fault was met");
      assert.ok(l.count("retry") >= 4, `retried (${l.count("retry")} retry events)`);
      assert.equal(l.count("dead letter"), 0);
      assert.deepEqual(await objects(OUT, "transient/_deadletter/"), []);
    } finally {
      await l.stop();
      await server.stop();
      await proxy.stop();
    }
  });

  it("dead-letters a failure that outlasts the retry budget, saying so, and `videoflow redrive` brings it to one result", async () => {
    // Arrange: the endpoint down for longer than a 3 s retry budget.
    await listener.stop();
    const server = await startModelServer();
    server.setFaults({ failAll: { status: 503, message: "the model is being redeployed" } });
    const output = `gs://${OUT}/redriven`;
    const l = new ListenerProcess(
      [
        "--inputSubscription",
        await freshSubscription("redrive"),
        "--output",
        output,
        "--maxRetrySeconds",
        "3",
        "--predictionEndpoint",
        server.predictUrl,
        "--inferenceFps",
        "5",
        "--deadLetterTopic",
        stack.deadLetterTopic,
      ],
      stack.env,
    );
    try {
      await l.waitFor((e) => e.event === "listening", "listening");
      const [file] = await stack.storage
        .bucket(IN)
        .upload(clip, { destination: "cam/late.mp4", contentType: "video/mp4", resumable: false });
      const key = `cam/late.mp4/${file.metadata.generation}`;
      const letter = await l.waitFor((e) => e.event === "dead letter" && e.video === key, "dead letter", 60000);
      assert.equal(letter.stage, "inference");
      assert.match(String(letter.reason), /gave up after \d+ tries over \d+\.\d s: HTTP 503: .*the model is being redeployed/);
      assert.equal(letter.retryable, true);
      const record = JSON.parse((await stack.storage.bucket(OUT).file(`redriven/_deadletter/${key}.json`).download())[0].toString());
      assert.equal(record.notification.attributes.objectId, "cam/late.mp4");
      // Act: the endpoint is back; the operator redrives.
      server.setFaults({});
      const redriven = await runCliAsync(["redrive", "--output", output, "--inputTopic", stack.topic], stack.env);
      // Assert
      assert.equal(redriven.code, 0, redriven.stderr);
      const summary = redriven.events.find((e) => e.event === "redrive summary")!;
      assert.equal(summary.sent, 1);
      assert.equal(summary.skipped, 0);
      await l.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/cam/late.mp4`, "processed after redrive", 60000);
      assert.deepEqual(
        await objects(OUT, `redriven/${key}/`),
        ["gray.mp4", "manifest.json", "predictions.jsonl", "preview.jpg"].map((f) => `redriven/${key}/${f}`),
      );
      assert.deepEqual(await objects(OUT, "redriven/_deadletter/"), [], "the success removed the dead-letter record");
      // Redriving again sends nothing: there is no dead letter left.
      const again = await runCliAsync(["redrive", "--output", output, "--inputTopic", stack.topic], stack.env);
      assert.equal(again.events.find((e) => e.event === "redrive summary")?.sent, 0);
    } finally {
      await l.stop();
      await server.stop();
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

/** How many ffmpeg processes are in a process group (Linux: /proc/<pid>/stat's fifth field is the group). */
function ffmpegsInGroup(group: number): number {
  let n = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const [comm, rest] = [stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), stat.slice(stat.lastIndexOf(")") + 2).split(" ")];
      if (comm === "ffmpeg" && Number(rest[2]) === group) n++;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

/** Waits (polling) until `test` holds, for at most 30 s. */
async function until(test: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
