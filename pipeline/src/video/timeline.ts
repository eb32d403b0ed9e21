/**
 * A video's frames, as videoflow counts them: the pictures the container
 * holds, each at its presentation timestamp. Pure functions, no I/O.
 *
 * - A picture is a packet of the video stream that carries data. Its
 *   timestamp is the packet's pts (its dts where the container records no
 *   pts), in ticks of the stream's time base: integers, so that cuts and
 *   samples compare exactly.
 * - Containers with a fixed frame rate (AVI) list entries for frames that
 *   repeat the one before (capture software writes empty chunks for them).
 *   Those are held frames: no picture of their own, the previous picture stays
 *   on screen. Players show them by timing; so does gray.mp4.
 * - A picture the decoder cannot decode is undecodable: counted, not fatal
 *   up to maxUndecodableFrames (see steps/assemble.ts, checkDecoded).
 * - A packet an MP4 edit list leaves out is discarded: the container lists
 *   it, players do not show it, and neither does gray.mp4 (ffmpeg of 2018
 *   still decodes it, so its frame is dropped by timestamp).
 *
 * Timestamps are stored as runs [first, step, count], so a constant-rate
 * video of any length is one run: elements that carry them stay small.
 */

export type PtsRuns = Array<[first: number, step: number, count: number]>;

export interface TimeBase {
  num: number;
  den: number;
}

export interface Timeline {
  /** Seconds per tick of the video stream's timestamps. */
  timeBase: TimeBase;
  /** The file's start time in seconds (ffprobe's format start_time): output times count from it. */
  originSec: number;
  /** The pictures' timestamps in ticks, in presentation order. */
  pictures: PtsRuns;
  /** Where the readable packets end, in ticks: the latest timestamp plus its packet's duration. */
  endPts: number;
  /** Timestamp ranges [first, last] of discarded packets (see above): usually none, or a few at either end. */
  discarded: Array<[number, number]>;
  /** The timestamps of the pictures a decoder can start from (the container's keyframes); absent: not known. */
  keyframes?: PtsRuns;
  /**
   * Present for containers without an index (MPEG-TS and PS): there, ffmpeg's
   * seek lands on the packet at the time asked for, not on the keyframe before
   * it, and decoding waits for the next keyframe. A segment's decoding then
   * seeks to the keyframe before it by its decode time, which comes at most
   * this many ticks before its presentation time (B-frames: PacketScan.keyframeLead).
   */
  seekLead?: number;
  /**
   * Present when ffmpeg's seek goes by another video stream of the file
   * (StreamInfo.seeksByAnotherStream: a still or a second angle before the
   * video): where it lands says nothing of this stream's keyframes, and a
   * segment decodes from the start.
   */
  seeksByAnotherStream?: true;
  /**
   * Present for a bare elementary stream (probe.ts, BARE_STREAMS): its frames'
   * times come from ffmpeg's parser as it decodes, and a segment cut where a
   * seek lands would not start where the plan says: decoded in one piece.
   */
  bareStream?: true;
  /**
   * Present for a raw stream (H.264, HEVC: probe.ts, RAW_STREAMS), which has
   * no timestamps: its frame n is at n times this many ticks, and decoding
   * times its frames so (a setpts before anything else), whatever ffmpeg
   * would make up for them.
   */
  rawFrameTicks?: number;
  /**
   * Present when the pictures are not on the nominal rate's grid
   * (offNominalGrid): gray.mp4 is then written in the stream's own time base,
   * so that every frame keeps its time.
   */
  offGrid?: true;
}

/** Compresses sorted, distinct timestamps into runs of equal steps. */
export function toRuns(sorted: number[]): PtsRuns {
  const runs: PtsRuns = [];
  for (let i = 0; i < sorted.length;) {
    if (i + 1 === sorted.length) {
      runs.push([sorted[i], 1, 1]);
      break;
    }
    const step = sorted[i + 1] - sorted[i];
    let j = i + 1;
    while (j + 1 < sorted.length && sorted[j + 1] - sorted[j] === step) j++;
    runs.push([sorted[i], step, j - i + 1]);
    i = j + 1;
  }
  return runs;
}

export function countOf(runs: PtsRuns): number {
  return runs.reduce((n, r) => n + r[2], 0);
}

export function expandRuns(runs: PtsRuns): number[] {
  return runs.flatMap(([first, step, count]) => Array.from({ length: count }, (_, k) => first + k * step));
}

/** The timestamp of picture `index` (0-based). */
export function ptsAt(runs: PtsRuns, index: number): number {
  let i = index;
  for (const [first, step, count] of runs) {
    if (i < count) return first + i * step;
    i -= count;
  }
  throw new RangeError(`picture ${index} is past the last of ${countOf(runs)}`);
}

/** The index of the last picture at or before `pts`, or -1 when every picture is later. */
export function indexAtOrBefore(runs: PtsRuns, pts: number): number {
  let base = 0;
  let found = -1;
  for (const [first, step, count] of runs) {
    if (pts < first) return found;
    const k = Math.min(count - 1, Math.floor((pts - first) / step));
    found = base + k;
    base += count;
  }
  return found;
}

/** Pictures `from` to `from + count - 1` as runs of their own. */
export function sliceRuns(runs: PtsRuns, from: number, count: number): PtsRuns {
  const out: PtsRuns = [];
  let skip = from;
  let left = count;
  for (const [first, step, n] of runs) {
    if (left <= 0) break;
    if (skip >= n) {
      skip -= n;
      continue;
    }
    const take = Math.min(n - skip, left);
    out.push([first + skip * step, step, take]);
    left -= take;
    skip = 0;
  }
  return out;
}

export function secondsOf(ticks: number, tb: TimeBase): number {
  return (ticks * tb.num) / tb.den;
}

/** Seconds from the file's start to a timestamp. */
export function timeOf(pts: number, timeline: Pick<Timeline, "timeBase" | "originSec">): number {
  return secondsOf(pts, timeline.timeBase) - timeline.originSec;
}

/** What a scan of the video stream's packets found (see parsePacketScan). */
export interface PacketScan {
  /** Distinct picture timestamps, ascending. */
  pictures: number[];
  /** Packets read, empty and discarded ones included. */
  packets: number;
  /** Timestamps of discarded packets, ascending. */
  discarded: number[];
  /** Timestamps of the pictures flagged as keyframes (K), ascending. */
  keyframes: number[];
  /** How far, at most, a keyframe's decode timestamp comes before its presentation timestamp, in ticks (0: never). */
  keyframeLead: number;
  endPts: number;
  /**
   * Where the packets' decode timestamps, in file order, jump back (more than
   * JUMP_BACK_SEC) or forward (more than JUMP_FORWARD_SEC): recordings joined
   * end to end, each with a clock of its own (cat'ed MPEG-TS, DVD VOBs, tape
   * captures). Counted only when the time base is given.
   */
  jumps: number;
}

/**
 * What ffmpeg's demuxing takes for a jump in an MPEG-TS or PS stream's
 * timestamps, which it then closes when it is not told to keep them (its
 * ts_discontinuity_process: a decode timestamp 0.1 s before the last, or one
 * more than dts_delta_threshold, 10 s, after it). The same limits here, so
 * that what videoflow calls a jump is what players and ffmpeg make continuous.
 */
export const JUMP_BACK_SEC = 0.1;
export const JUMP_FORWARD_SEC = 10;

/**
 * Reads ffprobe's packet lines `pts,dts,duration,size,flags` (csv, no
 * header; "N/A" where a field is unknown). A packet without data is an empty
 * chunk (a held frame), one flagged D is discarded: neither is a picture. A
 * picture flagged K is a keyframe, where decoding can start.
 * Returns null when no packet has a timestamp (a raw stream): its pictures
 * cannot be placed in time. With `timeBase`, jumps in the decode timestamps
 * are counted (see PacketScan.jumps).
 */
export function parsePacketScan(csv: string, timeBase?: TimeBase): PacketScan | null {
  const times: number[] = [];
  const discarded: number[] = [];
  const keyframes: number[] = [];
  let packets = 0;
  let endPts = -Infinity;
  let timed = 0;
  let jumps = 0;
  let lastDts = NaN;
  let keyframeLead = 0;
  const ticks = (sec: number) => (timeBase ? (sec * timeBase.den) / timeBase.num : Infinity);
  const [back, forward] = [ticks(JUMP_BACK_SEC), ticks(JUMP_FORWARD_SEC)];
  for (const line of csv.split("\n")) {
    const fields = line.trim().split(",");
    if (fields.length < 4) continue;
    packets++;
    const pts = Number.parseInt(fields[0], 10);
    const dts = Number.parseInt(fields[1], 10);
    if (Number.isFinite(dts)) {
      if (dts < lastDts - back || dts > lastDts + forward) jumps++;
      lastDts = dts;
    }
    const t = Number.isFinite(pts) ? pts : dts;
    if (!Number.isFinite(t)) continue;
    timed++;
    if ((fields[4] ?? "").includes("D")) {
      discarded.push(t);
      continue;
    }
    const duration = Number.parseInt(fields[2], 10);
    endPts = Math.max(endPts, t + (Number.isFinite(duration) && duration > 0 ? duration : 0));
    if (Number.parseInt(fields[3], 10) > 0) {
      times.push(t);
      if ((fields[4] ?? "").startsWith("K")) {
        keyframes.push(t);
        if (Number.isFinite(pts) && Number.isFinite(dts)) keyframeLead = Math.max(keyframeLead, pts - dts);
      }
    }
  }
  if (timed === 0) return null;
  const ascending = (xs: number[]) => xs.sort((a, b) => a - b).filter((t, i, all) => i === 0 || t !== all[i - 1]);
  return {
    pictures: ascending(times),
    packets,
    discarded: ascending(discarded),
    keyframes: ascending(keyframes),
    keyframeLead,
    endPts,
    jumps,
  };
}

/** Groups ascending timestamps into ranges [first, last] with no picture between them. */
export function rangesBetween(timestamps: number[], pictures: number[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let p = 0;
  for (const t of timestamps) {
    while (p < pictures.length && pictures[p] < t) p++;
    const last = ranges[ranges.length - 1];
    // Extend the range while no picture lies between its end and t.
    if (last && !(p > 0 && pictures[p - 1] > last[1])) last[1] = t;
    else ranges.push([t, t]);
  }
  return ranges;
}

/**
 * Whether a picture lies off the grid of the nominal rate (ffprobe's
 * r_frame_rate, its guess at the rate every timestamp fits), counting from
 * the first picture: a recording timed by its capture clock, such as a
 * browser's MP4 in milliseconds (0, 40, 74, 107 ms at "30 fps"), or a phone's
 * variable rate. Written on that grid, such frames would move by up to half a
 * frame (Timeline.offGrid). Off by a tick of the time base, or by up to a
 * tenth of a frame, is on it: a constant rate's times rounded to the
 * millisecond, or drifting with the camera's clock (OpenCV's box.mp4, 29.97
 * fps in microseconds: 2.8 ms off after 14 s).
 */
export function offNominalGrid(pictures: number[], timeBase: TimeBase, fps: number): boolean {
  const tick = timeBase.num / timeBase.den;
  const allowed = Math.max(tick, 0.1 / fps) + 1e-9;
  const first = pictures[0] ?? 0;
  return pictures.some((t) => {
    const frames = (t - first) * tick * fps;
    return Math.abs(frames - Math.round(frames)) / fps > allowed;
  });
}

/** The typical step between pictures, in ticks (the median gap), or 0 with fewer than two. */
export function typicalStep(pictures: number[]): number {
  if (pictures.length < 2) return 0;
  const gaps = pictures
    .slice(1)
    .map((t, i) => t - pictures[i])
    .sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)];
}
