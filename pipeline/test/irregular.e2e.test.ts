/**
 * End to end: footage whose frames are not a plain run of pictures. Each clip
 * is processed whole and cut into segments of 1 to 4 seconds; every way gives
 * the same frames at the same times, the source's timing and a truthful
 * manifest. Files that are truncated, or hold nothing decodable, still go to
 * the dead letter, saying how much could be read.
 */
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { fractionValue } from "../src/video/probe";
import {
  CliResult,
  containerDuration,
  ffmpeg,
  frameTimes,
  lumaMeans,
  maxChromaDeviation,
  runCli,
  sample,
  tempDir,
  videoFacts,
} from "./helpers";

interface Case {
  name: string;
  width: number;
  height: number;
  /** What the manifest must say. */
  frames: number;
  framesListed: number;
  framesHeld: number;
  framesUndecodable: number;
  timing: "constant" | "variable";
  /**
   * How far the frame times of a segmented run may be from the whole run's:
   * MP4 edit lists round to the millisecond, and each segment places
   * box.mp4's millisecond timestamps, which are off its 29.97 fps grid, on
   * that grid from its own start.
   */
  tolerance: number;
  /** How far gray.mp4's frame times may be from the source's: half a frame unless said (see the assertion). */
  sourceTolerance?: number;
}

const SEGMENTS = [0, 1, 2, 3, 4];

/** Presentation times that only go forward (a decoder's stray repeat dropped), as gray.mp4 keeps them. */
function forward(times: number[]): number[] {
  return times.filter((t, i) => times.slice(0, i).every((u) => u < t));
}

describe("irregular footage: the same frames and timing whatever segmentSeconds is", () => {
  const dir = tempDir();
  const files: Record<string, string> = {};
  const runs = new Map<number, CliResult>();
  const indexed = (rate: number, seconds: number) => [
    "-f",
    "lavfi",
    "-i",
    `nullsrc=s=160x120:r=${rate},geq=lum='16+mod(N*37\\,200)':cb=128:cr=128`,
    "-t",
    String(seconds),
  ];
  const cases: Case[] = [
    // An AVI as capture software writes it: 6 of every 20 frames have a picture, the rest are empty chunks (held frames).
    {
      name: "held.avi",
      width: 160,
      height: 120,
      frames: 55,
      framesListed: 169,
      framesHeld: 114,
      framesUndecodable: 0,
      timing: "constant",
      tolerance: 0.0015,
    },
    // Variable frame rate: frames at irregular times.
    {
      name: "vfr.mp4",
      width: 160,
      height: 120,
      frames: 84,
      framesListed: 84,
      framesHeld: 0,
      framesUndecodable: 0,
      timing: "variable",
      tolerance: 0.0015,
    },
    // OpenCV's sample: its first frames have broken slices, and its decoder repeats a frame at the end.
    {
      name: "box.mp4",
      width: 640,
      height: 480,
      frames: 453,
      framesListed: 455,
      framesHeld: 0,
      framesUndecodable: 2,
      timing: "constant",
      tolerance: 0.005,
    },
    // A browser's MP4 (Chrome's MediaRecorder): fragmented, timed in milliseconds by the capture clock, its first frame
    // longer (0, 42, 77, 107, 142 ms...): up to 10 ms off the 30 fps grid ffprobe names. Every frame keeps its time.
    {
      name: "browser.mp4",
      width: 160,
      height: 120,
      frames: 195,
      framesListed: 195,
      framesHeld: 0,
      framesUndecodable: 0,
      timing: "variable",
      tolerance: 0.0015,
      sourceTolerance: 0.0015,
    },
  ];
  let bad: CliResult;

  before(() => {
    // Arrange
    files["held.avi"] = path.join(dir, "held.avi");
    ffmpeg([
      ...indexed(15, 11.3),
      "-vf",
      "select='lt(mod(n\\,20)\\,6)+eq(n\\,168)'",
      "-vsync",
      "passthrough",
      "-c:v",
      "mpeg4",
      "-q:v",
      "5",
      "-y",
      files["held.avi"],
    ]);
    files["vfr.mp4"] = path.join(dir, "vfr.mp4");
    ffmpeg([
      ...indexed(30, 6.5),
      "-vf",
      "select='not(mod(n\\,3))+eq(mod(n\\,7)\\,1)'",
      "-vsync",
      "passthrough",
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-y",
      files["vfr.mp4"],
    ]);
    files["box.mp4"] = sample("box.mp4");
    files["browser.mp4"] = path.join(dir, "browser.mp4");
    ffmpeg([
      ...indexed(30, 6.5),
      "-vf",
      "settb=1/1000,setpts='(N/30+0.007*gt(N\\,0)+0.002*mod(N\\,3))/TB'",
      "-fps_mode",
      "passthrough",
      "-enc_time_base",
      "1/1000",
      "-video_track_timescale",
      "1000",
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-bf",
      "0",
      "-g",
      "30",
      "-movflags",
      "frag_keyframe+empty_moov+default_base_moof",
      "-y",
      files["browser.mp4"],
    ]);
    // Act: each way of cutting, into its own output folder.
    for (const seconds of SEGMENTS) {
      runs.set(
        seconds,
        runCli(["process", ...Object.values(files), "--output", path.join(dir, `out-${seconds}`), "--segmentSeconds", String(seconds)]),
      );
    }
  });

  it("processes every clip every way", () => {
    for (const [seconds, run] of runs) assert.equal(run.code, 0, `segmentSeconds ${seconds}: ${run.stdout.slice(-3000)}${run.stderr}`);
  });

  for (const c of cases) {
    it(`${c.name}: same frames at the source's times, truly gray, manifest truthful, whole or in segments`, () => {
      const source = files[c.name];
      const whole = path.join(dir, "out-0", c.name);
      // The frames a player shows: going forward in time, within the video's duration (box.mp4's edit list leaves its last out).
      const sourceTimes = forward(frameTimes(source)).filter((t) => t < containerDuration(source));
      const start = Math.min(...sourceTimes);
      const wholeTimes = frameTimes(path.join(whole, "gray.mp4"));
      const fps = fractionValue(videoFacts(source).rFrameRate);
      // Assert: the decodable frames, each at its time in the source (on the nominal rate's grid: box.mp4's
      // timestamps are rounded to the millisecond), within half a frame, or as said.
      assert.equal(wholeTimes.length, c.frames);
      assert.equal(sourceTimes.length, c.frames);
      sourceTimes.forEach((t, i) =>
        assert.ok(
          Math.abs(wholeTimes[i] - (t - start) - wholeTimes[0]) < (c.sourceTolerance ?? 0.5 / fps),
          `frame ${i} at ${wholeTimes[i]}, the source's at ${t}`,
        ),
      );
      // ...lasting as long as the source plays (held frames included), within one frame.
      const duration = containerDuration;
      assert.ok(
        Math.abs(duration(path.join(whole, "gray.mp4")) - duration(source)) <= 1 / fps + 0.001,
        `lasts ${duration(path.join(whole, "gray.mp4"))} s, the source ${duration(source)} s`,
      );
      if (c.name !== "box.mp4") {
        // Frame for frame the same pictures (each source frame has its own brightness), as bright as a player shows both.
        const want = lumaMeans(source, c.width, c.height);
        lumaMeans(path.join(whole, "gray.mp4"), c.width, c.height).forEach((y, i) => assert.ok(Math.abs(y - want[i]) < 3, `frame ${i}`));
      }
      assert.ok(maxChromaDeviation(path.join(whole, "gray.mp4"), c.width, c.height) <= 1, "chroma is neutral");
      const manifest = JSON.parse(readFileSync(path.join(whole, "manifest.json"), "utf8"));
      assert.deepEqual(
        {
          frames: manifest.video.frames,
          framesListed: manifest.video.framesListed,
          framesHeld: manifest.video.framesHeld,
          framesUndecodable: manifest.video.framesUndecodable,
          timing: manifest.video.timing,
        },
        {
          frames: c.frames,
          framesListed: c.framesListed,
          framesHeld: c.framesHeld,
          framesUndecodable: c.framesUndecodable,
          timing: c.timing,
        },
      );
      for (const seconds of SEGMENTS.slice(1)) {
        const folder = path.join(dir, `out-${seconds}`, c.name);
        const cut = JSON.parse(readFileSync(path.join(folder, "manifest.json"), "utf8"));
        assert.ok(cut.segments > 1, `${seconds} s segments: cut into ${cut.segments}`);
        assert.deepEqual({ ...cut.video }, { ...manifest.video }, `${seconds} s segments: the same manifest facts`);
        const times = frameTimes(path.join(folder, "gray.mp4"));
        assert.equal(times.length, wholeTimes.length, `${seconds} s segments: frame count`);
        times.forEach((t, i) =>
          assert.ok(Math.abs(t - wholeTimes[i]) < c.tolerance, `${seconds} s segments: frame ${i} at ${t}, whole at ${wholeTimes[i]}`),
        );
        assert.ok(
          Math.abs(duration(path.join(folder, "gray.mp4")) - duration(path.join(whole, "gray.mp4"))) < 0.002,
          `${seconds} s segments: duration`,
        );
      }
    });
  }

  describe("files that cannot be read to the end, or at all", () => {
    before(() => {
      // Arrange: the held AVI cut in half (its index at the end is lost), and an MP4 whose index is intact but whose frames are noise.
      const cut = path.join(dir, "cut.avi");
      writeFileSync(cut, readFileSync(files["held.avi"]).subarray(0, Math.floor(statSync(files["held.avi"]).size / 2)));
      const noise = path.join(dir, "noise.mp4");
      ffmpeg([...indexed(25, 4), "-c:v", "libx264", "-movflags", "+faststart", "-y", noise]);
      const bytes = readFileSync(noise);
      const mdat = bytes.indexOf("mdat");
      let seed = 7;
      for (let i = mdat + 4; i < bytes.length; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16;
      writeFileSync(noise, bytes);
      // Act
      bad = runCli(["process", cut, noise, "--output", path.join(dir, "out-bad")]);
    });

    it("dead-letters them with a reason that says how much was readable", () => {
      assert.equal(bad.code, 1);
      const record = (key: string) => JSON.parse(readFileSync(path.join(dir, "out-bad", "_deadletter", `${key}.json`), "utf8"));
      const cut = record("cut.avi");
      assert.equal(cut.stage, "probe");
      assert.match(cut.reason, /cut.avi is truncated: only \d+\.\d s of the 11\.3 s it declares could be read \(\d+ of 169 frames\)/);
      const noise = record("noise.mp4");
      assert.equal(noise.stage, "segment");
      assert.match(noise.reason, /noise.mp4: .*\(0 frames decoded\)|no frame of .*noise.mp4 could be decoded/);
    });
  });
});
