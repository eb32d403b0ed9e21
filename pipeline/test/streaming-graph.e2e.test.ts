/**
 * End to end: the graph the Flex Template's streaming job runs on Dataflow,
 * the "segments" shape (pipeline.ts, processUploads): per-video windows,
 * byUpload, oneAttemptPerUpload, the fan-out of segments, regroupByVideo by
 * attempt, assemble, announce; executed here on the direct runner and on
 * Flink (with Flink's streaming translation), with segments (1 s: four per
 * clip), against the local stack and a real model.
 *
 * Only the read differs from Dataflow: instead of Dataflow's own Pub/Sub
 * read, the notifications the storage emulator published (recorded from a
 * subscription) are replayed as a bounded source, each the serialized
 * PubsubMessage Dataflow's read gives, timestamped with its publish time as
 * Dataflow's read timestamps it (beam/pubsub.ts, replayPubSubMessages).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { FaultProxy, startFaultProxy } from "../dev/fault-proxy";
import { ModelServer, startModelServer } from "../dev/model-server";
import { LocalStack, NotificationRecorder, startLocalStack } from "../dev/stack";
import { parseStreamingOptions } from "../src/options";
import { runStreamingGraph } from "../src/runtimes/run";
import type { Outcome } from "../src/model";
import { makeClip, serializedMessage, tempDir, videoFacts } from "./helpers";

type Message = import("@google-cloud/pubsub").Message;

/** Versioned, so that an overwritten video's first generation stays readable (as on a versioned bucket). */
const IN = "uploads-bucket";
/** Not versioned: a delete is an OBJECT_DELETE. */
const DOCS = "documents-bucket";
/** Versioned, so that every write of a manifest is kept and can be counted. */
const OUT = "results-bucket";

describe("the streaming job's segments graph (what Dataflow runs), from recorded notifications", () => {
  const dir = tempDir();
  let stack: LocalStack;
  let proxy: FaultProxy;
  let model: ModelServer;
  let uploads: NotificationRecorder;
  let docs: NotificationRecorder;
  const generations: Record<string, string[]> = {};
  const notifications: Message[] = [];
  let malformed: Message;

  const read = async (name: string) => (await stack.storage.bucket(OUT).file(name).download())[0];
  const objects = async (prefix: string) => (await stack.storage.bucket(OUT).getFiles({ prefix }))[0].map((f) => f.name).sort();
  const writesOf = async (name: string) =>
    (await stack.storage.bucket(OUT).getFiles({ prefix: name, versions: true }))[0].filter((f) => f.name === name).length;

  before(async () => {
    // Arrange: the uploads, and the notifications the storage emulator published for them.
    stack = await startLocalStack({ buckets: [DOCS] });
    await stack.createBucket(IN, { versioned: true });
    await stack.createBucket(OUT, { versioned: true });
    uploads = await stack.recordNotifications(IN);
    docs = await stack.recordNotifications(DOCS);
    model = await startModelServer();
    const clip = makeClip(path.join(dir, "clip.mp4"), { width: 426, height: 240, rate: "25", seconds: 4, audio: true });
    const other = makeClip(path.join(dir, "other.mp4"), { width: 320, height: 180, rate: "30", seconds: 3 });
    const upload = async (name: string, file: string) => {
      const [object] = await stack.storage.bucket(IN).upload(file, { destination: name, contentType: "video/mp4", resumable: false });
      (generations[name] ??= []).push(String(object.metadata.generation));
    };
    await upload("cam/one.mp4", clip);
    await upload("cam/two.mp4", clip);
    await upload("cam/three.mp4", clip);
    await upload("cam/three.mp4", other); // overwritten: a second generation
    await stack.storage
      .bucket(IN)
      .file("cam/broken.mp4")
      .save(Buffer.from("not a video at all"), { contentType: "video/mp4", resumable: false });
    generations["cam/broken.mp4"] = [String((await stack.storage.bucket(IN).file("cam/broken.mp4").getMetadata())[0].generation)];
    await stack.storage.bucket(DOCS).file("notes/readme.txt").save("hello", { contentType: "text/plain", resumable: false });
    await stack.storage.bucket(DOCS).file("notes/readme.txt").delete();
    const one = await uploads.next("cam/one.mp4");
    const two = await uploads.next("cam/two.mp4");
    // The same notification published again later (another notification configuration, an operator's replay): another window.
    await new Promise((r) => setTimeout(r, 1500));
    await stack.pubsub.topic(uploads.topic).publishMessage({ data: two.data, attributes: two.attributes });
    const twoAgain = await uploads.waitFor((m) => m.attributes.objectId === "cam/two.mp4" && m.id !== two.id, "the copy of cam/two.mp4");
    await stack.pubsub.topic(uploads.topic).publishMessage({ data: Buffer.from("not a notification"), attributes: { hello: "world" } });
    malformed = await uploads.waitFor((m) => m.attributes.hello === "world", "the malformed message");
    const threes = await Promise.all(
      generations["cam/three.mp4"].map((g) =>
        uploads.waitFor((m) => m.attributes.objectGeneration === g && m.attributes.eventType === "OBJECT_FINALIZE", `cam/three.mp4#${g}`),
      ),
    );
    notifications.push(
      one,
      one, // a copy in the same window: Pub/Sub delivering a message twice
      two,
      twoAgain,
      ...threes,
      await uploads.next("cam/three.mp4", "OBJECT_ARCHIVE"),
      await uploads.next("cam/broken.mp4"),
      await docs.next("notes/readme.txt"),
      await docs.next("notes/readme.txt", "OBJECT_DELETE"),
      malformed,
    );
    // The pipeline reaches Cloud Storage through a proxy that can fail its calls as Cloud Storage sometimes does.
    proxy = await startFaultProxy(stack.env.STORAGE_EMULATOR_HOST);
    process.env.STORAGE_EMULATOR_HOST = proxy.url;
  });

  after(async () => {
    await proxy?.stop();
    await model?.stop();
    await stack?.stop();
  });

  for (const runner of ["direct", "flink"] as const) {
    describe(`on the ${runner} runner`, () => {
      const prefix = `videoflow-${runner}`;
      let outcomes: Outcome[];
      let modelRequestsBefore: number;
      const key = (name: string, generation = generations[name][0]) => `${name}/${generation}`;

      before(async () => {
        // Arrange: passing trouble, each worth a retry: two segment uploads and a manifest lookup of one video fail,
        // and the model answers its first three requests with 503.
        proxy.inject(
          { method: "POST", path: new RegExp(`${prefix}%2F_work%2Fcam%2Fone\\.mp4%2F`), status: 503, times: 2 },
          { method: "GET", path: new RegExp(`${prefix}%2Fcam%2Fone\\.mp4%2F\\d+%2Fmanifest\\.json`), status: "reset" },
        );
        model.setFaults({ failNext: { count: 3, status: 503 } });
        modelRequestsBefore = model.requests.length;
        const options = parseStreamingOptions({
          runner,
          outputDirectory: `gs://${OUT}/${prefix}`,
          inputSubscription: `projects/${stack.projectId}/subscriptions/replayed`,
          deadLetterTopic: stack.deadLetterTopic,
          segmentSeconds: "1",
          predictionEndpoint: model.predictUrl,
          inferenceFps: "2",
        });
        // Act
        outcomes = await runStreamingGraph(notifications.map(serializedMessage), options);
      });

      it("gives each uploaded generation exactly one result, with all its frames, segments and predictions", async () => {
        for (const [name, generation] of [
          ["cam/one.mp4", 0],
          ["cam/two.mp4", 0],
          ["cam/three.mp4", 0],
          ["cam/three.mp4", 1],
        ] as const) {
          const folder = `${prefix}/${key(name, generations[name][generation])}`;
          assert.deepEqual(
            await objects(`${folder}/`),
            ["gray.mp4", "manifest.json", "predictions.jsonl", "preview.jpg"].map((f) => `${folder}/${f}`),
          );
          assert.equal(await writesOf(`${folder}/manifest.json`), 1, `${folder}: the manifest was written once`);
          const manifest = JSON.parse((await read(`${folder}/manifest.json`)).toString());
          const frames = name === "cam/three.mp4" && generation === 1 ? 90 : 100;
          assert.equal(manifest.video.frames, frames, folder);
          assert.equal(manifest.segments, frames === 100 ? 4 : 3, `${folder}: one segment a second`);
          assert.equal(manifest.inference.framesFailed, 0, `${folder}: every frame sent was predicted`);
          assert.equal(manifest.inference.framesPredicted, manifest.inference.framesSent);
          const gray = path.join(dir, `${runner}-${folder.replace(/\W/g, "_")}.mp4`);
          await stack.storage.bucket(OUT).file(`${folder}/gray.mp4`).download({ destination: gray });
          assert.equal(videoFacts(gray).frames, frames);
        }
      });

      it("dead-letters the broken video and the malformed message, with their notifications, and nothing else", async () => {
        const broken = `${prefix}/_deadletter/${key("cam/broken.mp4")}.json`;
        const rejected = `${prefix}/_deadletter/_notifications/${malformed.id}.json`;
        assert.deepEqual(await objects(`${prefix}/_deadletter/`), [broken, rejected].sort());
        const record = JSON.parse((await read(broken)).toString());
        assert.equal(record.stage, "probe");
        assert.equal(record.retryable, false);
        const original = notifications.find((m) => m.attributes.objectId === "cam/broken.mp4")!;
        assert.deepEqual(record.notification.attributes, original.attributes);
        assert.equal(record.notification.messageId, original.id);
        assert.equal(Buffer.from(record.notification.data, "base64").toString(), original.data.toString());
        const notification = JSON.parse((await read(rejected)).toString());
        assert.deepEqual(notification.notification.attributes, { hello: "world" });
        assert.deepEqual(await objects(`${prefix}/_work/`), [], "no work files left");
      });

      it("reports one outcome per attempt: copies in one window are one attempt, and the copy in another window keeps the first result", () => {
        const ok = outcomes
          .filter((o) => o.status === "ok")
          .map((o) => o.key)
          .sort();
        assert.deepEqual(
          ok,
          [
            key("cam/one.mp4"),
            key("cam/three.mp4", generations["cam/three.mp4"][0]),
            key("cam/three.mp4", generations["cam/three.mp4"][1]),
            key("cam/two.mp4"),
            key("cam/two.mp4"),
          ].sort(),
        );
        const failed = outcomes
          .filter((o) => o.status === "failed")
          .map((o) => o.key)
          .sort();
        assert.deepEqual(failed, [`_notifications/${malformed.id}`, key("cam/broken.mp4")].sort());
      });

      it("retried the passing storage and endpoint failures instead of dead-lettering", () => {
        const injected = proxy.injected().filter((r) => r.path.includes(`${prefix}%2F`));
        assert.equal(injected.length, 3, "every storage fault was met");
        for (const fault of injected) {
          const after = proxy.requests.slice(proxy.requests.indexOf(fault) + 1);
          assert.ok(
            after.some((r) => !r.injected && r.method === fault.method && r.path.split("?")[0] === fault.path.split("?")[0]),
            `${fault.method} ${fault.path} was tried again`,
          );
        }
        const statuses = model.requests.slice(modelRequestsBefore).map((r) => r.status);
        assert.deepEqual(statuses.slice(0, 3), [503, 503, 503], "the model's 503s were met");
        assert.ok(
          statuses.slice(3).every((s) => s === 200),
          "and every request after them was answered",
        );
        assert.ok(!outcomes.some((o) => o.status === "failed" && o.key.startsWith("cam/one.mp4")));
      });
    });
  }
});
