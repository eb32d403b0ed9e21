/**
 * The notification bridge: no emulator implements Cloud Storage's Pub/Sub
 * notifications, so this publishes them, in the real format (payload
 * JSON_API_V1), for the storage emulator's object events.
 */
import type { ObjectResource, StorageEvent } from "./storage-emulator";

type Topic = import("@google-cloud/pubsub").Topic;

const EVENT_TYPES: Record<StorageEvent, string> = {
  finalize: "OBJECT_FINALIZE",
  delete: "OBJECT_DELETE",
  metadataUpdate: "OBJECT_METADATA_UPDATE",
};

/** The attributes and data Cloud Storage would publish for this event. */
export function notificationFor(event: StorageEvent, object: ObjectResource, now = new Date()): { attributes: Record<string, string>; data: Buffer } {
  const eventTime = event === "finalize" && typeof object.updated === "string" ? object.updated : now.toISOString();
  return {
    attributes: {
      notificationConfig: `projects/_/buckets/${object.bucket}/notificationConfigs/1`,
      eventType: EVENT_TYPES[event],
      payloadFormat: "JSON_API_V1",
      bucketId: object.bucket,
      objectId: object.name,
      objectGeneration: String(object.generation),
      eventTime,
    },
    data: Buffer.from(JSON.stringify(object)),
  };
}

export interface Bridge {
  /** Give to the storage emulator as its event handler. */
  onEvent(event: StorageEvent, object: ObjectResource): Promise<void>;
  /** Resolves when everything published so far has been accepted by Pub/Sub. */
  flush(): Promise<void>;
}

/** Publishes the notifications of `buckets` (all buckets when empty) to `topic`. */
export function createBridge(topic: Topic, buckets: string[] = []): Bridge {
  const inFlight = new Set<Promise<unknown>>();
  return {
    async onEvent(event, object) {
      if (buckets.length > 0 && !buckets.includes(object.bucket)) return;
      const publishing = topic.publishMessage(notificationFor(event, object));
      inFlight.add(publishing);
      try {
        await publishing;
      } finally {
        inFlight.delete(publishing);
      }
    },
    async flush() {
      await Promise.allSettled([...inFlight]);
    },
  };
}
