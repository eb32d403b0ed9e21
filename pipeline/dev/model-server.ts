/**
 * A real model served over the prediction REST shape, on loopback, for
 * development, tests and the benchmark: OpenCV's Haar cascades (Debian's
 * opencv-data: full bodies as "person", frontal faces as "face"; nothing is
 * downloaded). It answers POST .../<anything>:predict, so it stands in for
 * TF Serving (/v1/models/M:predict) and, at a local base URL, for Vertex AI
 * and AI Platform. Replies use the Vertex AutoML object detection shape:
 * {displayNames, confidences, bboxes: [[xMin, xMax, yMin, yMax]]}, normalised.
 *
 * Fault injection, for tests and benchmarks: added latency, 500s, 429s,
 * malformed and short replies at given rates (seeded, so repeatable), or
 * every request failing with a given status and message.
 *
 *   node dist/pipeline/src/dev/model-server.js [--port 8501] [--latencyMs 20] [--errorRate 0.1] ...
 */
import { existsSync } from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { opencv } from "../src/video/vision";

type CV = typeof import("@u4/opencv4nodejs");
type Mat = InstanceType<CV["Mat"]>;

export interface Faults {
  latencyMs?: number;
  errorRate?: number;
  rate429?: number;
  malformedRate?: number;
  shortRate?: number;
  /** Every request fails with this status and message. */
  failAll?: { status: number; message: string } | null;
  /** The next `count` requests fail with this status (an endpoint down for a while, then back). */
  failNext?: { count: number; status: number } | null;
  seed?: number;
}

export interface SeenRequest {
  path: string;
  authorization: string | null;
  instances: number;
  status: number;
}

export interface ModelServer {
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  /** The TF Serving style :predict URL of the model. */
  predictUrl: string;
  requests: SeenRequest[];
  setFaults(faults: Faults): void;
  stop(): Promise<void>;
}

const CASCADES = ["/usr/share/opencv4/haarcascades", "/usr/share/opencv/haarcascades"];

function cascadePath(file: string): string {
  for (const dir of CASCADES) if (existsSync(path.join(dir, file))) return path.join(dir, file);
  throw new Error(`OpenCV's ${file} was not found (install Debian's opencv-data: make deps)`);
}

/** mulberry32: a small seeded generator, so that fault patterns repeat. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function decodeInstance(cv: CV, instance: unknown): Mat {
  const i = instance as Record<string, unknown>;
  const b64 = (i?.image_bytes as { b64?: string })?.b64 ?? (i?.b64 as string) ?? (i?.content as string);
  if (typeof b64 === "string") {
    const mat = cv.imdecode(Buffer.from(b64, "base64"), cv.IMREAD_GRAYSCALE);
    if (mat.empty) throw new Error("an instance's image could not be decoded");
    return mat;
  }
  if (Array.isArray(instance) && Array.isArray(instance[0])) {
    const rows = instance as number[][];
    // copy(): a Mat made over a Buffer does not own its memory.
    return new cv.Mat(Buffer.from(rows.flat()), rows.length, rows[0].length, cv.CV_8UC1).copy();
  }
  throw new Error('an instance is neither {"image_bytes": {"b64": ...}}, {"content": ...} nor rows of pixels');
}

export async function startModelServer(options: { port?: number; faults?: Faults } = {}): Promise<ModelServer> {
  const cv = opencv();
  // A CascadeClassifier is not safe to use from two threads at once, and the
  // async calls run on libuv's thread pool: one set of classifiers per core,
  // each used by one detection at a time.
  const makeDetectors = () => [
    { label: "person", classifier: new cv.CascadeClassifier(cascadePath("haarcascade_fullbody.xml")), minNeighbors: 3 },
    { label: "face", classifier: new cv.CascadeClassifier(cascadePath("haarcascade_frontalface_default.xml")), minNeighbors: 5 },
  ];
  const idle = Array.from({ length: Math.max(1, os.availableParallelism()) }, makeDetectors);
  const waiting: Array<() => void> = [];
  let faults: Faults = options.faults ?? {};
  let roll = random(faults.seed ?? 1);
  const requests: SeenRequest[] = [];

  async function detect(mat: Mat): Promise<{ displayNames: string[]; confidences: number[]; bboxes: number[][] }> {
    while (idle.length === 0) await new Promise<void>((r) => waiting.push(r));
    const detectors = idle.pop()!;
    try {
      return await detectWith(detectors, mat);
    } finally {
      idle.push(detectors);
      waiting.shift()?.();
    }
  }

  async function detectWith(detectors: ReturnType<typeof makeDetectors>, mat: Mat) {
    const out = { displayNames: [] as string[], confidences: [] as number[], bboxes: [] as number[][] };
    const minSize = new cv.Size(Math.max(12, Math.round(mat.cols / 32)), Math.max(24, Math.round(mat.rows / 16)));
    for (const d of detectors) {
      const found = await d.classifier.detectMultiScaleAsync(
        mat,
        1.1,
        d.minNeighbors,
        0,
        d.label === "face" ? new cv.Size(12, 12) : minSize,
      );
      found.objects.forEach((r, i) => {
        const n = found.numDetections[i] ?? d.minNeighbors;
        out.displayNames.push(d.label);
        out.confidences.push(Math.round((n / (n + 3)) * 1000) / 1000);
        out.bboxes.push([r.x / mat.cols, (r.x + r.width) / mat.cols, r.y / mat.rows, (r.y + r.height) / mat.rows]);
      });
    }
    return out;
  }

  async function answer(
    req: http.IncomingMessage,
    body: string,
  ): Promise<{ status: number; text: string; headers?: Record<string, string>; instances: number }> {
    if (req.method !== "POST" || !req.url?.endsWith(":predict"))
      return { status: 404, text: JSON.stringify({ error: "POST .../<model>:predict" }), instances: 0 };
    let instances: unknown[];
    try {
      const json = JSON.parse(body);
      if (!Array.isArray(json.instances)) throw new Error("no instances array");
      instances = json.instances;
    } catch (err) {
      return { status: 400, text: JSON.stringify({ error: `bad request: ${(err as Error).message}` }), instances: 0 };
    }
    if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.failAll)
      return { status: faults.failAll.status, text: JSON.stringify({ error: faults.failAll.message }), instances: instances.length };
    if (faults.failNext && faults.failNext.count > 0) {
      faults.failNext.count--;
      return {
        status: faults.failNext.status,
        text: JSON.stringify({ error: "the model is unavailable (injected)" }),
        instances: instances.length,
      };
    }
    const dice = roll();
    let edge = faults.rate429 ?? 0;
    if (dice < edge)
      return {
        status: 429,
        text: JSON.stringify({ error: "Too many requests" }),
        headers: { "retry-after": "0" },
        instances: instances.length,
      };
    edge += faults.errorRate ?? 0;
    if (dice < edge) return { status: 500, text: JSON.stringify({ error: "injected server error" }), instances: instances.length };
    edge += faults.malformedRate ?? 0;
    if (dice < edge) return { status: 200, text: '{"predictions": [', instances: instances.length };
    let predictions: unknown[];
    const mats: Mat[] = [];
    try {
      for (const instance of instances) mats.push(decodeInstance(cv, instance));
      // Every detection settles before the Mats are freed below, also when one fails.
      const settled = await Promise.allSettled(mats.map(detect));
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
      predictions = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value);
    } catch (err) {
      return { status: 400, text: JSON.stringify({ error: (err as Error).message }), instances: instances.length };
    } finally {
      // Freed now: V8 does not see a Mat's memory (vision.ts, opencv()).
      for (const mat of mats) mat.release();
    }
    edge += faults.shortRate ?? 0;
    if (dice < edge) predictions = predictions.slice(1);
    return { status: 200, text: JSON.stringify({ predictions, deployedModelId: "haar-people-1" }), instances: instances.length };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      answer(req, Buffer.concat(chunks).toString())
        .catch((err) => ({ status: 500, text: JSON.stringify({ error: String(err) }), instances: 0 }))
        .then((reply: { status: number; text: string; headers?: Record<string, string>; instances: number }) => {
          requests.push({
            path: req.url ?? "",
            authorization: req.headers.authorization ?? null,
            instances: reply.instances,
            status: reply.status,
          });
          if (requests.length > 10000) requests.shift();
          res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
          res.end(reply.text);
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    predictUrl: `${baseUrl}/v1/models/people:predict`,
    requests,
    setFaults(f) {
      faults = { ...f, failNext: f.failNext ? { ...f.failNext } : null };
      roll = random(f.seed ?? 1);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8501" },
      latencyMs: { type: "string" },
      errorRate: { type: "string" },
      rate429: { type: "string" },
      malformedRate: { type: "string" },
      shortRate: { type: "string" },
    },
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  startModelServer({
    port: Number(values.port),
    faults: {
      latencyMs: num(values.latencyMs),
      errorRate: num(values.errorRate),
      rate429: num(values.rate429),
      malformedRate: num(values.malformedRate),
      shortRate: num(values.shortRate),
    },
  }).then((s) => process.stderr.write(`model server: ${s.predictUrl}\n`));
}
