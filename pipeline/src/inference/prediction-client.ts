/**
 * Calling a prediction endpoint: one JSON POST per batch of instances, at
 * most `maxConcurrentRequests` at once per process. A 429, a 5xx, a time-out
 * or a dropped connection is retried by the failure policy (backoff, and a
 * 429's Retry-After, for up to maxRetrySeconds), after which the request
 * gives up (GaveUp); a reply that is not data (not JSON, the wrong number of
 * predictions) or any other status fails its batch at once. Google endpoints
 * get an Application Default Credentials token.
 */
import { GaveUp, describe, retryTransient } from "../failure-policy";
import { Endpoint, PredictReply, ReplyError, parseReply, requestBody } from "./inference";

export interface TokenSource {
  getAccessToken(): Promise<string>;
}

export interface ClientOptions {
  maxConcurrentRequests: number;
  /** How long a request failing transiently is retried (default: the process's maxRetrySeconds). */
  retryBudgetMs?: number;
  timeoutMs?: number;
  /** Replaces the scheme and host of Google endpoints (tests: a local server standing in for Google). */
  baseUrl?: string;
  /** Where Google endpoints' tokens come from (default: Application Default Credentials). */
  tokenSource?: TokenSource;
  parameters?: Record<string, unknown>;
  /** Sleeps between attempts (tests make it instant). */
  sleep?: (ms: number) => Promise<void>;
}

/** A batch that failed at once: a status or a reply that retrying would not change. */
export class PredictError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly attempts: number,
  ) {
    super(message);
  }
}

/** One request's failure, for the failure policy to judge (its status) and wait on (retryAfterMs). */
class HttpFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
  }
}

function adcTokenSource(): TokenSource {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when first needed (see above)
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
    this.url =
      options.baseUrl && endpoint.google ? endpoint.url.replace(/^https:\/\/[^/]+/, options.baseUrl.replace(/\/$/, "")) : endpoint.url;
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

  /**
   * Sends one batch (the caller holds a slot) and returns its predictions.
   * Rejects with a PredictError (at once), or a GaveUp (the endpoint stayed
   * unavailable for the whole retry budget).
   */
  async predict(instances: unknown[]): Promise<PredictReply & { attempts: number }> {
    let attempts = 0;
    const once = async () => {
      attempts++;
      const reply = await this.post(instances);
      if (!reply.ok) {
        const retryAfter = Number(reply.retryAfter);
        throw new HttpFailure(
          `HTTP ${reply.status}: ${reply.text.slice(0, 300)}`,
          reply.status,
          reply.retryAfter && Number.isFinite(retryAfter) ? retryAfter * 1000 : null,
        );
      }
      return parseReply(reply.text, instances.length);
    };
    try {
      const reply = await retryTransient(`prediction request to ${this.endpoint.spec}`, once, {
        budgetMs: this.options.retryBudgetMs,
        sleep: this.options.sleep,
        fields: { endpoint: this.endpoint.spec },
      });
      return { ...reply, attempts };
    } catch (err) {
      if (err instanceof GaveUp) throw err;
      const status = err instanceof HttpFailure ? err.status : null;
      if (err instanceof ReplyError || err instanceof HttpFailure)
        throw new PredictError(`${this.endpoint.spec}: ${err.message}`, status, attempts);
      throw new PredictError(`${this.endpoint.spec}: ${describe(err)}`, status, attempts);
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
