/** Number helpers shared by the stages. */

/** `x` to `digits` decimal places (figures in manifests and logs). */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The greatest common divisor of two whole numbers (reducing fractions: pixel shapes, frame rates). */
export function gcd(x: number, y: number): number {
  return y === 0 ? x : gcd(y, x % y);
}
