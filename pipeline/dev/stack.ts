/**
 * The local stack: the Pub/Sub emulator and the Cloud Storage emulator
 * (fake-gcs-server), on loopback, set up as the deploy guide sets up a
 * project: the buckets, the uploads topic the input buckets notify (through
 * the notificationConfigs API, payload JSON_API_V1), the listener's
 * subscription, the dead-letter topic and one to read it. Used by the demo,
 * the tests and the benchmark; `env` is what a `videoflow listen` child needs
 * to use it.
 *
 * The input buckets notify every event type (a bucket configured without
 * --event-types does), so deletes and overwrites reach the listener too.
 */
import { storageClient } from "../src/io/storage";
import { startPubSubEmulator } from "./pubsub-emulator";
import { startStorageEmulator } from "./storage-emulator";

type PubSub = import("@google-cloud/pubsub").PubSub;
type Storage = import("@google-cloud/storage").Storage;
type Message = import("@google-cloud/pubsub").Message;

export interface LocalStack {
  projectId: string;
  topic: string;
  subscription: string;
  deadLetterTopic: string;
  /** A subscription on the dead-letter topic, to read what was dead-lettered. */
  deadLetterSubscription: string;
  env: Record<string, string>;
  pubsub: PubSub;
  storage: Storage;
  /** Creates a bucket; `versioned` keeps every generation of an object (to count writes). */
  createBucket(name: string, options?: { versioned?: boolean }): Promise<void>;
  /**
   * Makes `bucket` notify a topic of its own and records every notification
   * it sends, as the emulator published it: how tests get real notifications
   * to send again (copies, redeliveries) without the listener seeing them first.
   */
  recordNotifications(bucket: string): Promise<NotificationRecorder>;
  stop(): Promise<void>;
}

export interface NotificationRecorder {
  /** The topic the bucket notifies (its own). */
  topic: string;
  /** Every notification received so far, in order of arrival. */
  received: Message[];
  /** The first notification (received, or to come) that passes `test`. */
  waitFor(test: (m: Message) => boolean, what: string, timeoutMs?: number): Promise<Message>;
  /** The first notification about `objectId` of `eventType` (default OBJECT_FINALIZE). */
  next(objectId: string, eventType?: string, timeoutMs?: number): Promise<Message>;
}

export async function startLocalStack(
  options: { projectId?: string; inputBuckets?: string[]; buckets?: string[] } = {},
): Promise<LocalStack> {
  const projectId = options.projectId ?? "videoflow-local";
  const pubsubEmulator = await startPubSubEmulator();
  let storageEmulator: Awaited<ReturnType<typeof startStorageEmulator>> | undefined;
  try {
    storageEmulator = await startStorageEmulator({ pubsubEmulatorHost: pubsubEmulator.hostPort, projectId });
  } catch (err) {
    await pubsubEmulator.stop();
    throw err;
  }
  const env = {
    PUBSUB_EMULATOR_HOST: pubsubEmulator.hostPort,
    STORAGE_EMULATOR_HOST: storageEmulator.url,
    GOOGLE_CLOUD_PROJECT: projectId,
    // No metadata server here: do not wait for one.
    METADATA_SERVER_DETECTION: "none",
  };
  Object.assign(process.env, env);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when first needed (see above)
  const { PubSub } = require("@google-cloud/pubsub") as typeof import("@google-cloud/pubsub");
  const pubsub = new PubSub({ projectId });
  const storage = storageClient({ projectId });
  const [topic] = await pubsub.createTopic("uploads");
  const [subscription] = await topic.createSubscription("videoflow", { ackDeadlineSeconds: 10 });
  const [deadLetter] = await pubsub.createTopic("videoflow-dead-letter");
  const [deadLetterSubscription] = await deadLetter.createSubscription("dead-letter-reader");

  const createBucket = async (name: string, { versioned = false } = {}) => {
    await storage.createBucket(name, versioned ? { versioning: { enabled: true } } : {});
  };
  for (const name of options.inputBuckets ?? []) {
    await createBucket(name);
    // As the deploy guide's `gcloud storage buckets notifications create ... --payload-format json`.
    await storage.bucket(name).createNotification(topic.name, { payloadFormat: "JSON_API_V1" });
  }
  for (const name of options.buckets ?? []) await createBucket(name);

  const recorders: Array<() => Promise<void>> = [];
  return {
    projectId,
    topic: topic.name,
    subscription: subscription.name,
    deadLetterTopic: deadLetter.name,
    deadLetterSubscription: deadLetterSubscription.name,
    env,
    pubsub,
    storage,
    createBucket,
    async recordNotifications(bucket) {
      const [own] = await pubsub.createTopic(`${bucket}-notifications`);
      const [reader] = await own.createSubscription(`${bucket}-recorder`);
      await storage.bucket(bucket).createNotification(own.name, { payloadFormat: "JSON_API_V1" });
      const received: Message[] = [];
      const waiting: Array<{ test: (m: Message) => boolean; resolve: (m: Message) => void }> = [];
      reader.on("message", (m: Message) => {
        m.ack();
        received.push(m);
        for (const w of [...waiting]) {
          if (!w.test(m)) continue;
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve(m);
        }
      });
      recorders.push(() => reader.close());
      const waitFor = (test: (m: Message) => boolean, what: string, timeoutMs = 10000) => {
        const seen = received.find(test);
        if (seen) return Promise.resolve(seen);
        return new Promise<Message>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no notification ${what} of bucket ${bucket} within ${timeoutMs / 1000} s`)),
            timeoutMs,
          );
          waiting.push({ test, resolve: (m) => (clearTimeout(timer), resolve(m)) });
        });
      };
      return {
        topic: own.name,
        received,
        waitFor,
        next: (objectId, eventType = "OBJECT_FINALIZE", timeoutMs = 10000) =>
          waitFor(
            (m) => m.attributes.objectId === objectId && m.attributes.eventType === eventType,
            `${eventType} of ${objectId}`,
            timeoutMs,
          ),
      };
    },
    async stop() {
      for (const close of recorders) await close();
      await pubsub.close();
      await storageEmulator!.stop();
      await pubsubEmulator.stop();
    },
  };
}
