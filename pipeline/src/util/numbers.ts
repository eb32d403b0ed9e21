/** Number helpers shared by the stages. */

/** `x` to `digits` decimal places (figures in manifests and logs). */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
