/**
 * End to end: `videoflow process` reading gs:// objects and writing to a
 * gs:// prefix, against the Cloud Storage emulator (fake-gcs-server).
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { StorageEmulator, startStorageEmulator } from "../dev/storage-emulator";
import { storageClient } from "../src/io/storage";
import { CliResult, ffmpeg, makeClip, runCliAsync, tempDir, videoFacts } from "./helpers";

describe("videoflow process with Cloud Storage inputs and outputs", () => {
  const dir = tempDir();
  let emulator: StorageEmulator;
  let storage: import("@google-cloud/storage").Storage;
  let run: CliResult;
  let local: string;
  let firstGeneration: string;
  let secondGeneration: string;
  const scratch = tempDir();

  before(async () => {
    // Arrange: one object with a space in its name, one local file, one object that does not exist, and the first
    // generation of an object uploaded twice (a bucket without versioning keeps only the second).
    emulator = await startStorageEmulator({ projectId: "videoflow-test" });
    process.env.STORAGE_EMULATOR_HOST = emulator.url;
    storage = storageClient({ projectId: "videoflow-test" });
    await storage.createBucket("in-bucket");
    await storage.createBucket("out-bucket");
    const clip = makeClip(path.join(dir, "a.mp4"), { width: 320, height: 180, rate: "25", seconds: 5, audio: true });
    await storage.bucket("in-bucket").upload(clip, { destination: "videos/a b.mp4", contentType: "video/mp4", resumable: false });
    local = makeClip(path.join(dir, "local.mp4"), { width: 160, height: 90, rate: "30", seconds: 2 });
    const upload = () => storage.bucket("in-bucket").upload(local, { destination: "old/twice.mp4", resumable: false });
    firstGeneration = String((await upload())[0].metadata.generation);
    secondGeneration = String((await upload())[0].metadata.generation);
    // Two MPEG-TS recordings put one after the other, each clock from the start: read through a continuous copy.
    const recordings = [0, 1].map((i) => {
      const part = path.join(dir, `part-${i}.ts`);
      ffmpeg([
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x120:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine",
        "-t",
        "2",
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
        "-f",
        "mpegts",
        "-y",
        part,
      ]);
      return readFileSync(part);
    });
    writeFileSync(path.join(dir, "joined.ts"), Buffer.concat(recordings));
    await storage.bucket("in-bucket").upload(path.join(dir, "joined.ts"), { destination: "tv/joined.ts", resumable: false });
    // Act
    run = await runCliAsync(
      [
        "process",
        "gs://in-bucket/videos/a b.mp4",
        local,
        "gs://in-bucket/missing.mp4",
        `gs://in-bucket/old/twice.mp4#${firstGeneration}`,
        "gs://in-bucket/tv/joined.ts",
        "--output",
        "gs://out-bucket/run",
        "--segmentSeconds",
        "2",
      ],
      {
        STORAGE_EMULATOR_HOST: emulator.url,
        GOOGLE_CLOUD_PROJECT: "videoflow-test",
        METADATA_SERVER_DETECTION: "none",
        VIDEOFLOW_SCRATCH: scratch,
      },
    );
  });

  after(async () => {
    await emulator?.stop();
  });

  async function names(prefix: string): Promise<string[]> {
    const [files] = await storage.bucket("out-bucket").getFiles({ prefix });
    return files.map((f) => f.name).sort();
  }

  it("exits 1: one input is missing", () => {
    assert.equal(run.code, 1, run.stdout + run.stderr);
  });

  it("writes the object's results under its sanitised object name, marked as videoflow's output", async () => {
    assert.deepEqual(await names("run/videos/"), [
      "run/videos/a_b.mp4/gray.mp4",
      "run/videos/a_b.mp4/manifest.json",
      "run/videos/a_b.mp4/preview.jpg",
    ]);
    const gray = path.join(dir, "gray.mp4");
    await storage.bucket("out-bucket").file("run/videos/a_b.mp4/gray.mp4").download({ destination: gray });
    assert.equal(videoFacts(gray).frames, 125);
    const [manifest] = await storage.bucket("out-bucket").file("run/videos/a_b.mp4/manifest.json").download();
    const parsed = JSON.parse(manifest.toString());
    assert.equal(parsed.source, "gs://in-bucket/videos/a b.mp4");
    assert.equal(parsed.segments, 3, "125 frames in 2 s (50-frame) segments: 50, 50 and 25");
    assert.equal(parsed.outputs.grayVideo, "gs://out-bucket/run/videos/a_b.mp4/gray.mp4");
    const [metadata] = await storage.bucket("out-bucket").file("run/videos/a_b.mp4/gray.mp4").getMetadata();
    assert.equal(metadata.metadata?.["videoflow-output"], "true");
    assert.equal(metadata.contentType, "video/mp4");
  });

  it("uploads a local input's results too", async () => {
    assert.deepEqual(await names("run/local.mp4/"), ["run/local.mp4/gray.mp4", "run/local.mp4/manifest.json", "run/local.mp4/preview.jpg"]);
  });

  it("dead-letters the missing object and leaves no work objects", async () => {
    const [record] = await storage.bucket("out-bucket").file("run/_deadletter/missing.mp4.json").download();
    const parsed = JSON.parse(record.toString());
    assert.equal(parsed.stage, "input");
    assert.equal(parsed.reason, "gs://in-bucket/missing.mp4 does not exist");
    assert.deepEqual(await names("run/_work/"), []);
  });

  it("dead-letters a generation uploaded over, saying that the object was uploaded again", async () => {
    assert.notEqual(firstGeneration, secondGeneration);
    const [record] = await storage.bucket("out-bucket").file("run/_deadletter/old/twice.mp4.json").download();
    const parsed = JSON.parse(record.toString());
    assert.equal(parsed.stage, "input");
    assert.equal(
      parsed.reason,
      `gs://in-bucket/old/twice.mp4#${firstGeneration} does not exist: gs://in-bucket/old/twice.mp4 was uploaded again ` +
        `(generation ${secondGeneration}) before this upload was processed; the new upload's own notification has it processed`,
    );
  });

  it("reads an object of recordings joined end to end through a continuous copy of it", async () => {
    const [manifest] = await storage.bucket("out-bucket").file("run/tv/joined.ts/manifest.json").download();
    const { video } = JSON.parse(manifest.toString());
    assert.deepEqual([video.frames, video.durationSec, video.timestampJumps], [100, 4, 1]);
  });

  it("leaves no staged copy or continuous copy in its scratch directory", () => {
    for (const folder of ["inputs", "work"]) assert.deepEqual(readdirSync(path.join(scratch, folder)), [], folder);
  });
});
