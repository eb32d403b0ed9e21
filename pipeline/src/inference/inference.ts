/**
 * Inference, the pure part: which endpoint a --predictionEndpoint names and
 * how to call it, how frames become instances, how instances are batched
 * (by count and by request size), how replies are checked, and how boxes are
 * read from predictions. The calling itself is in prediction-client.ts.
 */
import { checkProjectId } from "../io/resource-names";

export type EndpointKind = "vertex" | "ml-engine" | "http";

export interface Endpoint {
  kind: EndpointKind;
  /** The :predict URL. */
  url: string;
  /** Google endpoints authenticate with Application Default Credentials. */
  google: boolean;
  /** As the user wrote it: the manifest names it. */
  spec: string;
}

export class EndpointError extends Error {}

/**
 * `projects/P/locations/L/endpoints/E` (Vertex AI), `projects/P/models/M[/versions/V]`
 * (AI Platform Prediction, "ml-engine"), or an http(s) URL of any server with
 * the same request shape (TF Serving: http://host:8501/v1/models/M:predict).
 */
export function parseEndpoint(spec: string): Endpoint {
  const vertex = /^projects\/([^/\s]+)\/locations\/([a-z0-9-]+)\/endpoints\/([^/\s:]+)$/.exec(spec);
  const mlEngine = /^projects\/([^/\s]+)\/models\/[^/\s:]+(\/versions\/[^/\s:]+)?$/.exec(spec);
  const project = vertex?.[1] ?? mlEngine?.[1];
  const problem = project === undefined ? null : checkProjectId(project, { numberAllowed: true });
  if (problem) throw new EndpointError(`${spec} names a project that cannot exist: ${problem}`);
  if (vertex) {
    return { kind: "vertex", url: `https://${vertex[2]}-aiplatform.googleapis.com/v1/${spec}:predict`, google: true, spec };
  }
  if (mlEngine) {
    return { kind: "ml-engine", url: `https://ml.googleapis.com/v1/${spec}:predict`, google: true, spec };
  }
  if (/^https?:\/\/[^\s]+$/.test(spec)) {
    try {
      new URL(spec);
    } catch {
      throw new EndpointError(`not a URL: ${spec}`);
    }
    return { kind: "http", url: spec, google: false, spec };
  }
  throw new EndpointError(
    `${spec} is not a prediction endpoint: use projects/P/locations/L/endpoints/E (Vertex AI), ` +
      "projects/P/models/M[/versions/V] (AI Platform) or an http(s):// URL",
  );
}

export type InstanceFormat = "b64" | "automl" | "pixels";

/**
 * One frame as an instance. b64: TF Serving's binary convention
 * {"image_bytes": {"b64": JPEG}}; automl: Vertex AutoML image {"content": JPEG base64};
 * pixels: the gray values as rows of numbers.
 */
export function toInstance(format: InstanceFormat, image: { jpeg?: Buffer; gray?: Buffer; width: number; height: number }): unknown {
  if (format === "pixels") {
    if (!image.gray) throw new Error("the pixels format needs the gray frame");
    const rows: number[][] = [];
    for (let y = 0; y < image.height; y++) rows.push(Array.from(image.gray.subarray(y * image.width, (y + 1) * image.width)));
    return rows;
  }
  if (!image.jpeg) throw new Error(`the ${format} format needs a JPEG`);
  const b64 = image.jpeg.toString("base64");
  return format === "b64" ? { image_bytes: { b64 } } : { content: b64 };
}

/** Vertex AI rejects request bodies over 1.5 MB. */
export const MAX_REQUEST_BYTES = 1_500_000;

/** The bytes an instance adds to a request body (its JSON and a comma). */
export function instanceBytes(instance: unknown): number {
  return Buffer.byteLength(JSON.stringify(instance)) + 1;
}

/** The bytes of a request body around its instances: {"instances":[...],"parameters":{...}}. */
export const BODY_OVERHEAD = 64;

/** Whether a batch of `count` instances and `bytes` of body must be sent before an instance of `size` bytes joins it. */
export function isFull(count: number, bytes: number, size: number, maxCount: number, maxBytes = MAX_REQUEST_BYTES): boolean {
  return count > 0 && (count >= maxCount || bytes + size > maxBytes);
}

export function requestBody(instances: unknown[], parameters?: Record<string, unknown>): string {
  return JSON.stringify(parameters ? { instances, parameters } : { instances });
}

export interface PredictReply {
  predictions: unknown[];
  deployedModelId: string | null;
}

/** Checks a reply: JSON with exactly one prediction per instance sent. Throws a ReplyError otherwise. */
export function parseReply(text: string, sent: number): PredictReply {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ReplyError(`the endpoint's reply is not JSON: ${text.slice(0, 200)}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new ReplyError(`the endpoint's reply is not a JSON object: ${text.slice(0, 200)}`);
  const { predictions, error, deployedModelId } = json as { predictions?: unknown; error?: unknown; deployedModelId?: unknown };
  if (!Array.isArray(predictions)) {
    // Legacy AI Platform (ml-engine) answers a batch in which any instance failed with 200 and
    // {"error": "Prediction failed: ..."} instead of predictions; TF Serving's errors have the same field.
    const said = typeof error === "string" ? error : typeof error === "object" && error !== null ? JSON.stringify(error) : null;
    throw new ReplyError(
      said === null ? "the endpoint's reply has no predictions array" : `the endpoint answered with an error: ${said.slice(0, 300)}`,
    );
  }
  if (predictions.length !== sent) throw new ReplyError(`the endpoint returned ${predictions.length} predictions for ${sent} instances`);
  return { predictions, deployedModelId: typeof deployedModelId === "string" ? deployedModelId : null };
}

/** A reply that is not data: retrying the same request would not help. */
export class ReplyError extends Error {}

export interface Box {
  label: string;
  score: number;
  /** Normalised to the frame, 0..1. */
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/**
 * The boxes in a prediction, when it carries any: Vertex AutoML object
 * detection (displayNames, confidences, bboxes as [xMin, xMax, yMin, yMax]) or
 * the TF Object Detection API (detection_boxes as [yMin, xMin, yMax, xMax],
 * detection_scores, detection_classes or detection_class_labels).
 */
export function boxesOf(prediction: unknown): Box[] {
  const p = prediction as Record<string, unknown>;
  if (!p || typeof p !== "object") return [];
  const num = (v: unknown) => (typeof v === "number" ? v : Number(v));
  if (Array.isArray(p.bboxes)) {
    const names = (p.displayNames as unknown[]) ?? [];
    const scores = (p.confidences as unknown[]) ?? [];
    return (p.bboxes as unknown[][]).map((b, i) => ({
      label: String(names[i] ?? ""),
      score: num(scores[i] ?? 1),
      xMin: num(b[0]),
      xMax: num(b[1]),
      yMin: num(b[2]),
      yMax: num(b[3]),
    }));
  }
  if (Array.isArray(p.detection_boxes)) {
    const labels = (p.detection_class_labels as unknown[]) ?? (p.detection_classes as unknown[]) ?? [];
    const scores = (p.detection_scores as unknown[]) ?? [];
    return (p.detection_boxes as unknown[][]).map((b, i) => ({
      label: String(labels[i] ?? ""),
      score: num(scores[i] ?? 1),
      yMin: num(b[0]),
      xMin: num(b[1]),
      yMax: num(b[2]),
      xMax: num(b[3]),
    }));
  }
  return [];
}
