/**
 * The one-machine streaming runtime (`videoflow listen`): pulls Cloud Storage
 * notifications from a Pub/Sub subscription with flow control, runs each
 * uploaded video through the same pipeline on the direct runner as soon as
 * it arrives (a run of its own, so no video waits for another), and
 * acknowledges a message only once its video's outputs or dead-letter record
 * are written. Failures follow the failure policy (failure-policy.ts), as in
 * the streaming job: passing trouble is retried where it happens, for up to
 * maxRetrySeconds, and whatever still fails is dead-lettered (the record and
 * the dead-letter message keep the notification) and acknowledged.
 *
 * Pub/Sub delivers at least once, and copies of one notification can arrive
 * together: a video is registered under its key before anything is awaited,
 * so every copy that arrives while it is being worked on joins that work and
 * is answered with it.
 */
import { log } from "../log";
import { retryTransient } from "../failure-policy";
import { isCommitted } from "../output/manifest";
import { Decision, decide, originalNotification } from "../io/notifications";
import type { StreamingOptions } from "../options";
import type { Outcome, VideoInput } from "../model";
import { announceFailure, deadLetter } from "../steps";

import { Duration } from "@google-cloud/pubsub";
type PubSub = import("@google-cloud/pubsub").PubSub;
type Message = import("@google-cloud/pubsub").Message;
type Subscription = import("@google-cloud/pubsub").Subscription;

/** Runs the pipeline over one video: `processOnce` in production. */
export type ProcessVideo = (input: VideoInput) => Promise<Outcome>;

export interface ListenerCounts {
  received: number;
  processed: number;
  deadLettered: number;
  skipped: number;
  duplicates: number;
}

interface Work {
  input: VideoInput;
  object: string;
  uploadedAt: number | null;
  messages: Message[];
}

/**
 * How the listener holds its messages. Leases are renewed every few seconds
 * for as long as a video takes, so that a listener that dies gives its
 * messages back within seconds, not minutes; and for up to a day, not the
 * client's default hour: a long video (maxInputBytes allows 10 GiB) can take
 * hours on a small machine, and a message whose lease lapsed is delivered
 * again, to another listener that would start the same video over.
 */
export function subscriberOptions(maxInFlight: number) {
  return {
    flowControl: { maxMessages: maxInFlight, allowExcessMessages: false },
    maxAckDeadline: Duration.from({ seconds: 10 }),
    maxExtensionTime: Duration.from({ hours: 24 }),
  };
}

export class Listener {
  readonly counts: ListenerCounts = { received: 0, processed: 0, deadLettered: 0, skipped: 0, duplicates: 0 };
  private subscription?: Subscription;
  private inProgress = new Map<string, Work>();
  private running = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly pubsub: PubSub,
    private readonly options: StreamingOptions,
    private readonly processVideo: ProcessVideo,
  ) {}

  start(): void {
    this.subscription = this.pubsub.subscription(this.options.inputSubscription, subscriberOptions(this.options.maxInFlight));
    this.subscription.on("message", (message: Message) => {
      this.receive(message).catch((err) => {
        log("ERROR", `could not handle message ${message.id}: ${(err as Error).message}`, { event: "listener error" });
        message.nack();
      });
    });
    this.subscription.on("error", (err: Error) => log("ERROR", `subscription error: ${err.message}`, { event: "listener error" }));
    log("INFO", `listening on ${this.options.inputSubscription}, writing to ${this.options.outputDirectory}`, { event: "listening" });
  }

  /** Stops pulling, gives back what has not started, waits for what has, and closes the subscription. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
    await this.subscription?.close();
    log("INFO", "stopped", { event: "stopped", ...this.counts });
  }

  private async receive(message: Message): Promise<void> {
    if (this.stopping) return message.nack();
    this.counts.received++;
    const decision = decide({ attributes: message.attributes, data: message.data }, this.options);
    const notification = originalNotification(message.id, message.publishTime ?? null, message.attributes ?? {}, message.data);
    log("DEBUG", `received message ${message.id} (${decision.object}, delivery ${message.deliveryAttempt ?? "?"})`, {
      event: "received",
      id: message.id,
      object: decision.object,
      action: decision.action,
    });
    if (decision.action === "skip") {
      this.counts.skipped++;
      log("INFO", `skipped ${decision.object}: ${decision.reason}`, { event: "skipped", object: decision.object, reason: decision.reason });
      return message.ack();
    }
    if (decision.action === "reject") {
      this.counts.deadLettered++;
      const failure = {
        source: decision.object,
        key: `_notifications/${message.id}`,
        stage: "notification" as const,
        reason: decision.reason,
        retryable: false,
        notification,
      };
      await announceFailure(await deadLetter(failure, this.options), this.options, this.pubsub);
      return message.ack();
    }
    await this.accept({ ...decision, input: { ...decision.input, notification } }, message);
  }

  private async accept(decision: Extract<Decision, { action: "process" }>, message: Message): Promise<void> {
    const key = decision.input.key;
    const same = this.inProgress.get(key);
    if (same) {
      // The same upload, delivered again while it is being worked on: answered with it.
      this.counts.duplicates++;
      same.messages.push(message);
      return;
    }
    // Registered before the first await: a copy delivered meanwhile finds it (above).
    const work: Work = { input: decision.input, object: decision.object, uploadedAt: decision.uploadedAt, messages: [message] };
    this.inProgress.set(key, work);
    let done = false;
    try {
      done = await isCommitted(this.options.outputDirectory, key);
    } catch (err) {
      // As in the streaming job: not knowing is no reason to stop, processing it again is safe (its commit is conditional).
      log("WARNING", `could not look for the result of ${decision.object}: ${(err as Error).message}`, {
        event: "lookup failed",
        object: decision.object,
      });
    }
    if (done) {
      // Its manifest (written last) exists: this upload is done; a redelivery gets no second result.
      this.counts.duplicates++;
      log("INFO", `already processed ${decision.object}`, {
        event: "duplicate",
        object: decision.object,
        deliveries: work.messages.length,
      });
      return this.finish(work, "ack");
    }
    if (this.stopping) return this.finish(work, "nack");
    const run = this.run(work).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private async run(work: Work): Promise<void> {
    let outcome: Outcome;
    try {
      // A run that throws (not a video's failure: those are outcomes) is tried again under the same policy.
      outcome = await retryTransient(`the run for ${work.object}`, () => this.processVideo(work.input), {
        isTransient: () => true,
        fields: { object: work.object },
      });
    } catch (err) {
      log("ERROR", `the run for ${work.object} failed: ${(err as Error).message}`, { event: "run failed", object: work.object });
      outcome = await deadLetter({ ...work.input, stage: "run", reason: (err as Error).message, retryable: true }, this.options);
    }
    if (outcome.status === "ok") {
      this.counts.processed++;
      const latency = work.uploadedAt ? (Date.now() - work.uploadedAt) / 1000 : null;
      log("INFO", `processed ${work.object} in ${outcome.wallSec} s` + (latency !== null ? `, ${latency.toFixed(2)} s after upload` : ""), {
        event: "processed",
        object: work.object,
        manifest: outcome.manifest,
        processingSec: outcome.wallSec,
        latencySec: latency,
        deliveries: work.messages.length,
      });
    } else if (outcome.retryable && this.stopping) {
      // Stopped with the listener (Ctrl-C or a service manager's stop reaches its ffmpeg too): not the video's
      // failure, so given back to Pub/Sub, which delivers it again, rather than dead-lettered. Its record is
      // replaced when it succeeds.
      log("WARNING", `${work.object} was interrupted by the stop: given back, to be delivered again`, {
        event: "given back",
        object: work.object,
        reason: outcome.reason,
      });
      return this.finish(work, "nack");
    } else {
      this.counts.deadLettered++;
      await announceFailure(outcome, this.options, this.pubsub);
    }
    this.finish(work, "ack");
  }

  private finish(work: Work, how: "ack" | "nack"): void {
    this.inProgress.delete(work.input.key);
    for (const m of work.messages) {
      if (how === "ack") m.ack();
      else m.nack();
    }
  }
}
