/**
 * The picture as players show it, from what ffprobe says of a video stream:
 * the shape of its pixels, and its display matrix (the turn and the mirror
 * ffmpeg's autorotate applies). Pure functions, no I/O.
 */
import { gcd } from "../util/numbers";

/** ffprobe's sample_aspect_ratio ("4:3"; "0:1" or "N/A" when unknown) as a reduced pair, [1, 1] when unknown. */
export function aspectRatio(text: string | undefined): [number, number] {
  const match = /^(\d+):(\d+)$/.exec(text ?? "");
  const [a, b] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!(a > 0 && b > 0)) return [1, 1];
  const d = gcd(a, b);
  return [a / d, b / d];
}

/**
 * The upright picture in square pixels, as players show it: as tall as it
 * is, and its width scaled by the pixels' shape (to an even number of
 * pixels). The size of the frames the preview and inference get.
 */
export function squarePixelSize(video: { width: number; height: number; sampleAspectRatio: string }): { width: number; height: number } {
  const [a, b] = aspectRatio(video.sampleAspectRatio);
  if (a === b) return { width: video.width, height: video.height };
  return { width: Math.max(2, 2 * Math.round((video.width * a) / b / 2)), height: video.height };
}

type DisplaySideData = Array<{ rotation?: number; displaymatrix?: string }> | undefined;

/** The display matrix's 9 numbers (ffprobe prints them in rows, each after its offset "00000000:"), or null. */
function displayMatrix(sideData: DisplaySideData): number[] | null {
  const text = sideData?.find((d) => typeof d.displaymatrix === "string")?.displaymatrix;
  const numbers = (text ?? "")
    .replace(/^\s*\d+:/gm, "")
    .trim()
    .split(/\s+/)
    .map(Number);
  return numbers.length === 9 && numbers.every(Number.isFinite) ? numbers : null;
}

/** A matrix that flips the picture: a negative determinant. */
const flips = (m: number[]): boolean => m[0] * m[4] - m[1] * m[3] < 0;

/** Whether the display matrix flips the picture: a mirror, with or without a turn. */
export function displayMirrored(sideData: DisplaySideData): boolean {
  const m = displayMatrix(sideData);
  return m !== null && flips(m);
}

/**
 * The display matrix's rotation, as ffmpeg's autorotate applies it: whole
 * quarter turns only (other angles it leaves as they are, so do we), in (-180, 180].
 * ffprobe's `rotation` of a mirrored matrix counts the flip as half a turn
 * (a left-right mirror is "-180"): there the turn is the matrix's with the
 * flip taken out (av_display_rotation_get's formula, its first column negated).
 */
export function displayRotation(sideData: DisplaySideData): number {
  const m = displayMatrix(sideData);
  const unflipped = m && flips(m) ? -(Math.atan2(m[1] / Math.hypot(m[1], m[4]), -m[0] / Math.hypot(m[0], m[3])) * 180) / Math.PI : null;
  const degrees = unflipped ?? sideData?.find((d) => typeof d.rotation === "number")?.rotation ?? 0;
  const quarters = Math.round(degrees / 90);
  if (!Number.isFinite(degrees) || Math.abs(degrees - quarters * 90) > 1) return 0;
  const turned = (((quarters % 4) + 4) % 4) * 90;
  return turned > 180 ? turned - 360 : turned;
}
