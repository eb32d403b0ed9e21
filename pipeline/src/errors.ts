/** The pipeline stages a video passes through; a failure names the one it failed in. */
export type Stage = "notification" | "input" | "probe" | "segment" | "inference" | "assemble";

/**
 * A failure that belongs to one video, not to the run: it sends the video to
 * the dead letter with a reason a person understands, and the other videos go on.
 */
export class VideoError extends Error {
  constructor(
    readonly stage: Stage,
    readonly reason: string,
  ) {
    super(`${stage}: ${reason}`);
    this.name = "VideoError";
  }
}

/** Wraps any thrown value as a VideoError of the given stage (keeping one that already is). */
export function asVideoError(stage: Stage, err: unknown): VideoError {
  if (err instanceof VideoError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new VideoError(stage, message);
}
