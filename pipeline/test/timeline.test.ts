import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  offNominalGrid,
  countOf,
  expandRuns,
  indexAtOrBefore,
  parsePacketScan,
  ptsAt,
  rangesBetween,
  sliceRuns,
  toRuns,
  typicalStep,
} from "../src/video/timeline";

describe("picture timestamps as runs", () => {
  const times = [0, 1, 2, 3, 4, 5, 20, 21, 22, 40, 43];

  it("keeps a constant-rate video in one run, and round-trips any list", () => {
    assert.deepEqual(toRuns([0, 1001, 2002, 3003]), [[0, 1001, 4]]);
    assert.deepEqual(expandRuns(toRuns(times)), times);
    assert.equal(countOf(toRuns(times)), times.length);
    assert.deepEqual(toRuns([7]), [[7, 1, 1]]);
    assert.deepEqual(toRuns([]), []);
  });

  it("finds a picture by index and the picture on screen at a timestamp", () => {
    const runs = toRuns(times);
    times.forEach((t, i) => assert.equal(ptsAt(runs, i), t));
    assert.throws(() => ptsAt(runs, times.length), RangeError);
    assert.equal(indexAtOrBefore(runs, -1), -1);
    assert.equal(indexAtOrBefore(runs, 0), 0);
    assert.equal(indexAtOrBefore(runs, 12), 5, "a held stretch shows the picture before it");
    assert.equal(indexAtOrBefore(runs, 21), 7);
    assert.equal(indexAtOrBefore(runs, 42), 9);
    assert.equal(indexAtOrBefore(runs, 1000), 10);
  });

  it("slices runs by picture index", () => {
    const runs = toRuns(times);
    for (const [from, count] of [
      [0, 11],
      [2, 5],
      [5, 1],
      [6, 4],
      [10, 1],
    ]) {
      assert.deepEqual(expandRuns(sliceRuns(runs, from, count)), times.slice(from, from + count), `${from}+${count}`);
    }
  });
});

describe("parsePacketScan (ffprobe's packet lines)", () => {
  it("takes packets with data as pictures, in presentation order, and empty ones as held", () => {
    // pts,dts,duration,size: B-frames out of order, an empty chunk, a repeated timestamp.
    const scan = parsePacketScan(["0,-2,1,900", "3,-1,1,500", "1,0,1,80", "2,1,1,70", "4,2,1,0", "5,3,1,60", "5,4,1,60", ""].join("\n"))!;
    assert.deepEqual(scan.pictures, [0, 1, 2, 3, 5]);
    assert.equal(scan.packets, 7);
    assert.equal(scan.endPts, 6);
  });

  it("leaves out packets an edit list discards, and groups them into ranges between pictures", () => {
    const scan = parsePacketScan(["0,0,1,900,D_", "1,1,1,80,D_", "2,2,1,70,K_", "3,3,1,60,__", "4,4,1,50,_D"].join("\n"))!;
    assert.deepEqual(scan.pictures, [2, 3]);
    assert.deepEqual(scan.discarded, [0, 1, 4]);
    assert.equal(scan.endPts, 4, "the shown frames end before the discarded tail");
    assert.deepEqual(rangesBetween(scan.discarded, scan.pictures), [
      [0, 1],
      [4, 4],
    ]);
  });

  it("uses dts where a packet has no pts (AVI with packed B-frames), and gives up without any timestamp", () => {
    assert.deepEqual(parsePacketScan("N/A,0,1,4152\nN/A,1,1,18371\n3,3,1,2010\nN/A,2,1,7")!.pictures, [0, 1, 2, 3]);
    assert.equal(parsePacketScan("N/A,N/A,N/A,100\nN/A,N/A,N/A,100"), null);
  });

  it("counts where decode timestamps jump back more than 0.1 s or forward more than 10 s: recordings joined end to end", () => {
    // 90 kHz, 25 fps (3600 ticks): B-frames reorder pts, never dts.
    const tb = { num: 1, den: 90000 };
    const recording = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => `${from + (i + 1) * 3600},${from + i * 3600},3600,100`);
    const joined = [...recording(900000, 50), ...recording(810000, 50)].join("\n");
    assert.equal(parsePacketScan(joined, tb)!.jumps, 1, "the second recording's clock starts over");
    assert.equal(parsePacketScan(joined, tb)!.pictures.length, 75, "overlaid, a recording's pictures hide the other's");
    const gap = [...recording(0, 50), ...recording(180000 + 11 * 90000, 50)].join("\n");
    assert.equal(parsePacketScan(gap, tb)!.jumps, 1, "11 s of nothing");
    // Not a jump: a step back within 0.1 s (a muxer's rounding), a pause under 10 s, packets without dts.
    const quirks = [...recording(0, 10), "40000,27400,3600,100", ...recording(9000 + 9 * 90000, 10), "N/A,N/A,N/A,100"].join("\n");
    assert.equal(parsePacketScan(quirks, tb)!.jumps, 0);
    assert.equal(parsePacketScan(joined)!.jumps, 0, "not counted without a time base");
  });

  it("gives the typical step between pictures", () => {
    assert.equal(typicalStep([0, 1001, 2002, 3003, 9009]), 1001);
    assert.equal(typicalStep([5]), 0);
  });

  it("tells pictures off the nominal rate's grid from those on it, rounded or drifting", () => {
    const ms = { num: 1, den: 1000 };
    // A browser's MP4: its first frame longer, the rest 10 ms late; ffprobe names 30 fps.
    assert.equal(offNominalGrid([0, 42, 77, 107, 142], ms, 30), true);
    // 30 fps rounded to the millisecond; 29.97 fps in 1/90000 (MPEG-TS); one tick off in a coarse base.
    assert.equal(offNominalGrid([0, 33, 67, 100, 133, 167], ms, 30), false);
    assert.equal(offNominalGrid([9000, 12003, 15006, 18009], { num: 1, den: 90000 }, 30000 / 1001), false);
    assert.equal(offNominalGrid([0, 1, 3, 4], { num: 1, den: 30 }, 30), false);
    // A camera's clock drifting by less than a tenth of a frame (box.mp4: 2.8 ms after 14 s), counted from the first.
    assert.equal(offNominalGrid([500000, 534000, 14717000], { num: 1, den: 1000000 }, 30000 / 1001), false);
  });
});
