/**
 * The local stack: Pub/Sub emulator, Cloud Storage emulator and the
 * notification bridge between them, all on loopback, with the topic and
 * subscriptions a listener needs. Used by the demo, the tests and the
 * benchmark; `env` is what a `videoflow listen` child needs to use it.
 */
import { createBridge } from "./bridge";
import { startPubSubEmulator } from "./pubsub-emulator";
import { startStorageEmulator } from "./storage-emulator";

export interface LocalStack {
  projectId: string;
  topic: string;
  subscription: string;
  deadLetterTopic: string;
  /** A subscription on the dead-letter topic, to read what was dead-lettered. */
  deadLetterSubscription: string;
  env: Record<string, string>;
  pubsub: import("@google-cloud/pubsub").PubSub;
  storage: import("@google-cloud/storage").Storage;
  stop(): Promise<void>;
}

export async function startLocalStack(options: { projectId?: string; buckets?: string[] } = {}): Promise<LocalStack> {
  const projectId = options.projectId ?? "videoflow-local";
  const pubsubEmulator = await startPubSubEmulator();
  const env = {
    PUBSUB_EMULATOR_HOST: pubsubEmulator.hostPort,
    STORAGE_EMULATOR_HOST: "",
    GOOGLE_CLOUD_PROJECT: projectId,
    // No metadata server here: do not wait for one.
    METADATA_SERVER_DETECTION: "none",
  };
  Object.assign(process.env, env);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { PubSub } = require("@google-cloud/pubsub") as typeof import("@google-cloud/pubsub");
  const pubsub = new PubSub({ projectId });
  const [topic] = await pubsub.createTopic("uploads");
  const [subscription] = await topic.createSubscription("videoflow", { ackDeadlineSeconds: 10 });
  const [deadLetter] = await pubsub.createTopic("videoflow-dead-letter");
  const [deadLetterSubscription] = await deadLetter.createSubscription("dead-letter-reader");
  const bridge = createBridge(topic, options.buckets);
  const storageEmulator = await startStorageEmulator({ onEvent: bridge.onEvent });
  env.STORAGE_EMULATOR_HOST = storageEmulator.url;
  process.env.STORAGE_EMULATOR_HOST = storageEmulator.url;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Storage } = require("@google-cloud/storage") as typeof import("@google-cloud/storage");
  const storage = new Storage({ projectId });
  return {
    projectId,
    topic: topic.name,
    subscription: subscription.name,
    deadLetterTopic: deadLetter.name,
    deadLetterSubscription: deadLetterSubscription.name,
    env,
    pubsub,
    storage,
    async stop() {
      await bridge.flush();
      await pubsub.close();
      await storageEmulator.stop();
      await pubsubEmulator.stop();
    },
  };
}
