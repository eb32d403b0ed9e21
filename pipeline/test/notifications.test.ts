import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_VIDEO_EXTENSIONS, NotificationMessage, decide } from "../src/io/notifications";

const rules = { outputDirectory: "gs://media/videoflow", videoExtensions: DEFAULT_VIDEO_EXTENSIONS };

/** An OBJECT_FINALIZE notification as Cloud Storage publishes it (attributes, and the object resource as JSON). */
function finalize(objectId: string, resource: Record<string, unknown> = {}, attributes: Record<string, string> = {}): NotificationMessage {
  const object = {
    kind: "storage#object",
    name: objectId,
    bucket: "media",
    generation: "1700000000123456",
    size: "1000",
    updated: "2026-11-25T01:00:00.000Z",
    ...resource,
  };
  return {
    attributes: {
      notificationConfig: "projects/_/buckets/media/notificationConfigs/1",
      eventType: "OBJECT_FINALIZE",
      payloadFormat: "JSON_API_V1",
      bucketId: "media",
      objectId,
      objectGeneration: String(object.generation),
      eventTime: String(object.updated),
      ...attributes,
    },
    data: Buffer.from(JSON.stringify(object)),
  };
}

describe("decide (Cloud Storage notifications)", () => {
  it("processes a finalized video, keyed by object name and generation", () => {
    const d = decide(finalize("uploads/My Clip.MOV", { contentType: "video/quicktime" }), rules);
    assert.equal(d.action, "process");
    if (d.action !== "process") return;
    assert.equal(d.input.source, "gs://media/uploads/My Clip.MOV#1700000000123456");
    assert.equal(d.input.key, "uploads/My_Clip.MOV/1700000000123456");
    assert.equal(d.uploadedAt, Date.parse("2026-11-25T01:00:00.000Z"));
  });

  it("takes a video by extension when the content type says nothing, and with payload NONE", () => {
    assert.equal(decide(finalize("a.webm", { contentType: "application/octet-stream" }), rules).action, "process");
    const none = finalize("b.mp4", {}, { payloadFormat: "NONE" });
    assert.equal(decide({ attributes: none.attributes, data: Buffer.alloc(0) }, rules).action, "process");
    assert.equal(decide(finalize("c.bin", { contentType: "video/mp4" }), rules).action, "process");
  });

  it("takes broadcast's and cameras' files, by extension or by MXF's content type", () => {
    // What gsutil and gcloud storage name these types (Python's mimetypes), or octet-stream when nothing does.
    const uploads: Array<[string, string]> = [
      ["news/XDCAM_0001.MXF", "application/mxf"],
      ["avchd/00001.m2ts", "application/octet-stream"],
      ["tape/capture.dv", "video/x-dv"],
      ["dvd/VTS_01_1.VOB", "application/octet-stream"],
      ["flash/old.f4v", "application/octet-stream"],
      ["untitled", "application/MXF"],
      ["clip", "Video/MP4; codecs=avc1"],
    ];
    for (const [name, contentType] of uploads) {
      assert.equal(decide(finalize(name, { contentType }), rules).action, "process", `${name} (${contentType})`);
    }
    assert.equal(decide(finalize("song.ogg", { contentType: "audio/ogg" }), rules).action, "skip");
  });

  it("skips, with a reason, what is not an uploaded video", () => {
    const cases: Array<[NotificationMessage, RegExp]> = [
      [finalize("notes.txt", { contentType: "text/plain" }), /not a video \(content type text\/plain\)/],
      [{ ...finalize("a.mp4"), attributes: { ...finalize("a.mp4").attributes, eventType: "OBJECT_DELETE" } }, /event OBJECT_DELETE/],
      [
        { ...finalize("a.mp4"), attributes: { ...finalize("a.mp4").attributes, eventType: "OBJECT_METADATA_UPDATE" } },
        /event OBJECT_METADATA_UPDATE/,
      ],
      [finalize("videoflow/uploads/a.mp4/1/gray.mp4", { contentType: "video/mp4" }), /under the output directory/],
      [finalize("elsewhere/gray.mp4", { contentType: "video/mp4", metadata: { "videoflow-output": "true" } }), /written by videoflow/],
    ];
    for (const [message, reason] of cases) {
      const d = decide(message, rules);
      assert.equal(d.action, "skip");
      assert.match((d as { reason: string }).reason, reason);
    }
  });

  it("does not take an output prefix for a folder prefix of another name", () => {
    // "videoflow-raw/" is not under "videoflow/".
    assert.equal(decide(finalize("videoflow-raw/a.mp4"), rules).action, "process");
  });

  it("rejects malformed messages with what is wrong", () => {
    const good = finalize("a.mp4");
    const noObject = { attributes: { ...good.attributes, objectId: "" }, data: good.data };
    const badJson = { attributes: good.attributes, data: Buffer.from("{not json") };
    const badGeneration = { attributes: { ...good.attributes, objectGeneration: "latest" }, data: good.data };
    const notGcs = { attributes: { hello: "world" }, data: Buffer.from("hi") };
    // A name Cloud Storage never gives a bucket (too short, capitals, a slash): rejected, not a crash further on.
    for (const bucketId of ["in", "My-Bucket", "a/b", "-x-"]) {
      const d = decide({ attributes: { ...good.attributes, bucketId }, data: good.data }, rules);
      assert.equal(d.action, "reject", bucketId);
      assert.match((d as { reason: string }).reason, /bucketId is not a Cloud Storage bucket name/);
    }
    assert.match((decide(noObject, rules) as { reason: string }).reason, /objectId is empty/);
    assert.match((decide(badJson, rules) as { reason: string }).reason, /payload is not JSON/);
    assert.match((decide(badGeneration, rules) as { reason: string }).reason, /objectGeneration is not a generation number/);
    const d = decide(notGcs, rules);
    assert.equal(d.action, "reject");
    assert.match((d as { reason: string }).reason, /not a Cloud Storage notification: bucketId/);
  });
});
