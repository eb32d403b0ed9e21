/**
 * A fault-injecting HTTP proxy for development and tests: it forwards every
 * request to a real service (the storage emulator) unchanged, except those a
 * fault matches, which it answers itself with an error status or drops,
 * as Cloud Storage does now and then (429, 503, a reset connection). It
 * records every request it saw and what it did with it, so that a test can
 * check that the failure really happened and was really retried.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface Fault {
  /** Which requests it hits: a method and a pattern of the path and query (all when absent). */
  method?: string;
  path?: RegExp;
  /** Answer with this status, or "reset" to drop the connection without an answer. */
  status: number | "reset";
  /** How many matching requests it hits, then it is spent (default 1). */
  times?: number;
  /** Or: every matching request until this time (epoch ms). */
  until?: number;
}

export interface SeenRequest {
  method: string;
  path: string;
  /** What the proxy did: forwarded (the service's status), or the fault it injected. */
  answer: number | "reset";
  injected: boolean;
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: SeenRequest[];
  /** Adds faults; each is spent after `times` hits or at `until`. */
  inject(...faults: Fault[]): void;
  /** Requests that got an injected fault. */
  injected(): SeenRequest[];
  stop(): Promise<void>;
}

/** Starts a proxy on a free loopback port in front of `target` (http://host:port). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const faults: Array<Fault & { hits: number }> = [];
  const requests: SeenRequest[] = [];

  const take = (method: string, path: string): Fault | null => {
    const now = Date.now();
    for (const fault of faults) {
      const spent = fault.until !== undefined ? now >= fault.until : fault.hits >= (fault.times ?? 1);
      if (spent || (fault.method && fault.method !== method) || (fault.path && !fault.path.test(path))) continue;
      fault.hits++;
      return fault;
    }
    return null;
  };

  const server = http.createServer((req, res) => {
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const fault = take(method, path);
    if (fault) {
      requests.push({ method, path, answer: fault.status, injected: true });
      // Read the request through before answering, as a server would.
      req.resume();
      req.on("end", () => {
        if (fault.status === "reset") {
          req.socket.destroy();
          return;
        }
        res.writeHead(fault.status, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: fault.status, message: `injected by the fault proxy (${fault.status})` } }));
      });
      return;
    }
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method, path, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        requests.push({ method, path, answer: answer.statusCode ?? 0, injected: false });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", (err) => {
      res.writeHead(502);
      res.end(`fault proxy: ${err.message}`);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    inject: (...added) => faults.push(...added.map((f) => ({ ...f, hits: 0 }))),
    injected: () => requests.filter((r) => r.injected),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
