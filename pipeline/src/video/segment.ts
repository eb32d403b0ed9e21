/**
 * Segment planning: cut a video into time segments that workers process in
 * parallel, and choose the frames that the preview and inference see. Pure
 * functions over a video's timeline (timeline.ts), no I/O.
 *
 * Every cut is at a picture's timestamp: a segment holds the decoded frames
 * whose timestamps fall from its first picture up to the next segment's first
 * picture. Timestamps are integers in the stream's time base, so the segments
 * of any plan partition the frames exactly: the same input gives the same
 * frames whatever `segmentSeconds` is.
 */
import { PtsRuns, Timeline, countOf, expandRuns, indexAtOrBefore, ptsAt, secondsOf, sliceRuns, timeOf } from "./timeline";

export interface SegmentPlan {
  index: number;
  /** The segment's first picture, as an index into the video's pictures. */
  firstPicture: number;
  /** The segment's pictures' timestamps. */
  pictures: PtsRuns;
  /** The first picture's timestamp: the segment's frames are timed from it. */
  fromPts: number;
  /** The next segment's first picture's timestamp (frames from it on belong there); null for the last segment. */
  untilPts: number | null;
  /**
   * Where ffmpeg starts reading, in seconds from the file's start: a few pictures early (see SEEK_LEAD), or where a
   * container has no index, at the keyframe before those (Timeline.seekLead); 0 for the first.
   */
  seekSec: number;
}

/**
 * Pictures a segment's decoding starts before its first one. A decoder may
 * give a frame the timestamp of the picture after the one that carried it
 * (AVI with packed B-frames does: a one-frame delay), and ffmpeg seeks to the
 * keyframe at or before its target, so starting a few pictures early makes
 * sure the segment's first frame is decoded.
 */
export const SEEK_LEAD = 3;

/**
 * Where a cut goes after a keyframe, in pictures: the segment's decoding
 * then starts at that keyframe (it seeks SEEK_LEAD pictures early, to the
 * picture after the keyframe, never a rounding below it) and throws away
 * only the pictures between, instead of the part of a GOP before the cut.
 */
export const KEYFRAME_CUT = SEEK_LEAD + 1;

/**
 * The cut nearest to picture `target` that lies KEYFRAME_CUT pictures after a
 * keyframe, within a quarter segment of it and after picture `after`; or
 * `target` itself when no keyframe is near (or none is known).
 */
export function cutNearKeyframe(timeline: Timeline, target: number, after: number, segmentSeconds: number): number {
  const { pictures, keyframes, timeBase } = timeline;
  if (!keyframes || keyframes.length === 0) return target;
  const total = countOf(pictures);
  const targetPts = ptsAt(pictures, target);
  const slack = (segmentSeconds / 4) * (timeBase.den / timeBase.num);
  let best = target;
  let bestDistance = Infinity;
  // Keyframes from the latest whose cut can still be within the slack, backwards.
  for (let k = indexAtOrBefore(keyframes, targetPts + slack); k >= 0; k--) {
    const keyframe = ptsAt(keyframes, k);
    const cut = indexAtOrBefore(pictures, keyframe) + KEYFRAME_CUT;
    if (cut <= after) break;
    if (cut >= total) continue;
    const distance = Math.abs(ptsAt(pictures, cut) - targetPts);
    if (distance > slack) {
      if (ptsAt(pictures, cut) < targetPts) break;
      continue;
    }
    if (distance < bestDistance) [best, bestDistance] = [cut, distance];
  }
  return best;
}

/** Whether a cut at `picture` lies KEYFRAME_CUT pictures after a keyframe: its segment's decoding starts at that keyframe. */
export function cutsAfterKeyframe(timeline: Timeline, picture: number): boolean {
  const { pictures, keyframes } = timeline;
  if (!keyframes || picture < KEYFRAME_CUT) return false;
  const keyframe = ptsAt(pictures, picture - KEYFRAME_CUT);
  const k = indexAtOrBefore(keyframes, keyframe);
  return k >= 0 && ptsAt(keyframes, k) === keyframe;
}

/** The most of a video the longest of its side-by-side parts may hold: beyond, another decoder's start and seek cost more than it saves. */
const SIDE_BY_SIDE_MAX_SHARE = 0.8;

/** Keyframes tried as the length of side-by-side parts when an even split does not fall next to one. */
const KEYFRAME_CANDIDATES = 16;

/**
 * A segment length that cuts a video into at most `parts` pieces to decode
 * side by side, every cut just after a keyframe (nothing decoded only to be
 * thrown away): the even length when its cuts land there, else the keyframe
 * time near it that keeps the longest piece shortest. A video of long GOPs
 * (vtest.avi: a keyframe every 25 s of 79.5) is cut unevenly, at 50 s: its
 * halves decode side by side in 0.23 s where one decoder takes 0.35 s (its
 * decoder uses one core). null: no such cut, or the longest piece would be
 * most of the video.
 */
export function keyframeSplitSeconds(timeline: Timeline, parts: number): number | null {
  const { pictures, keyframes, timeBase } = timeline;
  if (countOf(pictures) === 0 || parts < 2) return null;
  const first = ptsAt(pictures, 0);
  const durationSec = secondsOf(timeline.endPts - first, timeBase);
  const even = durationSec / parts;
  const longestOf = (length: number): number | null => {
    const plan = planSegments(timeline, length);
    if (plan.length < 2 || plan.length > parts || !plan.slice(1).every((s) => cutsAfterKeyframe(timeline, s.firstPicture))) return null;
    return Math.max(...plan.map((s) => secondsOf((s.untilPts ?? timeline.endPts) - s.fromPts, timeBase)));
  };
  const pays = (longest: number | null): longest is number => longest !== null && longest <= SIDE_BY_SIDE_MAX_SHARE * durationSec;
  if (pays(longestOf(even))) return even;
  const near = (keyframes ? expandRuns(keyframes) : [])
    .map((k) => secondsOf(k - first, timeBase))
    .filter((t) => t >= even / 2 && t <= even * 1.5)
    .sort((a, b) => Math.abs(a - even) - Math.abs(b - even))
    .slice(0, KEYFRAME_CANDIDATES);
  let best: { length: number; longest: number } | null = null;
  for (const length of near) {
    const longest = longestOf(length);
    if (pays(longest) && (best === null || longest < best.longest)) best = { length, longest };
  }
  return best?.length ?? null;
}

/**
 * Splits the video into segments of about `segmentSeconds`, each starting at a
 * picture: where a keyframe is within a quarter segment, just after it (see
 * KEYFRAME_CUT). `segmentSeconds` <= 0, or a video no longer than that, gives
 * one segment. A last piece shorter than half a segment joins the one before it.
 */
export function planSegments(timeline: Timeline, segmentSeconds: number): SegmentPlan[] {
  const { pictures, timeBase } = timeline;
  const total = countOf(pictures);
  if (total === 0) return [];
  const starts = [0];
  // A bare elementary stream is decoded in one piece (Timeline.bareStream): cut in 5 s segments, an MPEG-2 .m2v failed.
  if (segmentSeconds > 0 && !timeline.bareStream) {
    const per = segmentSeconds;
    for (;;) {
      const from = ptsAt(pictures, starts[starts.length - 1]);
      // The first picture at least `per` seconds after this segment's first.
      const next = indexAtOrBefore(pictures, Math.ceil(from + (per * timeBase.den) / timeBase.num) - 1) + 1;
      if (next >= total) break;
      starts.push(next);
    }
    const last = ptsAt(pictures, starts[starts.length - 1]);
    if (starts.length > 1 && secondsOf(timeline.endPts - last, timeBase) * 2 < per) starts.pop();
    // Then each cut moves next to a keyframe: decided before, the number of segments does not depend on where keyframes are.
    for (let i = 1; i < starts.length; i++) starts[i] = cutNearKeyframe(timeline, starts[i], starts[i - 1], per);
  }
  return starts.map((firstPicture, index) => {
    const end = index + 1 < starts.length ? starts[index + 1] : total;
    const lead = Math.max(0, firstPicture - SEEK_LEAD);
    return {
      index,
      firstPicture,
      pictures: sliceRuns(pictures, firstPicture, end - firstPicture),
      fromPts: ptsAt(pictures, firstPicture),
      untilPts: end < total ? ptsAt(pictures, end) : null,
      seekSec: index === 0 ? 0 : seekSecFor(timeline, ptsAt(pictures, lead)),
    };
  });
}

/** A part this much shorter than the longest, or more, decodes at a lower priority beside it (shorterParts). */
const SHORTER_SHARE = 0.9;

/**
 * Which of a video's parts are shorter than its longest by a tenth or more,
 * in pictures. Decoded side by side on one machine, the video waits for its
 * longest part: the others run at a lower priority (decode.ts,
 * SegmentJob.lowPriority) and take what that one and videoflow leave.
 */
export function shorterParts(plan: SegmentPlan[]): boolean[] {
  const counts = plan.map((s) => countOf(s.pictures));
  const longest = Math.max(0, ...counts);
  return counts.map((count) => count <= SHORTER_SHARE * longest);
}

/**
 * Where decoding starts to reach the picture at `pts`. ffmpeg seeks to the
 * keyframe before a time where the container has an index (MP4, Matroska,
 * AVI); where it has none (MPEG-TS, PS: Timeline.seekLead), to the keyframe's
 * decode time, else to the start: a seek that lands after the keyframe would
 * lose the pictures up to the next one (a 3 s TS with one keyframe, cut in
 * 1 s segments, lost 50 of its 75 frames). Where ffmpeg seeks by another
 * video stream, from the start too. In microseconds, rounded down.
 */
export function seekSecFor(timeline: Timeline, pts: number): number {
  const { keyframes, seekLead } = timeline;
  if (timeline.seeksByAnotherStream) return 0;
  let from = pts;
  if (seekLead !== undefined) {
    const k = keyframes ? indexAtOrBefore(keyframes, pts) : -1;
    if (k < 0) return 0;
    from = ptsAt(keyframes!, k) - seekLead;
  }
  return Math.max(0, Math.floor(timeOf(from, timeline) * 1e6) / 1e6);
}

/**
 * The pictures on screen at `count` evenly spaced moments (the middle of
 * each of `count` equal parts of the video): distinct picture indices,
 * ascending. Held frames show the picture before them, so a long still
 * stretch gives one picture, not many copies.
 */
export function planSamples(timeline: Timeline, count: number): number[] {
  const { pictures, endPts } = timeline;
  const first = ptsAt(pictures, 0);
  const n = Math.max(0, Math.floor(count));
  const picks = new Set<number>();
  for (let i = 0; i < n; i++) picks.add(indexAtOrBefore(pictures, Math.floor(first + ((i + 0.5) * (endPts - first)) / n)));
  return [...picks].sort((a, b) => a - b);
}

/**
 * Whether the video's last pictures are evenly spaced. The MP4 muxer of
 * ffmpeg 2018 ends a track where its last frame's decode timestamp plus one
 * frame falls; with B-frames (decode order behind presentation order) and an
 * uneven end (held frames, variable rate, a gap), that cuts off the last
 * frame. Such a video is encoded without B-frames (every segment of it: in
 * a joined track they must agree, or its end moves by the B-frame delay).
 */
export function endsEvenly(timeline: Timeline, lookBack = 6): boolean {
  const n = countOf(timeline.pictures);
  const last = Array.from({ length: Math.min(n, lookBack + 1) }, (_, k) => ptsAt(timeline.pictures, n - 1 - k)).reverse();
  last.push(timeline.endPts);
  const gaps = last.slice(1).map((t, i) => t - last[i]);
  return gaps.every((g) => Math.abs(g - gaps[0]) <= 0.01 * gaps[0]);
}

/** `count` indices spread evenly over `length` (the middle of each of `count` equal parts), distinct. */
export function spreadIndices(length: number, count: number): number[] {
  const n = Math.min(Math.max(0, Math.floor(count)), length);
  const picks = new Set<number>();
  for (let i = 0; i < n; i++) picks.add(Math.floor(((i + 0.5) * length) / n));
  return [...picks].sort((a, b) => a - b);
}

/**
 * The pictures on screen every 1/`perSecond` seconds from the first, or
 * "all" (every picture) when `perSecond` is 0 or at least the nominal rate.
 */
export function planEvery(timeline: Timeline, perSecond: number, fps: number): number[] | "all" {
  if (!(perSecond > 0) || perSecond >= fps) return "all";
  const { pictures, endPts, timeBase } = timeline;
  const first = ptsAt(pictures, 0);
  const step = timeBase.den / (timeBase.num * perSecond);
  const picks: number[] = [];
  for (let k = 0; first + k * step < endPts; k++) {
    const i = indexAtOrBefore(pictures, Math.floor(first + k * step));
    if (picks[picks.length - 1] !== i) picks.push(i);
  }
  return picks;
}

/** The chosen pictures that belong to a segment. */
export function picturesIn(segment: SegmentPlan, chosen: number[]): number[] {
  const end = segment.firstPicture + countOf(segment.pictures);
  return chosen.filter((i) => i >= segment.firstPicture && i < end);
}

/**
 * The timestamp windows [from, until) of a segment's chosen pictures: a
 * decoded frame in a picture's window is that picture's frame, even when the
 * decoder delays its timestamp (see SEEK_LEAD).
 */
export function sampleWindows(segment: SegmentPlan, chosen: number[], endPts: number): Array<[number, number]> {
  const count = countOf(segment.pictures);
  return chosen.map((i) => {
    const k = i - segment.firstPicture;
    const until = k + 1 < count ? ptsAt(segment.pictures, k + 1) : (segment.untilPts ?? endPts);
    return [ptsAt(segment.pictures, k), until];
  });
}

/** Which of the segment's pictures a decoded frame with this timestamp is (an index into the video's pictures), or -1. */
export function pictureOf(segment: SegmentPlan, pts: number): number {
  const k = indexAtOrBefore(segment.pictures, pts);
  return k < 0 ? -1 : segment.firstPicture + k;
}
