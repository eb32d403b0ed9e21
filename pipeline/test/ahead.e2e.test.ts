/**
 * Work started ahead of the pipeline (steps/ahead.ts): `process` on the
 * direct runner probes its inputs and starts the first one's segments
 * before Beam loads; the pipeline's steps take those results. Run here in
 * this process, on the direct runner, as `process` runs it.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parseOptions } from "../src/options";
import { processAttempts } from "../src/runtimes/run";
import { WorkAhead } from "../src/steps/ahead";
import { attemptsAt, videoInputs } from "../src/steps/inputs";
import { planSegmentTasks, segmentSecondsFor } from "../src/steps/probe";
import { startRunAhead, workAhead } from "../src/steps/video";
import { ffmpegCoreCount } from "../src/video/decode";
import { Timeline, toRuns } from "../src/video/timeline";
import type { VideoInfo } from "../src/video/probe";
import { makeClip, tempDir, videoFacts } from "./helpers";

describe("WorkAhead", () => {
  it("gives each result once, to the element it was started for", async () => {
    const ahead = new WorkAhead<number>();
    let runs = 0;
    void ahead.start("a", "attempt-1", async () => ++runs);
    assert.equal(await ahead.take("a"), 1);
    assert.equal(ahead.take("a"), undefined, "taken once");
    assert.equal(ahead.take("b"), undefined, "never started");
    assert.equal(runs, 1);
  });

  it("lets a step wait for the pending work of its attempt, failures included, and not for others'", async () => {
    const ahead = new WorkAhead<string>();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let finished = false;
    void ahead.start("slow", "attempt-1", async () => {
      await gate;
      finished = true;
      throw new Error("failed ahead");
    });
    assert.equal(await ahead.settled("attempt-2"), 0, "another attempt's work is not waited for");
    const waiting = ahead.settled("attempt-1");
    release();
    assert.equal(await waiting, 1);
    assert.ok(finished, "settled only once the work ended");
    await assert.rejects(ahead.take("slow")!, /failed ahead/, "its failure goes to the step that takes it");
  });
});

describe("segmentSecondsFor", () => {
  const options = (over: Record<string, string>) => parseOptions({ outputDirectory: "/tmp/x", ...over });
  const cores = ffmpegCoreCount();
  /** A video of `seconds` at 30 fps (1/90000 ticks), with a keyframe every `gop` pictures. */
  const video = (seconds: number, gop: number) => {
    const pts = Array.from({ length: seconds * 30 }, (_, i) => i * 3000);
    const timeline: Timeline = {
      timeBase: { num: 1, den: 90000 },
      originSec: 0,
      pictures: toRuns(pts),
      endPts: seconds * 90000,
      discarded: [],
      keyframes: toRuns(pts.filter((_, i) => i % gop === 0)),
    };
    return { durationSec: seconds, timeline };
  };

  it("cuts a video for each core to decode a part, on the direct runner without the gray video", () => {
    const long = video(40 * cores, 60);
    assert.equal(segmentSecondsFor(long, options({ writeGrayVideo: "false" })), 40);
    assert.equal(segmentSecondsFor(long, options({ writeGrayVideo: "false", segmentSeconds: "15" })), 15, "shorter segments asked for");
    assert.equal(segmentSecondsFor(long, options({ writeGrayVideo: "false", segmentSeconds: "0" })), 0, "0 never cuts");
  });

  it("keeps segmentSeconds where a part would start mid-GOP, with the gray video, on other runners and for short videos", () => {
    assert.equal(
      segmentSecondsFor(video(40 * cores, 30 * 40 * cores), options({ writeGrayVideo: "false" })),
      60,
      "one keyframe, at the start",
    );
    const long = video(40 * cores, 60);
    assert.equal(segmentSecondsFor(long, options({})), 60);
    assert.equal(segmentSecondsFor(long, options({ writeGrayVideo: "false", runner: "flink" })), 60);
    assert.equal(segmentSecondsFor(video(9 * cores, 60), options({ writeGrayVideo: "false" })), 60);
  });

  it("has the shorter parts decoded at a lower priority only where parts decode side by side: direct, no gray video", () => {
    // Arrange: 15 s in 6 s segments (too short to split for the cores): 6, 6 and 3 s
    const { durationSec, timeline } = video(15, 60);
    const probed = { key: "v.mp4", source: "/v.mp4", attempt: "a", sizeBytes: 1, startedAt: 0 };
    const tasks = (over: Record<string, string>) =>
      planSegmentTasks({ ...probed, video: { durationSec, fps: 30, timeline } as VideoInfo }, options({ segmentSeconds: "6", ...over }));
    // Act, Assert
    assert.deepEqual(
      tasks({ writeGrayVideo: "false" }).map((t) => t.lowPriority),
      [false, false, true],
    );
    assert.deepEqual(
      tasks({}).map((t) => t.lowPriority),
      [false, false, false],
      "encodes run one at a time",
    );
    assert.deepEqual(
      tasks({ writeGrayVideo: "false", runner: "flink" }).map((t) => t.lowPriority),
      [false, false, false],
      "other runners spread parts over workers",
    );
  });
});

describe("process's work ahead, through the pipeline on the direct runner", () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });

  it("is taken by the pipeline's steps, segments and probes alike, with the same outputs", async () => {
    // Arrange: two videos, the first cut in 3 segments (started ahead), the second probed ahead; and a missing file.
    const first = makeClip(path.join(dir, "first.mp4"), { width: 160, height: 120, rate: "25", seconds: 6 });
    const second = makeClip(path.join(dir, "second.mp4"), { width: 96, height: 64, rate: "30", seconds: 2 });
    const missing = path.join(dir, "missing.mp4");
    const output = path.join(dir, "out");
    const options = parseOptions({ outputDirectory: output, segmentSeconds: "2", previewFrames: "4" });
    const attempts = attemptsAt(videoInputs([first, second, missing]));
    await startRunAhead(attempts, options);
    assert.equal(workAhead(), 3 + 3, "three probes and the first video's three segments wait for the pipeline");

    // Act
    const outcomes = await processAttempts(attempts, options);

    // Assert
    assert.equal(workAhead(), 0, "every step found its element's work ahead (a different element would leave it untaken)");
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["ok", "ok", "failed"],
    );
    const failure = outcomes[2];
    assert.ok(failure.status === "failed" && failure.stage === "input" && failure.reason.includes(`${missing} does not exist`));
    const manifest = JSON.parse(readFileSync(path.join(output, "first.mp4", "manifest.json"), "utf8"));
    assert.equal(manifest.video.frames, 150);
    assert.equal(manifest.segments, 3);
    assert.equal(videoFacts(path.join(output, "first.mp4", "gray.mp4")).frames, 150);
    assert.ok(existsSync(path.join(output, "second.mp4", "preview.jpg")));
  });

  it("starts every segment that gets a core before Beam loads, and queues the rest", async () => {
    // Arrange: a video in four segments, read without the gray video (a decode takes one core); the programs
    // spawned are recorded (the real spawn still runs them).
    const clip = makeClip(path.join(dir, "sides.mp4"), { width: 160, height: 120, rate: "25", seconds: 8 });
    const options = parseOptions({ outputDirectory: path.join(dir, "out-sides"), segmentSeconds: "2", writeGrayVideo: "false" });
    const attempts = attemptsAt(videoInputs([clip]));
    const starter = createRequire(__filename)("../src/util/native-processes") as typeof import("../src/util/native-processes");
    const realStart = starter.startTool;
    const spawned: string[] = [];
    starter.startTool = (program, ...rest) => {
      spawned.push(path.basename(program));
      return realStart(program, ...rest);
    };

    // Act
    let decodingAtReturn: number;
    try {
      await startRunAhead(attempts, options);
      decodingAtReturn = spawned.filter((p) => p === "ffmpeg").length;
    } finally {
      starter.startTool = realStart;
    }
    const outcomes = await processAttempts(attempts, options);

    // Assert: a synchronous load (OpenCV's, Beam's) after the return would hold back a segment not yet started.
    assert.ok(
      decodingAtReturn >= Math.min(4, ffmpegCoreCount()),
      `${decodingAtReturn} ffmpeg started before the return, on ${ffmpegCoreCount()} cores`,
    );
    assert.equal(outcomes[0].status, "ok");
    assert.equal(workAhead(), 0, "the pipeline took all four");
  });
});
