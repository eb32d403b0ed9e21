import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { videoKey } from "../src/io/keys";
import { buildManifest, outputLayout, writeManifest } from "../src/output/manifest";
import type { VideoInfo } from "../src/video/probe";
import { tempDir } from "./helpers";

const video: Omit<VideoInfo, "timeline"> = {
  codec: "h264",
  width: 640,
  height: 360,
  sampleAspectRatio: "1:1",
  rotation: 0,
  streamIndex: 0,
  fpsFraction: "30000/1001",
  fps: 30000 / 1001,
  frames: 1798,
  framesListed: 1800,
  framesHeld: 2,
  durationSec: 59.993267,
  pixelFormat: "yuv420p",
  colorRange: "tv",
  audioCodec: "aac",
  audioStreamIndex: 1,
  mirrored: false,
  constantRate: true,
  interlaced: false,
  container: "mov,mp4,m4a,3gp,3g2,mj2",
  timestampJumps: 0,
  continuousCopy: null,
};

describe("videoKey", () => {
  it("keeps the file or object name, sanitised", () => {
    assert.equal(videoKey("/data/in/vtest.avi"), "vtest.avi");
    assert.equal(videoKey("gs://bucket/uploads/2024/My Clip (1).mp4"), "uploads/2024/My_Clip_1_.mp4");
  });

  it("keeps letters and digits of every script, so Unicode names stay distinct", () => {
    assert.equal(videoKey("gs://bucket/動画.mp4"), "動画.mp4");
    assert.equal(videoKey("gs://bucket/視頻.mp4"), "視頻.mp4");
    assert.equal(videoKey("/data/हिन्दी वीडियो.mp4"), "हिन्दी_वीडियो.mp4", "combining marks are kept");
    assert.equal(videoKey("gs://bucket/Ünïcödé/été 2024.mov"), "Ünïcödé/été_2024.mov");
    assert.equal(videoKey("gs://bucket/ｆｕｌｌ　ｗｉｄｔｈ.mp4"), "full_width.mp4", "compatibility forms are folded (NFKC)");
    assert.equal(videoKey("gs://bucket/a\u202Egnp.mp4"), "a_gnp.mp4", "bidirectional overrides are not kept");
    assert.equal(videoKey("gs://bucket/tab\there\nnew.mp4"), "tab_here_new.mp4");
  });

  it("keeps every segment within 200 bytes of UTF-8, whole characters only", () => {
    const key = videoKey(`gs://bucket/${"動".repeat(100)}.mp4`);
    assert.ok(Buffer.byteLength(key) <= 200, `${Buffer.byteLength(key)} bytes`);
    assert.equal(key, "動".repeat(66));
  });

  it("gives plain ASCII names (its quick path) what the Unicode rules give them", () => {
    // The rules written out for ASCII: letters, digits, . _ - kept, other runs one _, a leading dot _, 200 bytes.
    const byRules = (name: string) =>
      name
        .replace(/[^A-Za-z0-9._-]+/g, "_")
        .replace(/^\.+/, "_")
        .slice(0, 200) || "_";
    const names = ["vtest.avi", "-x.mp4", "_a", ".hidden.mp4", "..", "a.b.c", "My Clip.mp4", "a".repeat(200), "b".repeat(201)];
    for (const name of [...names, ...names.map((n) => `${n}~`), "9", "Z-9_.x"])
      assert.equal(videoKey(`gs://bucket/${name}`), byRules(name), name);
  });

  it("never lets an object name climb out of the output directory", () => {
    for (const name of ["../../etc/passwd", "a/../../b", "./.hidden", "..", "x//y/./z"]) {
      const key = videoKey(`gs://bucket/${name}`);
      const resolved = path.resolve("/out", key);
      assert.ok(resolved.startsWith("/out/"), `${name} -> ${key} escapes`);
      assert.ok(!key.split("/").some((s) => s === ".." || s === "." || s.startsWith(".")), `${name} -> ${key}`);
    }
  });
});

describe("manifest", () => {
  it("lays out one folder per video and a dead-letter folder", () => {
    const layout = outputLayout("gs://b/out/", "uploads/a.mp4");
    assert.equal(layout.manifest, "gs://b/out/uploads/a.mp4/manifest.json");
    assert.equal(layout.grayVideo, "gs://b/out/uploads/a.mp4/gray.mp4");
    assert.equal(layout.deadLetter, "gs://b/out/_deadletter/uploads/a.mp4.json");
  });

  it("records the video, the outputs and the metrics", () => {
    const layout = outputLayout("/out", "a.mp4");
    const manifest = buildManifest({
      source: "/in/a.mp4",
      key: "a.mp4",
      video,
      decoded: 1797,
      undecodable: 1,
      layout,
      segments: 3,
      startedAt: 1_000_000,
      now: 1_000_000 + 4000,
      segmentSec: 5.5,
      assembleSec: 0.25,
    });
    assert.equal(manifest.status, "ok");
    assert.deepEqual(manifest.video, {
      codec: "h264",
      width: 640,
      height: 360,
      sampleAspectRatio: "1:1",
      rotation: 0,
      mirrored: false,
      fps: 29.97,
      durationSec: 59.993,
      frames: 1797,
      framesListed: 1800,
      framesHeld: 2,
      framesUndecodable: 1,
      timing: "constant",
      timestampJumps: 0,
    });
    assert.deepEqual(manifest.outputs, {
      grayVideo: "/out/a.mp4/gray.mp4",
      preview: "/out/a.mp4/preview.jpg",
      manifest: "/out/a.mp4/manifest.json",
    });
    assert.deepEqual(manifest.audio, { codec: "aac", grayVideoCodec: "aac" });
    assert.equal(manifest.metrics.wallSec, 4);
    assert.equal(manifest.metrics.framesPerSec, 449.3);
    assert.equal(manifest.segments, 3);
  });

  it("says what became of the sound: copied, converted to AAC, or none", () => {
    const layout = outputLayout("/out", "a.mov");
    const base = {
      source: "a.mov",
      key: "a.mov",
      decoded: 1798,
      undecodable: 0,
      layout,
      segments: 1,
      startedAt: 0,
      segmentSec: 1,
      assembleSec: 0,
    };
    const audio = (audioCodec: string | null, grayVideo?: boolean) =>
      buildManifest({ ...base, video: { ...video, audioCodec }, grayVideo }).audio;
    assert.deepEqual(audio("opus"), { codec: "opus", grayVideoCodec: "opus" });
    assert.deepEqual(audio("pcm_s24le"), { codec: "pcm_s24le", grayVideoCodec: "aac" });
    assert.deepEqual(audio("pcm_s24le", false), { codec: "pcm_s24le" });
    assert.equal(audio(null), null);
  });

  it("writes the manifest whole and clears an old dead letter", async () => {
    const out = tempDir();
    const layout = outputLayout(out, "a.mp4");
    mkdirSync(path.dirname(layout.deadLetter), { recursive: true });
    writeFileSync(layout.deadLetter, "{}");
    const manifest = buildManifest({
      source: "a.mp4",
      key: "a.mp4",
      video,
      decoded: 1798,
      undecodable: 0,
      layout,
      segments: 1,
      startedAt: 0,
      now: 1000,
      segmentSec: 1,
      assembleSec: 0,
    });
    assert.equal(await writeManifest(manifest, layout), true);
    assert.deepEqual(JSON.parse(readFileSync(layout.manifest, "utf8")), manifest);
    assert.equal(existsSync(layout.deadLetter), false);
  });
});
