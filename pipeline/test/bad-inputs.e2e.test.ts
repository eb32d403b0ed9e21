/**
 * End to end: inputs that cannot be processed go to the dead letter with the
 * stage and a reason, the other inputs of the same run still complete, and
 * the exit status says which happened.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { CliResult, ffmpeg, makeClip, runCli, tempDir, videoFacts } from "./helpers";

describe("videoflow process: bad inputs go to the dead letter, good ones still complete", () => {
  const dir = tempDir();
  const out = path.join(dir, "out");
  const bad: Record<string, { file: string; stage: string; reason: RegExp }> = {};
  let good: string;
  let run: CliResult;

  before(() => {
    // Arrange: one good clip and one of each kind of bad input.
    good = makeClip(path.join(dir, "good.mp4"), { width: 320, height: 180, rate: "25", seconds: 3 });
    const text = path.join(dir, "notes.mp4");
    writeFileSync(text, "not a video\n".repeat(500));
    const empty = path.join(dir, "empty.mp4");
    writeFileSync(empty, "");
    // Truncated: a file whose index is at the end loses it; one whose index is
    // at the front (faststart) keeps it but loses frames.
    const whole = makeClip(path.join(dir, "whole.mp4"), { width: 320, height: 180, rate: "25", seconds: 6 });
    const cutEnd = path.join(dir, "cut-end.mp4");
    writeFileSync(cutEnd, readFileSync(whole).subarray(0, Math.floor(statSync(whole).size / 2)));
    const faststart = path.join(dir, "faststart.mp4");
    ffmpeg(["-i", whole, "-c", "copy", "-movflags", "+faststart", "-y", faststart]);
    const cutFrames = path.join(dir, "cut-frames.mp4");
    writeFileSync(cutFrames, readFileSync(faststart).subarray(0, Math.floor(statSync(faststart).size / 2)));
    const song = path.join(dir, "song.m4a");
    ffmpeg(["-f", "lavfi", "-i", "sine", "-t", "2", "-c:a", "aac", "-y", song]);
    const unreadable = path.join(dir, "no-such-video.mp4");
    // A photo named as a video, and a podcast episode: sound and its cover picture.
    const photo = path.join(dir, "photo.mp4");
    ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180", "-frames:v", "1", "-f", "mjpeg", "-y", photo]);
    const podcast = path.join(dir, "podcast.mp4");
    ffmpeg([
      "-i",
      photo,
      "-f",
      "lavfi",
      "-i",
      "sine",
      "-t",
      "2",
      "-map",
      "1:a",
      "-map",
      "0:v",
      "-c:a",
      "aac",
      "-c:v",
      "copy",
      "-disposition:v",
      "attached_pic",
      "-y",
      podcast,
    ]);

    bad["notes.mp4"] = { file: text, stage: "probe", reason: /notes.mp4 is not a readable video: moov atom not found/ };
    bad["empty.mp4"] = { file: empty, stage: "input", reason: /empty.mp4 is empty \(0 bytes\)/ };
    bad["cut-end.mp4"] = { file: cutEnd, stage: "probe", reason: /cut-end.mp4 is not a readable video/ };
    bad["cut-frames.mp4"] = {
      file: cutFrames,
      stage: "probe",
      reason: /cut-frames.mp4 is truncated: only \d\.\d s of the 6\.0 s it declares could be read \(\d+ of 150 frames\)/,
    };
    bad["song.m4a"] = { file: song, stage: "probe", reason: /song.m4a has no video stream \(it has: audio\)/ };
    bad["photo.mp4"] = { file: photo, stage: "probe", reason: /photo.mp4 is a still picture \(mjpeg\), not a video/ };
    bad["podcast.mp4"] = { file: podcast, stage: "probe", reason: /podcast.mp4 has no video stream \(it has: audio, a cover picture\)/ };
    bad["no-such-video.mp4"] = { file: unreadable, stage: "input", reason: /no-such-video.mp4 does not exist/ };

    // Act
    run = runCli(["process", good, ...Object.values(bad).map((b) => b.file), "--output", out]);
  });

  it("exits 1 and still writes the good video", () => {
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(videoFacts(path.join(out, "good.mp4", "gray.mp4")).frames, 75);
    assert.ok(existsSync(path.join(out, "good.mp4", "manifest.json")));
  });

  it("writes one dead-letter record per bad input, naming the stage and the reason", () => {
    for (const [key, want] of Object.entries(bad)) {
      const record = JSON.parse(readFileSync(path.join(out, "_deadletter", `${key}.json`), "utf8"));
      assert.equal(record.source, want.file, key);
      assert.equal(record.status, "failed");
      assert.equal(record.stage, want.stage, `${key}: ${record.reason}`);
      assert.match(record.reason, want.reason, key);
      assert.ok(!Number.isNaN(Date.parse(record.failedAt)));
      assert.equal(existsSync(path.join(out, key, "manifest.json")), false, `${key} has no manifest`);
    }
  });

  it("logs each failure with its reason", () => {
    const letters = run.events.filter((e) => e.event === "dead letter");
    assert.equal(letters.length, Object.keys(bad).length);
    assert.ok(letters.every((e) => e.severity === "WARNING" && typeof e.reason === "string"));
  });

  it("sends a video over maxInputBytes to the dead letter with its size", () => {
    const small = runCli(["process", good, "--output", path.join(dir, "out-small"), "--maxInputBytes", "1000"]);
    assert.equal(small.code, 1);
    const record = JSON.parse(readFileSync(path.join(dir, "out-small", "_deadletter", "good.mp4.json"), "utf8"));
    assert.equal(record.stage, "input");
    assert.match(record.reason, /good.mp4 is \d+\.\d KiB, larger than the 1000 bytes allowed \(maxInputBytes\)/);
  });

  it("replaces a dead letter once the video succeeds", () => {
    const again = runCli(["process", good, "--output", path.join(dir, "out-small")]);
    assert.equal(again.code, 0);
    assert.equal(existsSync(path.join(dir, "out-small", "_deadletter", "good.mp4.json")), false);
  });
});

describe("videoflow: usage errors exit 2 with a clear message", () => {
  // usage: whether the usage text follows (the command line's shape is wrong) or only the one line (a value is).
  const cases: Array<{ args: string[]; message: RegExp; usage: boolean }> = [
    { args: [], message: /no command given/, usage: true },
    { args: ["transcode", "a.mp4"], message: /unknown command "transcode"/, usage: true },
    { args: ["process", "a.mp4"], message: /--outputDirectory \(--output\) is required/, usage: false },
    { args: ["process", "--output", "/tmp/x"], message: /no input videos given/, usage: false },
    {
      args: ["process", "a.mp4", "--output", "/tmp/x", "--segmentSeconds", "soon"],
      message: /--segmentSeconds .*\(got "soon"\)/,
      usage: false,
    },
    { args: ["process", "a.mp4", "--output", "/tmp/x", "--colour", "red"], message: /unknown option --colour/, usage: true },
    {
      args: ["process", "/a/clip.mp4", "/b/clip.mp4", "--output", "/tmp/x"],
      message: /\/a\/clip.mp4 and \/b\/clip.mp4 would both write to the output folder "clip.mp4"/,
      usage: false,
    },
  ];
  for (const c of cases) {
    it(`videoflow ${c.args.join(" ") || "(nothing)"}`, () => {
      const result = runCli(c.args);
      assert.equal(result.code, 2);
      assert.match(result.stderr, c.message);
      if (c.usage) assert.match(result.stderr, /usage: videoflow process/);
      else assert.equal(result.stderr.trim().split("\n").length, 2, `one line and the pointer to help:\n${result.stderr}`);
    });
  }

  it("prints help with every parameter", () => {
    const result = runCli(["help"]);
    assert.equal(result.code, 0);
    for (const name of ["--output, --outputDirectory", "--segmentSeconds", "--previewFrames", "--maxInputBytes"])
      assert.ok(result.stdout.includes(name), name);
  });
});
