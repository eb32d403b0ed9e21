/**
 * Predicting a segment's frames as they come out of the decoder: instances
 * gather into batches (by count and request size), each full batch is sent
 * as soon as a request slot is free, and while none is free the decoder
 * waits (backpressure), so the endpoint stays busy and memory stays bounded.
 * Every frame sent ends with its predictions or its error; an endpoint that
 * stays unavailable for the whole retry budget fails the segment instead (a
 * later try, once it is back, gives the whole result).
 */
import { VideoError } from "../errors";
import { GaveUp } from "../failure-policy";
import { BODY_OVERHEAD, instanceBytes, isFull } from "./inference";
import { round } from "../util/numbers";
import type { PredictionClient } from "./prediction-client";

export type FramePrediction =
  | { frame: number; timeSec: number; predictions: unknown; error: null }
  | { frame: number; timeSec: number; predictions: null; error: string };

interface Pending {
  frame: number;
  timeSec: number;
  instance: unknown;
}

export class FramePredictor {
  private pending: Pending[] = [];
  private pendingBytes = BODY_OVERHEAD;
  private inFlight: Array<Promise<void>> = [];
  private readonly results: FramePrediction[] = [];
  private gaveUp: GaveUp | null = null;
  deployedModelId: string | null = null;
  requests = 0;
  retries = 0;

  constructor(
    private readonly client: PredictionClient,
    private readonly maxBatchSize: number,
  ) {}

  async add(frame: number, timeSec: number, instance: unknown): Promise<void> {
    const size = instanceBytes(instance);
    if (isFull(this.pending.length, this.pendingBytes, size, this.maxBatchSize)) await this.send();
    this.pending.push({ frame, timeSec, instance });
    this.pendingBytes += size;
  }

  /**
   * Sends what is left, waits for every request, and returns one result per
   * frame, in frame order; throws a retryable VideoError when a request gave up.
   */
  async finish(): Promise<FramePrediction[]> {
    if (this.pending.length > 0) await this.send();
    await Promise.all(this.inFlight);
    if (this.gaveUp) throw new VideoError("inference", this.gaveUp.message, true);
    return this.results.sort((a, b) => a.frame - b.frame);
  }

  private async send(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = BODY_OVERHEAD;
    const release = await this.client.acquire();
    this.requests++;
    const request = this.client
      .predict(batch.map((p) => p.instance))
      .then(
        (reply) => {
          this.retries += reply.attempts - 1;
          if (reply.deployedModelId) this.deployedModelId = reply.deployedModelId;
          batch.forEach((p, i) =>
            this.results.push({ frame: p.frame, timeSec: p.timeSec, predictions: reply.predictions[i], error: null }),
          );
        },
        (err: Error) => {
          if (err instanceof GaveUp) {
            this.gaveUp ??= err;
            this.retries += err.tries - 1;
            return;
          }
          this.retries += Math.max(0, ((err as { attempts?: number }).attempts ?? 1) - 1);
          batch.forEach((p) => this.results.push({ frame: p.frame, timeSec: p.timeSec, predictions: null, error: err.message }));
        },
      )
      .finally(release);
    this.inFlight.push(request);
  }
}

/** predictions.jsonl: one line per frame sent, in frame order, with its predictions or its error. */
export function predictionLines(predictions: FramePrediction[]): string {
  return predictions
    .map((p) =>
      JSON.stringify(
        p.error === null
          ? { frame: p.frame, timeSec: p.timeSec, predictions: p.predictions }
          : { frame: p.frame, timeSec: p.timeSec, error: p.error },
      ),
    )
    .map((line) => line + "\n")
    .join("");
}

/** What the manifest says of a video's inference. */
export interface InferenceSummary {
  endpoint: string;
  /** The model id the endpoint reported (Vertex AI's deployedModelId), if any. */
  deployedModelId: string | null;
  inferenceFps: number;
  framesSent: number;
  framesPredicted: number;
  framesFailed: number;
  requests: number;
  retries: number;
  /** Frames predicted per second of the video's wall time (probe to manifest). */
  framesPerSec: number;
}

/** The manifest's inference summary of a video, from its segments' request counts and its frames' results. */
export function summariseInference(
  segments: Array<{ deployedModelId: string | null; requests: number; retries: number }>,
  predictions: FramePrediction[],
  options: { predictionEndpoint?: string; inferenceFps: number },
  wallSec: number,
): InferenceSummary {
  const predicted = predictions.filter((p) => p.error === null).length;
  return {
    endpoint: options.predictionEndpoint!,
    deployedModelId: segments.map((s) => s.deployedModelId).find((id) => id !== null) ?? null,
    inferenceFps: options.inferenceFps,
    framesSent: predictions.length,
    framesPredicted: predicted,
    framesFailed: predictions.length - predicted,
    requests: segments.reduce((sum, s) => sum + s.requests, 0),
    retries: segments.reduce((sum, s) => sum + s.retries, 0),
    framesPerSec: round(predicted / Math.max(0.001, wallSec), 1),
  };
}
