import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  KEYFRAME_CUT,
  SEEK_LEAD,
  cutNearKeyframe,
  endsEvenly,
  keyframeSplitSeconds,
  pictureOf,
  picturesIn,
  planEvery,
  planSamples,
  planSegments,
  sampleWindows,
  seekSecFor,
  shorterParts,
  spreadIndices,
} from "../src/video/segment";
import { Timeline, expandRuns, toRuns } from "../src/video/timeline";

/** A timeline of pictures at these timestamps, in a time base of 1/den s. */
function timeline(pts: number[], den: number, step = 1, originSec = 0): Timeline {
  return { timeBase: { num: 1, den }, originSec, pictures: toRuns(pts), endPts: pts[pts.length - 1] + step, discarded: [] };
}

const range = (n: number, step = 1, from = 0) => Array.from({ length: n }, (_, i) => from + i * step);

describe("planSegments", () => {
  const rates = [
    { name: "24", den: 24, step: 1 },
    { name: "25 (1/12800 ticks)", den: 12800, step: 512 },
    { name: "29.97 (1/30000 ticks)", den: 30000, step: 1001 },
    { name: "30 (1/90000 ticks, MPEG-TS start)", den: 90000, step: 3000, from: 126000 },
  ];
  for (const r of rates) {
    it(`at ${r.name}: every picture in exactly one segment, cut at pictures about 10 s apart`, () => {
      const pts = range(7211, r.step, r.from ?? 0);
      const plan = planSegments(timeline(pts, r.den, r.step, (r.from ?? 0) / r.den), 10);
      assert.ok(plan.length > 20, `expected many segments, got ${plan.length}`);
      assert.deepEqual(
        plan.flatMap((s) => expandRuns(s.pictures)),
        pts,
        "contiguous, every picture once",
      );
      for (const [i, s] of plan.entries()) {
        assert.equal(s.index, i);
        assert.equal(s.fromPts, expandRuns(s.pictures)[0]);
        assert.equal(s.untilPts, i + 1 < plan.length ? plan[i + 1].fromPts : null);
        if (i + 1 < plan.length)
          assert.ok(Math.abs((s.untilPts! - s.fromPts) / r.den - 10) <= r.step / r.den + 1e-9, `segment ${i} lasts about 10 s`);
        // It starts reading a few pictures early, at their time from the file's start.
        const lead = (pts[Math.max(0, s.firstPicture - SEEK_LEAD)] - (r.from ?? 0)) / r.den;
        if (i === 0) assert.equal(s.seekSec, 0);
        else assert.ok(s.seekSec <= lead + 1e-9 && lead - s.seekSec < 2e-6, `seek ${s.seekSec} for ${lead}`);
      }
    });
  }

  it("cuts held and variable-rate footage at pictures, whatever the gaps", () => {
    // 15 fps with long held stretches (AVI empty chunks), and variable gaps.
    const held = [0, 1, 2, 3, 4, 5, 20, 21, 22, 40, 41, 60, 61, 62, 63, 80, 100, 120, 121];
    const plan = planSegments(timeline(held, 15), 2);
    assert.deepEqual(
      plan.flatMap((s) => expandRuns(s.pictures)),
      held,
    );
    assert.deepEqual(
      plan.map((s) => s.fromPts),
      [0, 40, 80],
      "cut at the first picture 2 s or more after the last cut; the short tail from 120 joins",
    );
  });

  it("keeps a short video whole, and 0 never cuts", () => {
    assert.equal(planSegments(timeline(range(100), 25), 60).length, 1);
    assert.equal(planSegments(timeline(range(100000), 30), 0).length, 1);
    const [whole] = planSegments(timeline(range(10), 25), 0);
    assert.deepEqual(
      { ...whole, pictures: expandRuns(whole.pictures) },
      { index: 0, firstPicture: 0, pictures: range(10), fromPts: 0, untilPts: null, seekSec: 0 },
    );
  });

  it("joins a last piece shorter than half a segment to the one before", () => {
    assert.equal(planSegments(timeline(range(250 + 40), 25), 2).length, 6, "40 frames left (>= 25): kept");
    const merged = planSegments(timeline(range(250 + 20), 25), 2);
    assert.equal(merged.length, 5);
    assert.equal(merged[4].pictures[0][2], 70);
  });
});

describe("cuts after keyframes", () => {
  // 30 fps, 1/90000 ticks, 60 s; keyframes every 4.5 s (135 pictures), like an encoder's GOPs.
  const pts = range(1800, 3000);
  const keyframes = pts.filter((_, i) => i % 135 === 0);
  const withKeyframes: Timeline = { ...timeline(pts, 90000, 3000), keyframes: toRuns(keyframes) };

  it("puts each cut KEYFRAME_CUT pictures after the keyframe nearest to it, so decoding starts at that keyframe", () => {
    const plan = planSegments(withKeyframes, 10);
    assert.deepEqual(
      plan.flatMap((s) => expandRuns(s.pictures)),
      pts,
      "still every picture once",
    );
    for (const s of plan.slice(1)) {
      const keyframe = s.firstPicture - KEYFRAME_CUT;
      assert.equal(keyframe % 135, 0, `segment ${s.index} starts ${KEYFRAME_CUT} pictures after a keyframe`);
      // It seeks to the picture after the keyframe: ffmpeg starts at the keyframe at or before that.
      assert.equal(s.seekSec, Math.floor(((keyframe + 1) * 3000 * 1e6) / 90000) / 1e6);
    }
    assert.equal(plan.length, 6, "as many segments as without keyframes");
    for (const s of plan.slice(1)) {
      const off = s.fromPts / 90000 - 10 * s.index;
      assert.ok(Math.abs(off) <= 2.5 + 1 / 30, `segment ${s.index} starts within a quarter segment of ${10 * s.index} s: ${off}`);
    }
  });

  it("keeps the cut where it was when no keyframe is within a quarter segment, or none is known", () => {
    assert.equal(
      cutNearKeyframe(withKeyframes, 300, 0, 2),
      300,
      "keyframes at 270 and 405: cuts at 274 and 409, more than 15 pictures away",
    );
    assert.equal(cutNearKeyframe(withKeyframes, 300, 0, 10), 274);
    assert.equal(cutNearKeyframe(timeline(pts, 90000, 3000), 300, 0, 10), 300);
    assert.equal(cutNearKeyframe(withKeyframes, 300, 280, 10), 300, "never at or before the segment's own start");
  });

  it("in a container without an index (MPEG-TS, PS), seeks to the keyframe before by its decode time, or to the start", () => {
    // B-frames: a keyframe's decode time comes two pictures (6000 ticks) before it is shown.
    const ts: Timeline = { ...withKeyframes, seekLead: 6000 };
    const seconds = (ticks: number) => Math.floor((ticks * 1e6) / 90000) / 1e6;
    assert.equal(seekSecFor(ts, 300 * 3000), seconds(270 * 3000 - 6000), "the keyframe at 270, two pictures early");
    assert.equal(seekSecFor(ts, 270 * 3000), seconds(270 * 3000 - 6000), "a keyframe itself");
    assert.equal(seekSecFor({ ...ts, keyframes: toRuns([0]) }, 300 * 3000), 0, "one keyframe: from the start");
    assert.equal(seekSecFor({ ...ts, keyframes: undefined }, 300 * 3000), 0, "none known: from the start");
    assert.equal(seekSecFor(withKeyframes, 300 * 3000), 10, "with an index, the time itself: ffmpeg finds the keyframe");
    const plan = planSegments({ ...ts, keyframes: toRuns([0]) }, 10);
    assert.ok(plan.length > 1 && plan.every((s) => s.seekSec === 0), "every segment decodes from the only keyframe");
  });

  it("never cuts a bare elementary stream", () => {
    assert.equal(planSegments({ ...withKeyframes, bareStream: true }, 10).length, 1);
    assert.ok(planSegments(withKeyframes, 10).length > 1, "the same pictures in a container would be cut");
  });

  it("decodes every segment from the start where ffmpeg's seek goes by another video stream", () => {
    const plan = planSegments({ ...withKeyframes, seeksByAnotherStream: true }, 10);
    assert.ok(plan.length > 1 && plan.every((s) => s.seekSec === 0));
    assert.ok(
      planSegments(withKeyframes, 10).some((s) => s.seekSec > 0),
      "the same video's own seek would not",
    );
  });

  it("cuts all-intra video (every picture a keyframe) where it would anyway", () => {
    const intra: Timeline = { ...timeline(pts, 90000, 3000), keyframes: toRuns(pts) };
    assert.deepEqual(
      planSegments(intra, 10).map((s) => s.firstPicture),
      planSegments(timeline(pts, 90000, 3000), 10).map((s) => s.firstPicture),
    );
  });
});

describe("keyframeSplitSeconds: parts to decode side by side, cut just after keyframes", () => {
  /** `seconds` at 10 fps (1/10 ticks, vtest.avi's clock), a keyframe at each of `keyframesAt` (seconds). */
  const video = (seconds: number, keyframesAt: number[]): Timeline => ({
    ...timeline(range(seconds * 10), 10),
    keyframes: toRuns(keyframesAt.map((t) => t * 10)),
  });
  const longestPart = (t: Timeline, length: number) =>
    Math.max(...planSegments(t, length).map((s) => ((s.untilPts ?? t.endPts) - s.fromPts) / 10));

  it("splits evenly where keyframes are close together", () => {
    const gops = video(80, range(40, 2));
    assert.equal(keyframeSplitSeconds(gops, 2), 40);
    assert.equal(keyframeSplitSeconds(gops, 4), 20);
  });

  it("cuts at a keyframe away from the middle where GOPs are long, each cut still just after a keyframe", () => {
    // Arrange: vtest.avi's shape, 79.5 s with a keyframe every 25 s; the even cut (39.75 s) is mid-GOP.
    const vtest = video(79.5, [0, 25, 50, 75]);
    // Act
    const length = keyframeSplitSeconds(vtest, 2);
    // Assert
    assert.equal(length, 50, "the 25 s cut leaves three parts for two decoders");
    const plan = planSegments(vtest, length!);
    assert.equal(plan.length, 2);
    assert.equal(plan[1].firstPicture, 500 + KEYFRAME_CUT, "the second part's decoding starts at the keyframe at 50 s");
    assert.equal(longestPart(vtest, length!), 50 + KEYFRAME_CUT / 10);
  });

  it("gives no length where no cut pays: no keyframe but the first, or one that leaves most of the video to one part", () => {
    assert.equal(keyframeSplitSeconds(video(80, [0]), 2), null);
    assert.equal(keyframeSplitSeconds(video(80, [0, 70]), 2), null, "70 of 80 s in one part");
    assert.equal(keyframeSplitSeconds(timeline(range(800), 10), 2), null, "keyframes not known");
    assert.equal(keyframeSplitSeconds(video(80, range(40, 2)), 1), null, "one core");
  });

  it("marks the parts a tenth or more shorter than the longest, which decode at a lower priority beside it", () => {
    // vtest.avi's shape: 500 and 295 pictures
    const vtest = video(79.5, [0, 25, 50, 75]);
    assert.deepEqual(shorterParts(planSegments(vtest, keyframeSplitSeconds(vtest, 2)!)), [false, true]);
    const gops = video(80, range(40, 2));
    assert.deepEqual(shorterParts(planSegments(gops, 40)), [false, false], "even halves");
    assert.deepEqual(shorterParts(planSegments(gops, 30)), [false, false, true], "30, 30 and 20 s");
    assert.deepEqual(shorterParts(planSegments(gops, 0)), [false], "one part");
  });
});

describe("endsEvenly", () => {
  it("tells whether the last pictures are evenly spaced up to the end (B-frames are safe then)", () => {
    assert.equal(endsEvenly(timeline(range(100), 25)), true);
    assert.equal(endsEvenly(timeline(range(100, 1001), 30000, 1001)), true);
    assert.equal(endsEvenly(timeline([...range(50), 60], 15)), false, "a held stretch before the last picture");
    assert.equal(endsEvenly(timeline(range(50), 15, 4)), false, "the last picture held to the end");
    assert.equal(endsEvenly(timeline([0], 25)), true);
  });
});

describe("choosing pictures for the preview and inference", () => {
  it("takes the pictures on screen at evenly spaced moments", () => {
    assert.deepEqual(planSamples(timeline(range(100), 25), 4), [12, 37, 62, 87]);
    assert.deepEqual(planSamples(timeline(range(3), 25), 12), [0, 1, 2], "never more than there are");
    assert.deepEqual(planSamples(timeline(range(10), 25), 0), []);
    // Held frames: a still stretch shows its picture once.
    assert.deepEqual(planSamples(timeline([0, 1, 2, 90, 91], 15), 6), [2]);
  });

  it("takes the picture on screen every 1/n seconds, or every picture", () => {
    assert.equal(planEvery(timeline(range(10), 30), 0, 30), "all");
    assert.equal(planEvery(timeline(range(10), 30), 50, 30), "all");
    assert.deepEqual(planEvery(timeline(range(91), 30), 2, 30), [0, 15, 30, 45, 60, 75, 90]);
    assert.deepEqual(planEvery(timeline(range(100), 25), 5, 25), range(20, 5));
    assert.deepEqual(planEvery(timeline([0, 1, 2, 30, 31], 15), 3, 15), [0, 2, 3], "held: the picture on screen");
  });

  it("spreads indices evenly", () => {
    assert.deepEqual(spreadIndices(100, 4), [12, 37, 62, 87]);
    assert.deepEqual(spreadIndices(3, 12), [0, 1, 2]);
  });

  it("gives each chosen picture to its segment, with the timestamp window that finds its frame", () => {
    const tl = timeline(range(1000, 2), 50, 2);
    const plan = planSegments(tl, 10);
    const chosen = planSamples(tl, 16);
    assert.deepEqual(
      plan.flatMap((s) => picturesIn(s, chosen)),
      chosen,
    );
    for (const s of plan) {
      const mine = picturesIn(s, chosen);
      const windows = sampleWindows(s, mine, tl.endPts);
      mine.forEach((picture, i) => {
        assert.deepEqual(windows[i], [picture * 2, picture * 2 + 2]);
        // A frame the decoder stamps one tick late is still that picture's.
        assert.equal(pictureOf(s, picture * 2 + 1), picture);
      });
    }
    const last = plan[plan.length - 1];
    assert.deepEqual(sampleWindows(last, [999], tl.endPts), [[1998, 2000]], "the last picture's window ends where the video does");
  });
});
