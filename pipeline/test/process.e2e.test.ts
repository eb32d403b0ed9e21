/**
 * End to end: the real `videoflow process` command on the direct runner, with
 * real ffmpeg and OpenCV, over generated clips and real footage.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { fractionValue } from "../src/video/probe";
import { opencv } from "../src/video/vision";
import { CliResult, audioFacts, grayDistance, makeClip, maxChromaDeviation, runCli, sample, tempDir, videoFacts } from "./helpers";

interface Case {
  name: string;
  file: () => string;
  /** Expected number of segments with --segmentSeconds 4. */
  segments: number;
  /** The audio codec gray.mp4 should have: the source's when MP4 holds it, else AAC; null without sound. */
  audio: string | null;
  /** Pictures of the source its decoder cannot decode. */
  undecodable: number;
  /** Packets an edit list leaves out (box.mp4's last). */
  discarded?: number;
}

describe("videoflow process: every video gets gray.mp4, preview.jpg and manifest.json", () => {
  const dir = tempDir();
  const out = path.join(dir, "out");
  const cases: Case[] = [
    {
      name: "h264-audio.mp4",
      segments: 2,
      audio: "aac",
      undecodable: 0,
      file: () => makeClip(path.join(dir, "h264-audio.mp4"), { width: 640, height: 360, rate: "30000/1001", seconds: 9, audio: true }),
    },
    {
      name: "vp9.webm",
      segments: 1,
      audio: null,
      undecodable: 0,
      file: () => makeClip(path.join(dir, "vp9.webm"), { width: 426, height: 240, rate: "25", seconds: 5, codec: "vp9" }),
    },
    {
      name: "odd-size.mp4",
      segments: 1,
      audio: null,
      undecodable: 0,
      file: () => makeClip(path.join(dir, "odd-size.mp4"), { width: 321, height: 241, rate: "24", seconds: 3 }),
    },
    {
      name: "mpeg4.avi",
      segments: 1,
      audio: "aac",
      undecodable: 0,
      file: () => makeClip(path.join(dir, "mpeg4.avi"), { width: 352, height: 288, rate: "15", seconds: 4, codec: "mpeg4", audio: true }),
    },
    {
      name: "h264.ts",
      segments: 2,
      audio: "aac",
      undecodable: 0,
      file: () => makeClip(path.join(dir, "h264.ts"), { width: 320, height: 240, rate: "25", seconds: 7, audio: true }),
    },
    { name: "vtest.avi", segments: 20, audio: null, undecodable: 0, file: () => sample("vtest.avi") },
    { name: "Megamind.avi", segments: 3, audio: "ac3", undecodable: 0, file: () => sample("Megamind.avi") },
    { name: "box.mp4", segments: 4, audio: "mp3", undecodable: 2, discarded: 1, file: () => sample("box.mp4") },
  ];
  const sources = new Map<string, string>();
  let run: CliResult;

  before(() => {
    // Arrange: generated clips (H.264 with audio at 29.97 fps, VP9 WebM, odd
    // dimensions, MPEG-4 Part 2 in AVI) and OpenCV's real sample footage.
    for (const c of cases) sources.set(c.name, c.file());
    // Act: one run over all of them, cut into 4-second segments.
    run = runCli(["process", ...sources.values(), "--output", out, "--segmentSeconds", "4", "--previewFrames", "6"]);
  });

  it("exits 0 and reports every video done", () => {
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.events.filter((e) => e.event === "video done").length, cases.length);
    assert.ok(
      run.events.every((e) => typeof e.severity === "string" && typeof e.message === "string"),
      "JSON log lines for Cloud Logging",
    );
  });

  for (const c of cases) {
    it(`${c.name}: same frames, size and rate, truly gray, with preview and manifest`, () => {
      const source = sources.get(c.name)!;
      const folder = path.join(out, c.name);
      const input = videoFacts(source);
      const gray = videoFacts(path.join(folder, "gray.mp4"));
      const manifest = JSON.parse(readFileSync(path.join(folder, "manifest.json"), "utf8"));
      // Every picture of the source, but those its decoder cannot decode (box.mp4 starts with two), counted in the
      // manifest, and those its edit list leaves out.
      assert.equal(gray.frames, input.frames - c.undecodable - (c.discarded ?? 0), "frame count");
      assert.equal(manifest.video.frames, gray.frames);
      assert.equal(manifest.video.framesUndecodable, c.undecodable);
      assert.deepEqual([gray.width, gray.height], [input.width, input.height], "resolution");
      assert.ok(
        Math.abs(fractionValue(gray.rFrameRate) - fractionValue(input.rFrameRate)) < 0.01,
        `frame rate ${gray.rFrameRate} vs ${input.rFrameRate}`,
      );
      assert.ok(maxChromaDeviation(path.join(folder, "gray.mp4"), gray.width, gray.height) <= 1, "chroma is neutral");
      // The source's picture, pixel by pixel, as a player shows both (the gray video's range flag is right: the
      // full-range values it held before, read as limited range, were 9 levels off on average).
      const distances = grayDistance(source, path.join(folder, "gray.mp4"), input.width, input.height);
      assert.equal(distances.length, 10);
      distances.forEach((d, i) => assert.ok(d < 4, `frame ${i}: ${d.toFixed(2)} levels from the source's on average`));
      const sound = audioFacts(path.join(folder, "gray.mp4"));
      assert.equal(sound?.codec ?? null, c.audio, "the source's sound is kept");
      if (sound) assert.ok(Math.abs(sound.durationSec - audioFacts(source)!.durationSec) < 0.1, `sound lasts ${sound.durationSec} s`);

      assert.equal(manifest.source, source);
      assert.equal(manifest.status, "ok");
      assert.equal(manifest.key, c.name);
      assert.equal(manifest.video.width, input.width);
      assert.equal(manifest.video.height, input.height);
      assert.ok(Math.abs(manifest.video.fps - fractionValue(input.rFrameRate)) < 0.01);
      assert.ok(manifest.video.durationSec > 0);
      assert.equal(manifest.segments, c.segments);
      assert.deepEqual(manifest.outputs, {
        grayVideo: path.join(folder, "gray.mp4"),
        preview: path.join(folder, "preview.jpg"),
        manifest: path.join(folder, "manifest.json"),
      });
      assert.ok(manifest.metrics.wallSec > 0 && manifest.metrics.framesPerSec > 0);

      const cv = opencv();
      const preview = cv.imread(path.join(folder, "preview.jpg"));
      // 6 frames: 4 columns, 2 rows of thumbnails at most 320 wide.
      const thumbWidth = Math.min(320, input.width);
      assert.equal(preview.cols, 4 * thumbWidth + 5 * 4);
      const [b, g, r] = cv.split(preview).map((m) => m.mean().w);
      assert.ok(Math.abs(b - g) < 1 && Math.abs(g - r) < 1, "the preview is gray too");
    });
  }

  it("leaves no work files behind and writes no dead letters", () => {
    assert.equal(existsSync(path.join(out, "_work")) && readdirSync(path.join(out, "_work")).length > 0, false);
    assert.equal(existsSync(path.join(out, "_deadletter")), false);
  });

  it("writes the same paths again when the same input is processed again", () => {
    const before = JSON.parse(readFileSync(path.join(out, "vp9.webm", "manifest.json"), "utf8"));
    const again = runCli(["process", sources.get("vp9.webm")!, "--output", out]);
    assert.equal(again.code, 0, again.stdout);
    const after = JSON.parse(readFileSync(path.join(out, "vp9.webm", "manifest.json"), "utf8"));
    assert.deepEqual(after.outputs, before.outputs);
    assert.notEqual(after.createdAt, before.createdAt, "the manifest was rewritten");
    assert.equal(videoFacts(path.join(out, "vp9.webm", "gray.mp4")).frames, 125);
    assert.deepEqual(readdirSync(path.join(out, "vp9.webm")).sort(), ["gray.mp4", "manifest.json", "preview.jpg"]);
  });
});
