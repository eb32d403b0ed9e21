/**
 * Calling a prediction endpoint: one JSON POST per batch of instances, at
 * most `maxConcurrentRequests` at once per process, retried with exponential
 * backoff and jitter on 429, 5xx, time-outs and dropped connections; a reply
 * that is not data (not JSON, the wrong number of predictions) fails its
 * batch. Google endpoints get an Application Default Credentials token.
 */
import { Endpoint, PredictReply, ReplyError, parseReply, requestBody } from "./inference";

export interface TokenSource {
  getAccessToken(): Promise<string>;
}

export interface ClientOptions {
  maxConcurrentRequests: number;
  maxRetries?: number;
  timeoutMs?: number;
  /** Replaces the scheme and host of Google endpoints (tests: a local server standing in for Google). */
  baseUrl?: string;
  /** Where Google endpoints' tokens come from (default: Application Default Credentials). */
  tokenSource?: TokenSource;
  parameters?: Record<string, unknown>;
  /** Sleeps between attempts (tests make it instant). */
  sleep?: (ms: number) => Promise<void>;
}

/** A batch that failed for good (after its retries, or at once when retrying would not help). */
export class PredictError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly attempts: number,
  ) {
    super(message);
  }
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

function adcTokenSource(): TokenSource {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { GoogleAuth } = require("google-auth-library") as typeof import("google-auth-library");
  const auth = new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
  return {
    async getAccessToken() {
      const token = await auth.getAccessToken();
      if (!token) throw new Error("Application Default Credentials gave no access token");
      return token;
    },
  };
}

export class PredictionClient {
  private running = 0;
  private waiting: Array<() => void> = [];
  private tokens?: TokenSource;
  readonly url: string;

  constructor(
    readonly endpoint: Endpoint,
    private readonly options: ClientOptions,
  ) {
    this.url = options.baseUrl && endpoint.google ? endpoint.url.replace(/^https:\/\/[^/]+/, options.baseUrl.replace(/\/$/, "")) : endpoint.url;
  }

  /** Waits for a free request slot; `release` must be called once the request is done. */
  async acquire(): Promise<() => void> {
    while (this.running >= this.options.maxConcurrentRequests) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.waiting.shift()?.();
    };
  }

  /** Sends one batch (the caller holds a slot) and returns its predictions, retrying what is worth retrying. */
  async predict(instances: unknown[]): Promise<PredictReply & { attempts: number }> {
    const maxRetries = this.options.maxRetries ?? 5;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    for (let attempt = 1; ; attempt++) {
      let status: number | null = null;
      let retryAfterMs: number | null = null;
      let message: string;
      try {
        const reply = await this.post(instances);
        status = reply.status;
        if (reply.ok) return { ...parseReply(reply.text, instances.length), attempts: attempt };
        message = `HTTP ${reply.status}: ${reply.text.slice(0, 300)}`;
        const retryAfter = Number(reply.retryAfter);
        if (reply.retryAfter && Number.isFinite(retryAfter)) retryAfterMs = retryAfter * 1000;
        if (!RETRYABLE_STATUS.has(reply.status)) throw new PredictError(`${this.endpoint.spec}: ${message}`, status, attempt);
      } catch (err) {
        if (err instanceof PredictError) throw err;
        if (err instanceof ReplyError) throw new PredictError(`${this.endpoint.spec}: ${err.message}`, status, attempt);
        message = (err as Error).name === "TimeoutError" ? "timed out" : `${(err as Error).message}${causeOf(err)}`;
      }
      if (attempt > maxRetries) {
        throw new PredictError(`${this.endpoint.spec}: ${message} (after ${attempt} attempts)`, status, attempt);
      }
      const backoff = Math.min(10_000, 200 * 2 ** (attempt - 1));
      await sleep(retryAfterMs ?? backoff * (0.5 + Math.random() * 0.5));
    }
  }

  private async post(instances: unknown[]): Promise<{ ok: boolean; status: number; text: string; retryAfter: string | null }> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.endpoint.google) {
      this.tokens ??= this.options.tokenSource ?? adcTokenSource();
      headers.authorization = `Bearer ${await this.tokens.getAccessToken()}`;
    }
    const response = await fetch(this.url, {
      method: "POST",
      headers,
      body: requestBody(instances, this.options.parameters),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
    });
    return { ok: response.ok, status: response.status, text: await response.text(), retryAfter: response.headers.get("retry-after") };
  }
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause ? ` (${cause.code ?? cause.message})` : "";
}

const clients = new Map<string, PredictionClient>();

/**
 * The process's client for an endpoint: its request slots are shared by every
 * segment this process works on. VIDEOFLOW_PREDICTION_BASE_URL points Google
 * endpoints at another host (a local stand-in).
 */
export function clientFor(endpoint: Endpoint, options: { maxConcurrentRequests: number }): PredictionClient {
  let client = clients.get(endpoint.spec);
  if (!client) {
    client = new PredictionClient(endpoint, {
      maxConcurrentRequests: options.maxConcurrentRequests,
      baseUrl: process.env.VIDEOFLOW_PREDICTION_BASE_URL || undefined,
    });
    clients.set(endpoint.spec, client);
  }
  return client;
}
