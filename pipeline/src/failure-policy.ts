/**
 * The failure policy, one for every runtime (the listener, the streaming job
 * on Flink or Dataflow, `videoflow process`):
 *
 * - A transient failure (Cloud Storage or a prediction endpoint answering
 *   408, 429 or 5xx, a time-out, a dropped or refused connection, Pub/Sub
 *   UNAVAILABLE) is retried where it happened, with exponential backoff and
 *   jitter, for up to `maxRetrySeconds` from its first failure. Then the
 *   operation gives up (GaveUp), saying how many tries over how long and the
 *   last error, and its video goes to the dead letter.
 * - Anything else is permanent: it fails at once (a broken video, a 400 or
 *   403, a missing object), and its video goes to the dead letter.
 *
 * Retrying in place, not by failing the element: a streaming runner retries a
 * failed bundle without end, stalling every other upload behind it, and the
 * work already done would be lost.
 */
import { log } from "./log";

/** HTTP statuses that say "try again later". */
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
/** Network errors (Node's and undici's codes) that a later try may not meet. ENOTFOUND is not one: a wrong host name stays wrong. */
const TRANSIENT_NETWORK = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);
/** gRPC status codes (Pub/Sub) worth another try: DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE. */
const TRANSIENT_GRPC = new Set([4, 8, 10, 13, 14]);

/** The default of maxRetrySeconds: ten minutes. */
export const DEFAULT_MAX_RETRY_SECONDS = 600;

let maxRetryMs = DEFAULT_MAX_RETRY_SECONDS * 1000;

/**
 * Sets this process's retry budget (the maxRetrySeconds option). Every step
 * calls it with its options: a worker learns the job's setting from the
 * first element it processes.
 */
export function setMaxRetrySeconds(seconds: number | undefined): void {
  if (seconds !== undefined && Number.isFinite(seconds) && seconds >= 0) maxRetryMs = seconds * 1000;
}

/** Whether `err` is a failure that another try, later, may not meet. */
export function isTransient(err: unknown): boolean {
  if (err instanceof GaveUp) return false;
  if (!err || typeof err !== "object") return false;
  const e = err as { name?: string; code?: unknown; status?: unknown; transient?: unknown; cause?: unknown; message?: unknown };
  if (typeof e.transient === "boolean") return e.transient;
  if (e.name === "TimeoutError" || e.name === "AbortError") return true;
  for (const value of [e.code, e.status]) {
    if (typeof value === "number" && (value >= 100 ? TRANSIENT_STATUS.has(value) : TRANSIENT_GRPC.has(value))) return true;
    if (typeof value === "string" && TRANSIENT_NETWORK.has(value)) return true;
  }
  // Node's http client and some libraries say it only in words.
  if (typeof e.message === "string" && /socket hang up|ECONNRESET|ETIMEDOUT|ECONNREFUSED/.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== err && isTransient(e.cause);
}

/** A transient failure that lasted longer than the budget: now a permanent one. */
export class GaveUp extends Error {
  constructor(
    readonly what: string,
    readonly tries: number,
    readonly seconds: number,
    readonly last: unknown,
  ) {
    super(`${what}: gave up after ${tries} ${tries === 1 ? "try" : "tries"} over ${seconds.toFixed(1)} s: ${describe(last)}`);
    this.name = "GaveUp";
  }
}

/** An error's message with its cause's code, when it has one (fetch says only "fetch failed"). */
export function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause ? `${err.message} (${cause.code ?? cause.message})` : err.message;
}

/** The wait before try `tries + 1`: 0.5 s doubling to 30 s, each between half and all of that (jitter). */
export function backoffMs(tries: number, random = Math.random): number {
  return Math.min(30_000, 500 * 2 ** (tries - 1)) * (0.5 + random() * 0.5);
}

export interface RetryOptions {
  /** Overrides the process's budget (maxRetrySeconds), in ms. */
  budgetMs?: number;
  /** Overrides isTransient: which failures are worth another try. */
  isTransient?: (err: unknown) => boolean;
  /** Sleeps between tries (tests make it instant: the budget then counts the waits). */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter's source (tests fix it). */
  random?: () => number;
  /** Log fields that name what the operation is for (a video, an object). */
  fields?: Record<string, unknown>;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation` until it succeeds, fails permanently (rethrown as is) or
 * has failed transiently for longer than the budget (GaveUp). An error may
 * carry `retryAfterMs` (a 429's Retry-After), which is honoured. Each retry
 * is logged as a "retry" event.
 */
export async function retryTransient<T>(what: string, operation: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const budget = options.budgetMs ?? maxRetryMs;
  const worthRetrying = options.isTransient ?? isTransient;
  const sleep = options.sleep ?? pause;
  let firstFailure: number | null = null;
  let waited = 0;
  for (let tries = 1; ; tries++) {
    try {
      return await operation();
    } catch (err) {
      if (!worthRetrying(err)) throw err;
      firstFailure ??= Date.now();
      const hinted = Number((err as { retryAfterMs?: unknown }).retryAfterMs);
      const wait = Number.isFinite(hinted) && hinted > 0 ? hinted : backoffMs(tries, options.random);
      // The waits count even when a test's sleep takes no time.
      const elapsed = Math.max(Date.now() - firstFailure, waited);
      if (elapsed + wait > budget) throw new GaveUp(what, tries, elapsed / 1000, err);
      waited += wait;
      log("WARNING", `${what} failed (try ${tries}), trying again in ${(wait / 1000).toFixed(1)} s: ${describe(err)}`, {
        event: "retry",
        what,
        tries,
        waitSec: Math.round(wait) / 1000,
        reason: describe(err),
        ...options.fields,
      });
      await sleep(wait);
    }
  }
}
