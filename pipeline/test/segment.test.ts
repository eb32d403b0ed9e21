import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { frameTime, planSamples, planSegments, samplesIn } from "../src/segment";

const rates = [
  { fps: "24/1", value: 24 },
  { fps: "25/1", value: 25 },
  { fps: "30000/1001", value: 30000 / 1001 },
  { fps: "30/1", value: 30 },
];

describe("planSegments", () => {
  for (const { fps, value } of rates) {
    it(`cuts ${fps} fps on exact frame boundaries that cover every frame once`, () => {
      const frames = 7211;
      const plan = planSegments({ frames, fpsFraction: fps, variableFrameRate: false }, 10);
      assert.ok(plan.length > 20, `expected many segments, got ${plan.length}`);
      let next = 0;
      for (const [i, s] of plan.entries()) {
        assert.equal(s.index, i);
        assert.equal(s.startFrame, next, "segments must be contiguous");
        assert.ok(s.frameCount > 0);
        // The start time is the start frame's own time, to the microsecond.
        assert.ok(Math.abs(s.startSec - s.startFrame / value) <= 1e-6, `startSec ${s.startSec} for frame ${s.startFrame}`);
        if (s.startFrame > 0) {
          // ffmpeg seeks half a frame early: after the previous frame, before this one.
          assert.ok(s.seekSec > (s.startFrame - 1) / value && s.seekSec < s.startFrame / value, `seek ${s.seekSec}`);
        } else {
          assert.equal(s.seekSec, 0);
        }
        next += s.frameCount;
      }
      assert.equal(next, frames, "segments must end at the last frame");
      // Every segment but the last is exactly 10 s of frames.
      const per = Math.round(10 * value);
      for (const s of plan.slice(0, -1)) assert.equal(s.frameCount, per);
    });
  }

  it("keeps a short video whole, and never cuts variable frame rate video", () => {
    assert.equal(planSegments({ frames: 100, fpsFraction: "25/1", variableFrameRate: false }, 60).length, 1);
    const vfr = planSegments({ frames: 100000, fpsFraction: "30/1", variableFrameRate: true }, 10);
    assert.deepEqual(vfr, [{ index: 0, startFrame: 0, frameCount: 100000, startSec: 0, seekSec: 0 }]);
    assert.equal(planSegments({ frames: 100000, fpsFraction: "30/1", variableFrameRate: false }, 0).length, 1);
  });

  it("joins a last piece shorter than half a segment to the one before", () => {
    const plan = planSegments({ frames: 250 + 40, fpsFraction: "25/1", variableFrameRate: false }, 2);
    // 290 frames in 50-frame segments: 5 full ones, and 40 frames left (>= 25): kept.
    assert.equal(plan.length, 6);
    const merged = planSegments({ frames: 250 + 20, fpsFraction: "25/1", variableFrameRate: false }, 2);
    assert.equal(merged.length, 5);
    assert.equal(merged[4].frameCount, 70);
  });

  it("gives frame times in microseconds", () => {
    assert.equal(frameTime(1, "30000/1001"), 0.033367);
    assert.equal(frameTime(0.5, "25/1"), 0.02);
  });
});

describe("planSamples", () => {
  it("spreads distinct frames evenly and never more than there are", () => {
    assert.deepEqual(planSamples(100, 4), [12, 37, 62, 87]);
    assert.deepEqual(planSamples(3, 12), [0, 1, 2]);
    assert.deepEqual(planSamples(10, 0), []);
  });

  it("assigns each sample to the one segment that holds it", () => {
    const plan = planSegments({ frames: 1000, fpsFraction: "25/1", variableFrameRate: false }, 10);
    const samples = planSamples(1000, 16);
    const assigned = plan.flatMap((s) => samplesIn(s, samples));
    assert.deepEqual(assigned, samples);
  });
});
