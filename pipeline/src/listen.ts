/**
 * The one-machine streaming runtime (`videoflow listen`): pulls Cloud Storage
 * notifications from a Pub/Sub subscription with flow control, hands small
 * batches of uploaded videos to the same pipeline on the direct runner, and
 * acknowledges a message only once its video's outputs or dead-letter record
 * are written. What fails for a reason worth retrying is nacked (Pub/Sub
 * delivers it again); what never will succeed is dead-lettered and acked.
 */
import { log } from "./log";
import { outputLayout } from "./manifest";
import { Decision, decide } from "./notifications";
import type { StreamingOptions } from "./options";
import type { Outcome, VideoInput } from "./steps";
import { sizeOf } from "./storage";

import { Duration } from "@google-cloud/pubsub";
type PubSub = import("@google-cloud/pubsub").PubSub;
type Message = import("@google-cloud/pubsub").Message;
type Subscription = import("@google-cloud/pubsub").Subscription;

/** Runs the pipeline over a batch of videos: `processOnce` in production, the same in tests. */
export type ProcessBatch = (inputs: VideoInput[]) => Promise<Outcome[]>;

export interface ListenerCounts {
  received: number;
  processed: number;
  deadLettered: number;
  skipped: number;
  duplicates: number;
  retried: number;
}

interface Work {
  input: VideoInput;
  object: string;
  uploadedAt: number | null;
  messages: Message[];
}

/** How long the listener waits for more notifications before it starts a batch. */
const BATCH_WINDOW_MS = 100;

export class Listener {
  readonly counts: ListenerCounts = { received: 0, processed: 0, deadLettered: 0, skipped: 0, duplicates: 0, retried: 0 };
  private subscription?: Subscription;
  private pending: Work[] = [];
  private inProgress = new Map<string, Work>();
  private running = new Set<Promise<void>>();
  private attempts = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    private readonly pubsub: PubSub,
    private readonly options: StreamingOptions,
    private readonly processBatch: ProcessBatch,
  ) {}

  start(): void {
    this.subscription = this.pubsub.subscription(this.options.inputSubscription, {
      flowControl: { maxMessages: this.options.maxInFlight, allowExcessMessages: false },
      // Leases are renewed every few seconds for as long as a video takes, so that a
      // listener that dies gives its messages back within seconds, not minutes.
      maxAckDeadline: Duration.from({ seconds: 10 }),
    });
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
    clearTimeout(this.timer);
    for (const work of this.pending.splice(0)) {
      this.inProgress.delete(work.input.key);
      for (const m of work.messages) m.nack();
    }
    await Promise.all(this.running);
    await this.subscription?.close();
    log("INFO", "stopped", { event: "stopped", ...this.counts });
  }

  private async receive(message: Message): Promise<void> {
    if (this.stopping) return message.nack();
    this.counts.received++;
    const decision = decide({ attributes: message.attributes, data: message.data }, this.options);
    if (decision.action === "skip") {
      this.counts.skipped++;
      log("INFO", `skipped ${decision.object}: ${decision.reason}`, { event: "skipped", object: decision.object, reason: decision.reason });
      return message.ack();
    }
    if (decision.action === "reject") {
      await this.deadLetter({ source: decision.object, stage: "notification", reason: decision.reason }, message.attributes);
      return message.ack();
    }
    await this.accept(decision, message);
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
    if ((await sizeOf(outputLayout(this.options.outputDirectory, key).manifest)) !== undefined) {
      // Its manifest (written last) exists: this upload is done; a redelivery gets no second result.
      this.counts.duplicates++;
      log("INFO", `already processed ${decision.object}`, { event: "duplicate", object: decision.object });
      return message.ack();
    }
    const work: Work = { input: decision.input, object: decision.object, uploadedAt: decision.uploadedAt, messages: [message] };
    this.inProgress.set(key, work);
    this.pending.push(work);
    if (!this.timer) this.timer = setTimeout(() => this.startBatch(), BATCH_WINDOW_MS);
  }

  private startBatch(): void {
    this.timer = undefined;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    const run = this.runBatch(batch).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private async runBatch(batch: Work[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.processBatch(batch.map((w) => w.input));
    } catch (err) {
      // The run itself failed (not one video): every video in it may succeed on another try.
      log("ERROR", `a batch of ${batch.length} failed: ${(err as Error).message}`, { event: "batch failed" });
      for (const work of batch) await this.retryOrGiveUp(work, "run", (err as Error).message);
      return;
    }
    for (const [i, work] of batch.entries()) {
      const outcome = outcomes[i];
      if (outcome.status === "ok") {
        this.counts.processed++;
        const latency = work.uploadedAt ? (Date.now() - work.uploadedAt) / 1000 : null;
        log("INFO", `processed ${work.object} in ${outcome.wallSec} s` + (latency !== null ? `, ${latency.toFixed(2)} s after upload` : ""), {
          event: "processed", object: work.object, manifest: outcome.manifest, processingSec: outcome.wallSec, latencySec: latency,
        });
        this.finish(work, "ack");
      } else if (outcome.retryable) {
        await this.retryOrGiveUp(work, outcome.stage, outcome.reason);
      } else {
        await this.deadLetter({ source: outcome.source, stage: outcome.stage, reason: outcome.reason, record: outcome.deadLetter }, work.messages[0].attributes);
        this.finish(work, "ack");
      }
    }
  }

  private async retryOrGiveUp(work: Work, stage: string, reason: string): Promise<void> {
    const attempt = Math.max(this.attempts.get(work.input.key) ?? 0, ...work.messages.map((m) => m.deliveryAttempt ?? 0)) + 1;
    this.attempts.set(work.input.key, attempt);
    if (attempt < this.options.maxDeliveryAttempts) {
      this.counts.retried++;
      log("WARNING", `will retry ${work.object} (attempt ${attempt} of ${this.options.maxDeliveryAttempts}): ${reason}`, {
        event: "retry", object: work.object, stage, reason, attempt,
      });
      return this.finish(work, "nack");
    }
    await this.deadLetter({ source: work.input.source, stage, reason: `gave up after ${attempt} attempts: ${reason}` }, work.messages[0].attributes);
    this.finish(work, "ack");
  }

  private finish(work: Work, how: "ack" | "nack"): void {
    this.inProgress.delete(work.input.key);
    if (how === "ack") this.attempts.delete(work.input.key);
    for (const m of work.messages) (how === "ack" ? m.ack() : m.nack());
  }

  /** Publishes a dead-letter message, when a topic is configured. */
  private async deadLetter(record: Record<string, unknown> & { source: string; stage: string; reason: string }, attributes: Record<string, string>): Promise<void> {
    this.counts.deadLettered++;
    log("WARNING", `dead letter ${record.source}: ${record.reason}`, { event: "dead letter", ...record });
    if (!this.options.deadLetterTopic) return;
    await this.pubsub.topic(this.options.deadLetterTopic).publishMessage({
      json: { ...record, failedAt: new Date().toISOString() },
      attributes: { ...pick(attributes, ["bucketId", "objectId", "objectGeneration", "eventType"]), stage: record.stage },
    });
  }
}

function pick(attributes: Record<string, string> | undefined, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (attributes?.[n] !== undefined) out[n] = attributes[n];
  return out;
}
