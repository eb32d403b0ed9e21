/**
 * The local Cloud Storage emulator: fsouza/fake-gcs-server (Go), built at a
 * pinned version by `scripts/setup-runners.sh fakegcs` (make test and make
 * demo run it). Chosen because it keeps the promises videoflow relies on:
 * it enforces ifGenerationMatch on uploads under a lock (the manifest's
 * first-writer-wins commit), and it publishes a bucket's notifications itself,
 * configured per bucket through the notificationConfigs API as on a real bucket.
 *
 * Run in memory (the only backend with object versioning, which tests use to
 * count writes). Known differences from Cloud Storage (v1.56.1): resumable
 * uploads lose their content type (videoflow writes with resumable: false);
 * preconditions on delete, copy and reads are ignored; eventTime has whole
 * seconds; notification configs live only as long as the process.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { ProcessService } from "../src/util/processes";

export interface StorageEmulator {
  /** http://127.0.0.1:PORT: STORAGE_EMULATOR_HOST for videoflow's processes. */
  url: string;
  stop(): Promise<void>;
}

const repoRoot = path.resolve(__dirname, "..", "..", "..");

/** The emulator's binary: $FAKE_GCS_SERVER, or the one the project's set-up built. */
export function fakeGcsServerBinary(): string {
  const binary = process.env.FAKE_GCS_SERVER || path.join(repoRoot, ".cache", "runners", "fake-gcs-server", "fake-gcs-server");
  if (!existsSync(binary)) {
    throw new Error(
      `the storage emulator is not set up (${binary} is missing): run scripts/setup-runners.sh fakegcs (make test and make demo do)`,
    );
  }
  return binary;
}

/**
 * Starts the emulator on a free loopback port (it dies with this process,
 * even a killed one). `pubsubEmulatorHost` is where its notifications go.
 */
export async function startStorageEmulator(options: { pubsubEmulatorHost?: string; projectId?: string } = {}): Promise<StorageEmulator> {
  const service = new ProcessService({
    name: "storage emulator",
    command: fakeGcsServerBinary(),
    args: [
      "-scheme",
      "http",
      "-host",
      "127.0.0.1",
      "-port",
      "{{PORT}}",
      "-backend",
      "memory",
      "-external-url",
      "http://127.0.0.1:{{PORT}}",
      "-log-level",
      "warn",
    ],
    env: {
      GOOGLE_CLOUD_PROJECT: options.projectId ?? process.env.GOOGLE_CLOUD_PROJECT ?? "videoflow-local",
      ...(options.pubsubEmulatorHost ? { PUBSUB_EMULATOR_HOST: options.pubsubEmulatorHost } : {}),
    },
    readyTimeoutMs: 15000,
  });
  const address = await service.start();
  return { url: `http://${address}`, stop: () => service.stop() };
}
