import assert from "node:assert/strict";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { concatList, joinSegments } from "../src/video/assemble";
import { SegmentJob, decodeSegment, segmentArgs, showinfoPts } from "../src/video/decode";
import { VideoError } from "../src/errors";
import { probeVideo } from "../src/video/probe";
import { pictureOf, planSegments, sampleWindows } from "../src/video/segment";
import { ptsAt, secondsOf, timeOf } from "../src/video/timeline";
import { decodedFrameCount, frameTimes, lumaMeans, makeClip, tempDir } from "./helpers";

const job = (over: Partial<SegmentJob>): SegmentJob => ({
  input: "a", streamIndex: 0, seekSec: 0, fromPts: 0, trimStart: false, untilPts: null, drop: [], samples: [], width: 2, height: 2, output: "o", ...over,
});

describe("segmentArgs", () => {
  it("reads from a few pictures early, trims to the segment's timestamps, grays, encodes and hands samples to Node", () => {
    const args = segmentArgs(job({
      input: "/in/a b.mp4", streamIndex: 1, seekSec: 9.9, fromPts: 128000, trimStart: true, untilPts: 256000, drop: [[300000, 300512]],
      samples: [[128512, 129024], [200000, 200512]], width: 640, height: 360, output: "/tmp/s.mp4",
    }));
    const joined = args.join(" ");
    assert.ok(joined.includes("-noaccurate_seek -ss 9.900000 -copyts -i /in/a b.mp4"), joined);
    assert.equal(args[args.indexOf("-i") + 1], "/in/a b.mp4", "the path is one argument, never parsed by a shell");
    assert.ok(joined.includes(
      "[0:1]trim=start_pts=128000:end_pts=256000,select='(isnan(prev_selected_pts)+gt(pts\\,prev_selected_pts))*not(between(pts\\,300000\\,300512))',format=gray,split=2[gray][smp];" +
        "[gray]setpts=PTS-128000[enc];[smp]select='between(pts\\,128512\\,129023)+between(pts\\,200000\\,200511)',showinfo[samples]",
    ), joined);
    assert.match(joined, /-map \[enc\] -vsync vfr -sn -dn -an -c:v libx264 -preset veryfast -f mp4 -y \/tmp\/s.mp4/);
    assert.match(joined, /-map \[samples\] -vsync passthrough -f rawvideo -pix_fmt gray pipe:1$/);
    assert.ok(args.includes("level+info"), "showinfo's lines are info");
  });

  it("passes every frame without a select when every frame is wanted", () => {
    assert.match(segmentArgs(job({ samples: "all" })).join(" "), /\[smp\]showinfo\[samples\]/);
  });

  it("decodes to the null muxer, with no encoder, when no gray video is written", () => {
    const joined = segmentArgs(job({ samples: [[3, 4]], output: null })).join(" ");
    assert.match(joined, /-map \[enc\] -vsync vfr -sn -dn -an -f null - -map \[samples\]/);
    assert.ok(!joined.includes("libx264"));
  });

  it("has no sample output, no seek and no trim for a whole video without samples", () => {
    const args = segmentArgs(job({}));
    assert.ok(!args.includes("-ss") && !args.includes("pipe:1") && !args.join(" ").includes("trim"));
    assert.ok(args.includes("level+warning"));
  });

  it("reads showinfo's timestamps", () => {
    assert.equal(showinfoPts("[Parsed_showinfo_3 @ 0x119519c0] [info] n:   0 pts:     20 pts_time:1.33333 pos: 42088 fmt:gray"), 20);
    assert.equal(showinfoPts("[Parsed_showinfo_3 @ 0x119519c0] [info] config in time_base: 1/15, frame_rate: 15/1"), null);
  });

  it("lists segments for the concat demuxer, each with its span", () => {
    assert.equal(
      concatList([{ path: "/w/s0.mp4", spanSec: 2.666667 }, { path: "/w/it's.mp4", spanSec: null }]),
      "file '/w/s0.mp4'\ninpoint 0\nduration 2.666667\nfile '/w/it'\\''s.mp4'\ninpoint 0\n",
    );
  });
});

describe("segments decoded and joined", () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });

  /** Decodes `source` in segments of `seconds` and joins them, as assemble does; returns the joined file and the frames decoded. */
  async function segmentAndJoin(source: string, name: string, seconds: number): Promise<{ joined: string; decoded: number; segments: number }> {
    const video = await probeVideo(source, source);
    const plan = planSegments(video.timeline, seconds);
    const files = [];
    let decoded = 0;
    for (const s of plan) {
      const output = path.join(dir, `${name}-${seconds}-${s.index}.mp4`);
      decoded += await decodeSegment(job({
        input: source, streamIndex: video.streamIndex, seekSec: s.seekSec, fromPts: s.fromPts, trimStart: s.index > 0, untilPts: s.untilPts,
        width: video.width, height: video.height, output,
      }));
      const span = s.untilPts === null ? null : secondsOf(s.untilPts - s.fromPts, video.timeline.timeBase);
      files.push({ path: output, spanSec: span });
    }
    const joined = path.join(dir, `${name}-${seconds}-joined.mp4`);
    await joinSegments(files, joined, { startSec: timeOf(plan[0].fromPts, video.timeline) });
    return { joined, decoded, segments: plan.length };
  }

  for (const rate of ["24", "25", "30000/1001", "30"]) {
    it(`are frame exact at ${rate} fps, with cuts off keyframes, and timed as the source`, async () => {
      const name = `idx-${rate.replace("/", "_")}`;
      const source = makeClip(path.join(dir, `${name}.mp4`), { width: 64, height: 48, rate, seconds: 7, indexed: true });
      const { joined, decoded, segments } = await segmentAndJoin(source, name, 1.3);
      assert.ok(segments >= 4);
      assert.equal(decoded, decodedFrameCount(source));
      assert.equal(decodedFrameCount(joined), decoded);
      const want = lumaMeans(source, 64, 48);
      const got = lumaMeans(joined, 64, 48);
      assert.equal(got.length, want.length);
      for (let i = 0; i < want.length; i++) {
        // The gray output is full range: limited-range luma Y maps to (Y-16)*255/219.
        const expected = Math.min(255, Math.max(0, ((want[i] - 16) * 255) / 219));
        assert.ok(Math.abs(got[i] - expected) < 3, `frame ${i}: mean ${got[i].toFixed(1)}, expected ${expected.toFixed(1)}`);
      }
      const times = frameTimes(joined);
      frameTimes(source).forEach((t, i) => assert.ok(Math.abs(times[i] - t) < 0.001, `frame ${i} at ${times[i]}, the source's at ${t}`));
    });
  }

  it("hands exactly the sampled frames to Node, whole, with their timestamps", async () => {
    const sourceFile = makeClip(path.join(dir, "samples.mp4"), { width: 64, height: 48, rate: "25", seconds: 4, indexed: true });
    const video = await probeVideo(sourceFile, sourceFile);
    const [, second] = planSegments(video.timeline, 2);
    const chosen = [50, 57, 99];
    const seen: Array<{ picture: number; bytes: number; mean: number; timeSec: number }> = [];
    await decodeSegment(
      job({
        input: sourceFile, seekSec: second.seekSec, fromPts: second.fromPts, trimStart: true, untilPts: second.untilPts,
        samples: sampleWindows(second, chosen, video.timeline.endPts), width: 64, height: 48, output: path.join(dir, "s.mp4"),
      }),
      {
        onSample: (pts, gray) =>
          void seen.push({ picture: pictureOf(second, pts), bytes: gray.length, mean: gray.reduce((a, b) => a + b, 0) / gray.length, timeSec: timeOf(pts, video.timeline) }),
      },
    );
    assert.deepEqual(seen.map((s) => s.picture), chosen);
    assert.ok(seen.every((s) => s.bytes === 64 * 48));
    assert.deepEqual(seen.map((s) => s.timeSec), chosen.map((p) => p / 25));
    // Samples are the luma plane as decoded (no range conversion).
    const source = lumaMeans(sourceFile, 64, 48);
    for (const s of seen) assert.ok(Math.abs(s.mean - source[s.picture]) < 3, `picture ${s.picture}`);
    assert.equal(ptsAt(second.pictures, 0), second.fromPts);
  });

  it("counts the frames without encoding them", async () => {
    const source = makeClip(path.join(dir, "count.mp4"), { width: 64, height: 48, rate: "25", seconds: 2 });
    const seen: number[] = [];
    const decoded = await decodeSegment(job({ input: source, samples: [[0, 1], [49 * 512, 50 * 512]], width: 64, height: 48, output: null }), {
      onSample: (pts) => void seen.push(pts),
    });
    assert.equal(decoded, 50);
    assert.equal(seen.length, 2);
  });

  it("rejects a file nothing can be decoded from, saying so", async () => {
    await assert.rejects(
      decodeSegment(job({ input: path.join(dir, "missing.mp4"), output: null })),
      (e: VideoError) => e.stage === "segment" && /could not decode the segment from 0.000 s \(0 frames decoded\)/.test(e.reason),
    );
  });
});
