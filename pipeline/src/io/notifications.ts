/**
 * Cloud Storage notifications (Pub/Sub, payload JSON_API_V1 or NONE): parse
 * and validate them and decide what each one asks of videoflow (pure: the
 * runtimes act on the decision), and publish a failed upload's notification
 * to the dead-letter topic (the one call here that does I/O).
 */
import { z } from "zod";
import { videoKey } from "./keys";
import { BUCKET_NAME } from "./resource-names";
import { retryTransient } from "../failure-policy";
import { OUTPUT_MARKER, isGcsUri, parseGcsUri } from "./storage";
import type { OriginalNotification, VideoInput } from "../model";

/**
 * Extensions taken for videos whatever an object's content type says: what
 * phones, browsers, cameras, broadcast (MXF, MPEG-TS, AVCHD's m2ts, DV, DVD's
 * VOB), editing suites and cameras that write raw H.264 or HEVC (a Raspberry
 * Pi's .h264, a DVR's .264) write. An upload without a content type is
 * application/octet-stream, and some tools name these files' types otherwise.
 */
export const DEFAULT_VIDEO_EXTENSIONS =
  "mp4,m4v,mov,avi,mkv,webm,mpg,mpeg,ts,mts,wmv,flv,3gp,ogv,mxf,m2ts,m2v,dv,vob,f4v,asf,3g2,h264,264,hevc,h265,265".split(",");

/**
 * Content types of videos that do not start with video/: MXF, broadcast's and
 * editing suites' container, is application/mxf (RFC 4539), the type Python's
 * mimetypes, and so gsutil and gcloud storage, give a .mxf upload.
 */
const VIDEO_CONTENT_TYPES = ["application/mxf"];

const attributesSchema = z.object({
  // Cloud Storage's bucket naming rules (the part parseGcsUri relies on): a name that breaks them is malformed.
  bucketId: z
    .string()
    .min(1, "is empty")
    .regex(new RegExp(`^${BUCKET_NAME}$`), "is not a Cloud Storage bucket name"),
  objectId: z.string().min(1, "is empty"),
  objectGeneration: z.string().regex(/^\d+$/, "is not a generation number"),
  eventType: z.enum(["OBJECT_FINALIZE", "OBJECT_METADATA_UPDATE", "OBJECT_DELETE", "OBJECT_ARCHIVE"]),
  payloadFormat: z.enum(["JSON_API_V1", "NONE"]),
  eventTime: z.string().optional(),
});

const objectSchema = z.looseObject({
  name: z.string().optional(),
  bucket: z.string().optional(),
  generation: z.string().optional(),
  contentType: z.string().optional(),
  size: z.string().optional(),
  timeCreated: z.string().optional(),
  updated: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});

export interface NotificationMessage {
  attributes: Record<string, string>;
  data: Buffer;
}

export function originalNotification(
  messageId: string,
  publishTime: Date | null,
  attributes: Record<string, string>,
  data: Buffer,
): OriginalNotification {
  return {
    messageId,
    publishTime: publishTime ? publishTime.toISOString() : null,
    attributes: { ...attributes },
    data: data.toString("base64"),
  };
}

/**
 * A message as Dataflow's Pub/Sub read gives it (a serialized
 * google.pubsub.v1.PubsubMessage), with its id: the same for every delivery
 * of the message, so work named by it is found again when a bundle is retried.
 */
export function decodePubsubMessage(bytes: Uint8Array): NotificationMessage & { id: string; original: OriginalNotification } {
  // Loaded here: the Pub/Sub client takes a moment to load, and only the streaming job needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when first needed (see above)
  const { protos } = require("@google-cloud/pubsub") as typeof import("@google-cloud/pubsub");
  const message = protos.google.pubsub.v1.PubsubMessage.decode(bytes);
  const data = Buffer.from(message.data);
  const seconds = Number(message.publishTime?.seconds ?? 0);
  const publishTime = seconds > 0 ? new Date(seconds * 1000 + Math.floor((message.publishTime?.nanos ?? 0) / 1e6)) : null;
  return {
    id: message.messageId,
    attributes: { ...message.attributes },
    data,
    original: originalNotification(message.messageId, publishTime, message.attributes ?? {}, data),
  };
}

export type Decision =
  | { action: "process"; input: VideoInput; uploadedAt: number | null; object: string }
  | { action: "skip"; reason: string; object: string }
  | { action: "reject"; reason: string; object: string };

export interface NotificationRules {
  /** Where results go: objects under it are never inputs. */
  outputDirectory: string;
  videoExtensions: string[];
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "message"} ${i.message}`).join("; ");
}

/** The output prefix as a bucket and object-name prefix, when the output is in Cloud Storage. */
function outputPrefix(outputDirectory: string): { bucket: string; prefix: string } | null {
  if (!isGcsUri(outputDirectory)) return null;
  const { bucket, name } = parseGcsUri(outputDirectory);
  return { bucket, prefix: name === "" || name.endsWith("/") ? name : `${name}/` };
}

function looksLikeVideo(objectId: string, contentType: string | undefined, extensions: string[]): boolean {
  const type = contentType?.toLowerCase().split(";")[0].trim();
  if (type?.startsWith("video/") || VIDEO_CONTENT_TYPES.includes(type ?? "")) return true;
  const dot = objectId.lastIndexOf(".");
  const extension = dot >= 0 ? objectId.slice(dot + 1).toLowerCase() : "";
  return extensions.includes(extension);
}

/**
 * What a notification asks for: process an uploaded video, skip it (a
 * delete, a metadata change, not a video, videoflow's own output), or reject
 * it as malformed (it goes to the dead letter: retrying will not help).
 */
export function decide(message: NotificationMessage, rules: NotificationRules): Decision {
  const parsed = attributesSchema.safeParse(message.attributes ?? {});
  const named = message.attributes?.bucketId && message.attributes?.objectId;
  const object = named ? `gs://${message.attributes.bucketId}/${message.attributes.objectId}` : "(unknown object)";
  if (!parsed.success) return { action: "reject", reason: `not a Cloud Storage notification: ${describeIssues(parsed.error)}`, object };
  const a = parsed.data;
  let resource: z.infer<typeof objectSchema> = {};
  if (a.payloadFormat === "JSON_API_V1") {
    let json: unknown;
    try {
      json = JSON.parse(message.data.toString("utf8"));
    } catch {
      return { action: "reject", reason: "the notification's JSON_API_V1 payload is not JSON", object };
    }
    const body = objectSchema.safeParse(json);
    if (!body.success)
      return { action: "reject", reason: `the notification's object resource is malformed: ${describeIssues(body.error)}`, object };
    resource = body.data;
  }
  if (a.eventType !== "OBJECT_FINALIZE") return { action: "skip", reason: `event ${a.eventType}`, object };
  const out = outputPrefix(rules.outputDirectory);
  if (out && a.bucketId === out.bucket && a.objectId.startsWith(out.prefix)) {
    return { action: "skip", reason: "under the output directory", object };
  }
  if (resource.metadata?.[OUTPUT_MARKER]) return { action: "skip", reason: "written by videoflow", object };
  if (!looksLikeVideo(a.objectId, resource.contentType, rules.videoExtensions)) {
    return { action: "skip", reason: `not a video (content type ${resource.contentType ?? "unknown"})`, object };
  }
  const source = `gs://${a.bucketId}/${a.objectId}#${a.objectGeneration}`;
  const uploaded = Date.parse(resource.updated ?? resource.timeCreated ?? a.eventTime ?? "");
  return {
    action: "process",
    input: { source, key: `${videoKey(`gs://${a.bucketId}/${a.objectId}`)}/${a.objectGeneration}` },
    uploadedAt: Number.isNaN(uploaded) ? null : uploaded,
    object,
  };
}

/** What a dead-letter message says (JSON), besides the time it was sent. */
export interface DeadLetterNote {
  source: string;
  stage: string;
  reason: string;
  [more: string]: unknown;
}

let deadLetterClient: import("@google-cloud/pubsub").PubSub | undefined;

/**
 * Publishes one dead-letter message to `topic`, with the notification's
 * attributes that name the object and the stage in its attributes, under the
 * failure policy. Uses `client`, or a client of its own made on first use.
 */
export async function publishDeadLetter(
  topic: string,
  note: DeadLetterNote,
  attributes: Record<string, string> = {},
  client?: import("@google-cloud/pubsub").PubSub,
): Promise<void> {
  if (!client) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when first needed (see above)
    const { PubSub } = require("@google-cloud/pubsub") as typeof import("@google-cloud/pubsub");
    client = deadLetterClient ??= new PubSub({ projectId: topic.split("/")[1] });
  }
  const named: Record<string, string> = {};
  for (const n of ["bucketId", "objectId", "objectGeneration", "eventType"]) if (attributes[n] !== undefined) named[n] = attributes[n];
  const message = { json: { ...note, failedAt: new Date().toISOString() }, attributes: { ...named, stage: note.stage } };
  const publisher = client.topic(topic);
  await retryTransient(`publishing a dead-letter message to ${topic}`, () => publisher.publishMessage(message), {
    fields: { source: note.source },
  });
}
