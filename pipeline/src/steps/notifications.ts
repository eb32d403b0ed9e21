/**
 * The streaming job's steps around the bucket's notifications: decide what
 * a message asks for, keep one attempt per upload, and announce each outcome
 * (a log line, and a failure published to the dead-letter topic when there
 * is one).
 */
import { log } from "../log";
import { isCommitted } from "../output/manifest";
import { decide, decodePubsubMessage, publishDeadLetter } from "../io/notifications";
import type { FailedOutcome, Failure, OriginalNotification, Outcome, Routed, VideoAttempt } from "../model";
import type { PipelineOptions, StreamingOptions } from "../options";

/** A message that cannot be read as a notification: a failure for the dead letter under `key`, with the message when it could be decoded. */
function unreadable(key: string, reason: string, notification?: OriginalNotification): { failed: Failure } {
  return {
    failed: {
      source: "(unreadable message)",
      key,
      stage: "notification",
      reason,
      retryable: false,
      ...(notification ? { notification } : {}),
    },
  };
}

/**
 * The streaming job's first step: what a notification from Dataflow's
 * Pub/Sub read asks for (notifications.ts, decide). A video upload becomes an
 * attempt named by the message id, so a retried bundle finds its own work
 * again; anything else is skipped (and logged), and a malformed message is a
 * failure for the dead letter.
 */
export function decideNotification(
  bytes: Uint8Array,
  options: StreamingOptions,
): Routed<VideoAttempt> | { skipped: { object: string; reason: string } } {
  let message: ReturnType<typeof decodePubsubMessage>;
  try {
    message = decodePubsubMessage(bytes);
  } catch (err) {
    return unreadable("_unreadable", `not a Pub/Sub message: ${(err as Error).message}`);
  }
  const notification = message.original;
  let decision: ReturnType<typeof decide>;
  try {
    decision = decide(message, options);
  } catch (err) {
    // A message decide did not foresee: a dead letter, never an exception (a runner retries a failed bundle forever).
    return unreadable(`_notifications/${message.id}`, `cannot read the notification: ${(err as Error).message}`, notification);
  }
  if (decision.action === "process") return { ok: { ...decision.input, notification, attempt: `m${message.id}` } };
  if (decision.action === "skip") {
    log("INFO", `skipped ${decision.object}: ${decision.reason}`, { event: "skipped", object: decision.object, reason: decision.reason });
    return { skipped: { object: decision.object, reason: decision.reason } };
  }
  const key = `_notifications/${message.id}`;
  return { failed: { source: decision.object, key, stage: "notification", reason: decision.reason, retryable: false, notification } };
}

/** A base64 text's bytes: how recorded messages travel into a replay (beam/pubsub.ts, replayPubSubMessages). */
export function bytesOf(base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, "base64"));
}

// Beam's element timestamps are instances of the "long" package's class (the version apache-beam depends on).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when first needed (see above)
const Long = require("long") as { fromNumber(ms: number): unknown };

/** The timestamp Dataflow's Pub/Sub read gives a message: its publish time, in ms since the epoch. */
export function publishTimeOf(bytes: Uint8Array): unknown {
  const publishTime = decodePubsubMessage(bytes).original.publishTime;
  return Long.fromNumber(publishTime === null ? 0 : Date.parse(publishTime));
}

/** The object a source names, without its generation: how the listener's log lines name an upload. */
function objectOf(source: string): string {
  return source.replace(/#\d+$/, "");
}

/**
 * The streaming job's guard against duplicates, after its notifications are
 * grouped by video in their window: one attempt per upload (copies of a
 * notification published together, or delivered again, meet here), and none
 * at all when the upload's manifest, written last, already exists (a
 * notification delivered again after its video was done). Attempts racing in
 * different windows are settled at commit (assemble, writeManifest).
 */
export async function oneAttemptPerUpload(
  attempts: VideoAttempt[],
  options: PipelineOptions,
): Promise<{ ok: VideoAttempt } | { skipped: { object: string; reason: string; deliveries: number } }> {
  const chosen = [...attempts].sort((a, b) => a.attempt.localeCompare(b.attempt))[0];
  const object = objectOf(chosen.source);
  if (attempts.length > 1) {
    log("INFO", `${object}: ${attempts.length} notifications of one upload, processed once`, {
      event: "duplicate",
      object,
      deliveries: attempts.length,
    });
  }
  let done = false;
  try {
    done = await isCommitted(options.outputDirectory, chosen.key);
  } catch (err) {
    // Not knowing is no reason to stop: processing it again is safe, its commit is conditional.
    log("WARNING", `could not look for the result of ${object}: ${(err as Error).message}`, { event: "lookup failed", object });
  }
  if (!done) return { ok: chosen };
  log("INFO", `already processed ${object}`, { event: "duplicate", object, deliveries: attempts.length });
  return { skipped: { object, reason: "already processed", deliveries: attempts.length } };
}

/** The streaming job's last step: logs what happened to a video and, with a dead-letter topic, publishes its failure there. */
export async function announceOutcome(outcome: Outcome, options: StreamingOptions): Promise<Outcome> {
  if (outcome.status === "ok") {
    const object = objectOf(outcome.source);
    log("INFO", `processed ${object} in ${outcome.wallSec} s`, {
      event: "processed",
      object,
      manifest: outcome.manifest,
      processingSec: outcome.wallSec,
    });
  } else {
    await announceFailure(outcome, options);
  }
  return outcome;
}

/**
 * With a dead-letter topic, publishes a dead-lettered video's failure there,
 * with the notification that asked for it (the listener passes its client).
 */
export async function announceFailure(
  outcome: FailedOutcome,
  options: StreamingOptions,
  client?: import("@google-cloud/pubsub").PubSub,
): Promise<void> {
  if (!options.deadLetterTopic) return;
  const { source, stage, reason, retryable, deadLetter: record, notification } = outcome;
  const note = { source, stage, reason, retryable, record, ...(notification ? { notification } : {}) };
  await publishDeadLetter(options.deadLetterTopic, note, notification?.attributes, client);
}
