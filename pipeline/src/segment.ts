/**
 * Segment planning: cut a video into time segments that workers process in
 * parallel, on exact frame boundaries, so that the joined output has exactly
 * the input's frames. Pure functions, no I/O.
 */

export interface SegmentPlan {
  index: number;
  /** First frame of the segment (0-based, in the whole video). */
  startFrame: number;
  frameCount: number;
  /** Presentation time of `startFrame`: startFrame / fps exactly. */
  startSec: number;
  /**
   * Where ffmpeg seeks to: half a frame before `startFrame`. ffmpeg drops
   * decoded frames earlier than the seek point, so the first frame kept is
   * `startFrame` even when container timestamps are rounded (29.97 fps in a
   * 1/15360 time base, for example) and the decimal seek time is too.
   */
  seekSec: number;
}

export interface FrameTiming {
  frames: number;
  /** Exact frame rate as "num/den". */
  fpsFraction: string;
  variableFrameRate: boolean;
}

function parseFraction(f: string): { num: number; den: number } {
  const parts = f.split("/").map(Number);
  if (!(parts[0] > 0 && parts[1] > 0)) throw new Error(`not a frame rate: ${f}`);
  return { num: parts[0], den: parts[1] };
}

/** Seconds of frame `k` at `num/den` fps, rounded to the microseconds ffmpeg parses. */
export function frameTime(k: number, fpsFraction: string): number {
  const { num, den } = parseFraction(fpsFraction);
  return Math.round((k * den * 1e6) / num) / 1e6;
}

/**
 * Splits `frames` into segments of about `segmentSeconds`. Variable frame
 * rate videos (and segmentSeconds <= 0) get one segment: cutting them by
 * frame time would not be frame exact. A last piece shorter than half a
 * segment joins the one before it.
 */
export function planSegments(video: FrameTiming, segmentSeconds: number): SegmentPlan[] {
  const { num, den } = parseFraction(video.fpsFraction);
  const total = video.frames;
  if (total <= 0) return [];
  const perSegment = Math.max(1, Math.round((segmentSeconds * num) / den));
  if (video.variableFrameRate || segmentSeconds <= 0 || perSegment >= total) {
    return [{ index: 0, startFrame: 0, frameCount: total, startSec: 0, seekSec: 0 }];
  }
  const starts: number[] = [];
  for (let start = 0; start < total; start += perSegment) starts.push(start);
  const lastLength = total - starts[starts.length - 1];
  if (starts.length > 1 && lastLength * 2 < perSegment) starts.pop();
  return starts.map((startFrame, index) => {
    const end = index + 1 < starts.length ? starts[index + 1] : total;
    return {
      index,
      startFrame,
      frameCount: end - startFrame,
      startSec: frameTime(startFrame, video.fpsFraction),
      seekSec: startFrame === 0 ? 0 : frameTime(startFrame - 0.5, video.fpsFraction),
    };
  });
}

/** `count` frame numbers spread evenly over `frames` (the middle of each of `count` equal parts). */
export function planSamples(frames: number, count: number): number[] {
  const n = Math.min(Math.max(0, Math.floor(count)), frames);
  const picks = new Set<number>();
  for (let i = 0; i < n; i++) picks.add(Math.floor(((i + 0.5) * frames) / n));
  return [...picks].sort((a, b) => a - b);
}

/** The sample frames that fall inside a segment. */
export function samplesIn(segment: SegmentPlan, samples: number[]): number[] {
  return samples.filter((f) => f >= segment.startFrame && f < segment.startFrame + segment.frameCount);
}
