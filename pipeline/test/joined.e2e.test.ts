/**
 * End to end: recordings joined end to end (MPEG-TS files put one after the
 * other, DVD VOBs, tape captures), each with a clock of its own that starts
 * over; a recording with a single keyframe (screen recorders), cut where no
 * keyframe is near; and a browser's recording whose picture changes size part
 * way. Through the real `videoflow process`, whole and in 1-second segments:
 * every frame as players show them, in order, with all the sound.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { opencv } from "../src/video/vision";
import { CliResult, audioFacts, containerDuration, decodedFrameCount, ffmpeg, grayFrames, runCli, tempDir } from "./helpers";

interface Case {
  name: string;
  what: string;
  /** Its parts: each a recording of its own, `seconds` long at `size`, written in `format`. */
  parts: Array<{ size: string; seconds: number }>;
  codecs: string[];
  format: string;
  /** The size players show (a picture that changes size is shown at its first). */
  shown: [number, number];
  /** What the manifest says of the clock starting over. */
  timestampJumps: number;
}

const cases: Case[] = [
  {
    name: "joined.ts",
    what: "two broadcast recordings put one after the other, each clock from the start, one keyframe each",
    parts: [
      { size: "320x240", seconds: 2 },
      { size: "320x240", seconds: 2 },
    ],
    codecs: ["-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac"],
    format: "mpegts",
    shown: [320, 240],
    timestampJumps: 1,
  },
  {
    name: "dvd.vob",
    what: "a DVD's VOBs joined: MPEG-2 and AC-3 in MPEG-PS, each VOB's clock from the start",
    parts: [
      { size: "352x288", seconds: 2 },
      { size: "352x288", seconds: 2 },
    ],
    codecs: ["-c:v", "mpeg2video", "-b:v", "2M", "-c:a", "ac3"],
    format: "vob",
    shown: [352, 288],
    timestampJumps: 1,
  },
  {
    name: "screen.ts",
    what: "a screen recording in MPEG-TS with one keyframe: segments start where there is none near",
    parts: [{ size: "320x240", seconds: 4 }],
    codecs: ["-c:v", "libx264", "-preset", "veryfast", "-g", "1000", "-c:a", "aac"],
    format: "mpegts",
    shown: [320, 240],
    timestampJumps: 0,
  },
  {
    name: "resized.webm",
    what: "a browser's recording of a window made larger part way: VP8 and Opus, 320x240 then 640x480",
    parts: [
      { size: "320x240", seconds: 2 },
      { size: "640x480", seconds: 2 },
    ],
    codecs: ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k", "-c:a", "libopus"],
    format: "webm",
    shown: [320, 240],
    timestampJumps: 0,
  },
];

/** Every frame of a file as players decode it (timestamps made continuous), gray, at one size. */
function framesAsPlayed(file: string, size: [number, number]): Buffer[] {
  const raw = grayFrames(file, 100000, size);
  const n = size[0] * size[1];
  return Array.from({ length: raw.length / n }, (_, k) => raw.subarray(k * n, (k + 1) * n));
}

function meanDistance(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** A clip made of its parts: each recorded on its own (its own tone, its clock from the start), put one after the other. */
function makeJoined(dir: string, c: Case): string {
  const parts = c.parts.map((part, i) => {
    const file = path.join(dir, `${i}-${c.name}`);
    // Parts of other patterns, so that a frame out of place shows.
    ffmpeg([
      ...["-f", "lavfi", "-i", `${i % 2 === 0 ? "testsrc2" : "testsrc"}=size=${part.size}:rate=25`],
      ...["-f", "lavfi", "-i", `sine=frequency=${440 * (i + 1)}:sample_rate=48000`],
      ...["-t", String(part.seconds), ...c.codecs, "-f", c.format, "-y", file],
    ]);
    return file;
  });
  const joined = path.join(dir, c.name);
  if (c.format === "webm") {
    // A browser's recorder keeps one stream going: the frames after the change carry the new size (the concat demuxer, copying).
    const list = path.join(dir, `${c.name}.txt`);
    writeFileSync(list, parts.map((p) => `file '${p}'\n`).join(""));
    ffmpeg(["-f", "concat", "-safe", "0", "-i", list, "-c", "copy", "-y", joined]);
  } else writeFileSync(joined, Buffer.concat(parts.map((p) => readFileSync(p))));
  return joined;
}

describe("recordings joined end to end, one keyframe, a picture that changes size: every frame as players show it", () => {
  const dir = tempDir();
  const sources = new Map<string, string>();
  const runs = new Map<number, CliResult>();
  const SEGMENTS = [0, 1];

  before(() => {
    // Arrange: each clip as its source makes it.
    for (const c of cases) sources.set(c.name, makeJoined(dir, c));
    // Act: all of them, whole and cut into 1-second segments.
    for (const seconds of SEGMENTS) {
      runs.set(
        seconds,
        runCli(["process", ...sources.values(), "--output", path.join(dir, `out-${seconds}`), "--segmentSeconds", String(seconds)]),
      );
    }
  });

  it("processes every clip every way", () => {
    for (const [seconds, run] of runs) assert.equal(run.code, 0, `segmentSeconds ${seconds}: ${run.stdout.slice(-3000)}${run.stderr}`);
  });

  for (const c of cases) {
    it(`${c.name} (${c.what})`, () => {
      const source = sources.get(c.name)!;
      const played = framesAsPlayed(source, c.shown);
      const seconds = c.parts.reduce((sum, p) => sum + p.seconds, 0);
      assert.equal(played.length, seconds * 25, "the clip holds every part's frames");
      assert.equal(decodedFrameCount(source), played.length);
      for (const segmentSeconds of SEGMENTS) {
        const folder = path.join(dir, `out-${segmentSeconds}`, c.name);
        const grayVideo = path.join(folder, "gray.mp4");
        const manifest = JSON.parse(readFileSync(path.join(folder, "manifest.json"), "utf8"));
        const how = `segmentSeconds ${segmentSeconds}`;
        // Assert: every frame, in the order players show them, at the size they show.
        const frames = framesAsPlayed(grayVideo, c.shown);
        assert.equal(frames.length, played.length, how);
        assert.equal(manifest.video.frames, played.length, how);
        frames.forEach((f, i) => {
          const d = meanDistance(f, played[i]);
          assert.ok(d < 4, `${how}: frame ${i} is ${d.toFixed(2)} levels from the source's as played`);
        });
        // As long as every part together, with all the sound.
        assert.ok(Math.abs(containerDuration(grayVideo) - seconds) < 0.1, `${how}: gray.mp4 lasts ${containerDuration(grayVideo)} s`);
        const sound = audioFacts(grayVideo)!;
        assert.ok(Math.abs(sound.durationSec - seconds) < 0.1, `${how}: the sound lasts ${sound.durationSec} s`);
        assert.equal(manifest.video.timestampJumps, c.timestampJumps, how);
        assert.equal(manifest.video.fps, 25, `${how}: the rate the recordings were made at`);
        assert.deepEqual([manifest.video.width, manifest.video.height], c.shown, how);
        // The preview's thumbnails are all of one size, the first part's.
        const preview = opencv().imread(path.join(folder, "preview.jpg"));
        assert.ok(preview.cols > c.shown[0] && preview.rows > c.shown[1], how);
      }
    });
  }
});
