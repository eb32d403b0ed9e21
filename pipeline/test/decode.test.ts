import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { concatSegments } from "../src/assemble";
import { decodeSegment, segmentArgs } from "../src/decode";
import { VideoError } from "../src/errors";
import { probeVideo } from "../src/probe";
import { planSegments } from "../src/segment";
import { decodedFrameCount, lumaMeans, makeClip, tempDir } from "./helpers";

describe("segmentArgs", () => {
  it("seeks, trims to the segment, grays, encodes and hands samples to Node", () => {
    const args = segmentArgs({ input: "/in/a b.mp4", seekSec: 10.02, frameCount: 250, width: 640, height: 360, sampleOffsets: [5, 100], output: "/tmp/s.mp4" });
    const joined = args.join(" ");
    assert.ok(joined.includes("-ss 10.020000 -i /in/a b.mp4"), joined);
    assert.equal(args[args.indexOf("-i") + 1], "/in/a b.mp4", "the path is one argument, never parsed by a shell");
    assert.match(joined, /trim=end_frame=250,setpts=PTS-STARTPTS,format=gray,split=2\[enc\]\[smp\];\[smp\]select='eq\(n\\,5\)\+eq\(n\\,100\)'\[samples\]/);
    assert.match(joined, /-map \[enc\] -frames:v 250 -vsync passthrough -sn -dn -c:v libx264 -preset veryfast -an -f mp4/);
    assert.match(joined, /-map \[samples\] -vsync passthrough -f rawvideo -pix_fmt gray pipe:1$/);
  });

  it("passes every frame without a select when every frame is wanted", () => {
    const args = segmentArgs({ input: "a", seekSec: 0, frameCount: 4, width: 2, height: 2, sampleOffsets: [0, 1, 2, 3], output: "o" });
    assert.match(args.join(" "), /split=2\[enc\]\[smp\];\[smp\]null\[samples\]/);
  });

  it("decodes to the null muxer, with no encoder, when no gray video is written", () => {
    const args = segmentArgs({ input: "a", seekSec: 0, frameCount: 10, width: 2, height: 2, sampleOffsets: [3], output: null });
    const joined = args.join(" ");
    assert.match(joined, /-map \[enc\] -frames:v 10 -vsync passthrough -sn -dn -an -f null - -map \[samples\]/);
    assert.ok(!args.includes("libx264"));
  });

  it("has no sample output when no sample falls in the segment, and no seek for the first", () => {
    const args = segmentArgs({ input: "a", seekSec: 0, frameCount: 10, width: 2, height: 2, sampleOffsets: [], output: "o" });
    assert.ok(!args.includes("-ss"));
    assert.ok(!args.includes("pipe:1"));
  });
});

describe("segments joined are frame exact", () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });

  for (const rate of ["24", "25", "30000/1001", "30"]) {
    it(`at ${rate} fps, with cuts off keyframes`, async () => {
      const source = makeClip(path.join(dir, `idx-${rate.replace("/", "_")}.mp4`), { width: 64, height: 48, rate, seconds: 7, indexed: true });
      const video = await probeVideo(source, source);
      const plan = planSegments(video, 1.3);
      assert.ok(plan.length >= 4);
      const parts: string[] = [];
      for (const s of plan) {
        const output = path.join(dir, `seg-${rate.replace("/", "_")}-${s.index}.mp4`);
        await decodeSegment({ input: source, seekSec: s.seekSec, frameCount: s.frameCount, width: 64, height: 48, sampleOffsets: [], output });
        parts.push(output);
      }
      const joined = path.join(dir, `joined-${rate.replace("/", "_")}.mp4`);
      await concatSegments(parts, joined);

      assert.equal(decodedFrameCount(joined), video.frames);
      const want = lumaMeans(source, 64, 48);
      const got = lumaMeans(joined, 64, 48);
      assert.equal(got.length, want.length);
      for (let i = 0; i < want.length; i++) {
        // The gray output is full range: limited-range luma Y maps to (Y-16)*255/219.
        const expected = Math.min(255, Math.max(0, ((want[i] - 16) * 255) / 219));
        assert.ok(Math.abs(got[i] - expected) < 3, `frame ${i}: mean ${got[i].toFixed(1)}, expected ${expected.toFixed(1)}`);
      }
    });
  }

  it("hands exactly the sampled frames to Node, whole", async () => {
    const sourceFile = makeClip(path.join(dir, "samples.mp4"), { width: 64, height: 48, rate: "25", seconds: 4, indexed: true });
    const seen: Array<{ offset: number; bytes: number; mean: number }> = [];
    await decodeSegment(
      { input: sourceFile, seekSec: 1.98, frameCount: 50, width: 64, height: 48, sampleOffsets: [0, 7, 49], output: path.join(dir, "s.mp4") },
      { onSample: (offset, gray) => void seen.push({ offset, bytes: gray.length, mean: gray.reduce((a, b) => a + b, 0) / gray.length }) },
    );
    assert.deepEqual(seen.map((s) => s.offset), [0, 7, 49]);
    assert.ok(seen.every((s) => s.bytes === 64 * 48));
    // Samples are the luma plane as decoded (no range conversion): frames 50, 57 and 99 of the source.
    const source = lumaMeans(sourceFile, 64, 48);
    for (const [i, frame] of [50, 57, 99].entries()) {
      assert.ok(Math.abs(seen[i].mean - source[frame]) < 3, `offset ${seen[i].offset} is frame ${frame} of the source`);
    }
  });

  it("fails a segment that runs out of frames, as a truncated file does", async () => {
    const source = makeClip(path.join(dir, "short.mp4"), { width: 64, height: 48, rate: "25", seconds: 2 });
    const output = path.join(dir, "short-seg.mp4");
    await assert.rejects(
      decodeSegment({ input: source, seekSec: 1, frameCount: 40, width: 64, height: 48, sampleOffsets: [], output }),
      (e: VideoError) => e.stage === "segment" && /decoded 25 of the 40 frames .* truncated or damaged/.test(e.reason),
    );
    assert.ok(existsSync(output));
  });

  it("counts the frames without encoding them, and still fails a truncated segment", async () => {
    const source = makeClip(path.join(dir, "short-null.mp4"), { width: 64, height: 48, rate: "25", seconds: 2 });
    const seen: number[] = [];
    await decodeSegment(
      { input: source, seekSec: 0, frameCount: 50, width: 64, height: 48, sampleOffsets: [0, 49], output: null },
      { onSample: (offset) => void seen.push(offset) },
    );
    assert.deepEqual(seen, [0, 49]);
    await assert.rejects(
      decodeSegment({ input: source, seekSec: 1, frameCount: 40, width: 64, height: 48, sampleOffsets: [], output: null }),
      (e: VideoError) => e.stage === "segment" && /decoded 25 of the 40 frames .* truncated or damaged/.test(e.reason),
    );
  });
});
