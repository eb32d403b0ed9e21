/**
 * The elements that travel between the pipeline's steps and the outcomes
 * they end in: plain data, the same on every runner (they are encoded
 * between steps). At the bottom of the code's layers: it imports only the
 * stage names (errors.ts). The video steps' own elements (ProbedVideo,
 * SegmentTask, SegmentDone) are made of the video stages' types and live
 * with those steps (steps/video-elements.ts).
 */
import type { Stage } from "./errors";

/**
 * A notification as it arrived, kept whole with the work it asked for, so
 * that a dead-lettered upload can be sent again exactly (videoflow redrive).
 */
export interface OriginalNotification {
  messageId: string;
  /** When Pub/Sub accepted it (RFC 3339), when known. */
  publishTime: string | null;
  attributes: Record<string, string>;
  /** The message's data, in base64. */
  data: string;
}

export interface VideoInput {
  source: string;
  key: string;
  /** The Cloud Storage notification that asked for it (streaming runtimes): kept for the dead letter and redrive. */
  notification?: OriginalNotification;
}

/**
 * One attempt at a video. Scratch files and work objects are named by the
 * attempt, so that two attempts at the same video (a duplicate delivery in
 * another process, a retry) never touch each other's files; only the final
 * outputs are shared, and the manifest, written last, commits them.
 */
export interface VideoAttempt extends VideoInput {
  attempt: string;
}

export interface Failure extends VideoInput {
  stage: Stage;
  reason: string;
  /**
   * Not a problem of the video (a service unavailable for the whole retry
   * budget, or trouble of the run): sent again later, it may succeed.
   */
  retryable: boolean;
}

export type Outcome =
  | { status: "ok"; source: string; key: string; manifest: string; frames: number; wallSec: number }
  | {
      status: "failed";
      source: string;
      key: string;
      stage: Stage;
      reason: string;
      retryable: boolean;
      deadLetter: string;
      notification?: OriginalNotification;
    };

export type FailedOutcome = Extract<Outcome, { status: "failed" }>;

/** A step's result: its output, or the failure the dead letter records. */
export type Routed<T> = { ok: T } | { failed: Failure };
