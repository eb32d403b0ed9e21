/** The pipeline stages a video passes through; a failure names the one it failed in ("run": the run itself, not a stage). */
export const STAGES = ["notification", "input", "probe", "segment", "inference", "assemble", "run"] as const;
export type Stage = (typeof STAGES)[number];

/**
 * A failure that belongs to one video, not to the run: it sends the video to
 * the dead letter with a reason a person understands, and the other videos go on.
 * `retryable`: the cause was not the video (a service that stayed unavailable
 * for the whole retry budget): sent again later, it may succeed.
 */
export class VideoError extends Error {
  constructor(
    readonly stage: Stage,
    readonly reason: string,
    readonly retryable = false,
  ) {
    super(`${stage}: ${reason}`);
    this.name = "VideoError";
  }
}

/** Whether another try at a video that failed with `err` may succeed: anything but the video's own fault. */
export function isRetryable(err: unknown): boolean {
  return !(err instanceof VideoError) || err.retryable;
}

/** Wraps any thrown value as a VideoError of the given stage (keeping one that already is). */
export function asVideoError(stage: Stage, err: unknown): VideoError {
  if (err instanceof VideoError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new VideoError(stage, message);
}
