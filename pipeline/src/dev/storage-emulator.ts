/**
 * A Cloud Storage emulator in this process, for development and tests: the
 * pure-Node GCS JSON API emulator inside firebase-tools (a devDependency,
 * pinned: these are its private internals). Its CLI would need Java 21 and a
 * download; started from Node it needs neither. Clients reach it through
 * STORAGE_EMULATOR_HOST.
 *
 * firebase-tools internals used (re-check on upgrade):
 * - lib/emulator/storage/index.js StorageEmulator: we replace start() (the
 *   original starts a Java rules runtime) and getPersistenceTmpDir() (the
 *   original is one fixed folder that stop() deletes, shared by all instances).
 * - lib/emulator/storage/server.js createApp(projectId, emulator): the HTTP app.
 * - lib/emulator/storage/cloudFunctions.js: the emulator's `_cloudFunctions.dispatch(action, metadata)`
 *   is called on "finalize" (upload, overwrite, copy), "delete" and "metadataUpdate";
 *   we replace it per instance to see those events (see bridge.ts).
 * - lib/emulator/registry.js EmulatorRegistry: object resources are built from
 *   the registered storage emulator's address, so one must be registered.
 *
 * Differences from Cloud Storage: only the latest generation of an object is
 * kept, preconditions (ifGenerationMatch) are ignored, createBucket fails
 * (buckets appear on first write), no notifications (the bridge makes them).
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export type StorageEvent = "finalize" | "delete" | "metadataUpdate";
/** The object resource (GCS JSON API) of the object an event is about. */
export type ObjectResource = Record<string, unknown> & { name: string; bucket: string; generation: string };

export interface StorageEmulator {
  host: string;
  port: number;
  /** The value for STORAGE_EMULATOR_HOST. */
  url: string;
  stop(): Promise<void>;
}

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-var-requires */
export async function startStorageEmulator(options: {
  host?: string;
  port?: number;
  onEvent?: (event: StorageEvent, object: ObjectResource) => void | Promise<void>;
}): Promise<StorageEmulator> {
  const { StorageEmulator: Base } = require("firebase-tools/lib/emulator/storage/index.js");
  const { createApp } = require("firebase-tools/lib/emulator/storage/server.js");
  const { EmulatorRegistry } = require("firebase-tools/lib/emulator/registry.js");
  const { Emulators } = require("firebase-tools/lib/emulator/types.js");

  class NodeOnlyStorageEmulator extends Base {
    getPersistenceTmpDir(): string {
      // Called from the base constructor: no class fields yet.
      const self = this as any;
      if (!self.blobDir) self.blobDir = mkdtempSync(path.join(os.tmpdir(), "videoflow-gcs-"));
      return self.blobDir;
    }

    async start(): Promise<void> {
      const self = this as any;
      const app = await createApp(self.args.projectId, this);
      const server = app.listen(self.args.port, self.args.host);
      await new Promise((resolve, reject) => {
        server.once("listening", resolve);
        server.once("error", reject);
      });
      self.args.port = (server.address() as AddressInfo).port;
      self.destroyServer = () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
    }
  }

  const host = options.host ?? "127.0.0.1";
  // A "demo-" project keeps the emulator from asking Firebase for its configuration.
  const emulator: any = new (NodeOnlyStorageEmulator as any)({ host, port: options.port ?? 0, projectId: "demo-videoflow", rules: [], auto_download: false });
  emulator._cloudFunctions.dispatch = async (action: StorageEvent, metadata: unknown) => {
    if (!options.onEvent) return;
    try {
      await options.onEvent(action, JSON.parse(JSON.stringify(metadata)));
    } catch (err) {
      process.stderr.write(`storage emulator: the ${action} handler failed: ${(err as Error).stack}\n`);
    }
  };
  try {
    await emulator.start();
  } catch (err) {
    rmSync(emulator.getPersistenceTmpDir(), { recursive: true, force: true });
    throw err;
  }
  EmulatorRegistry.set(Emulators.STORAGE, emulator);
  const port: number = emulator.args.port;
  let stopping: Promise<void> | undefined;
  return {
    host,
    port,
    url: `http://${host}:${port}`,
    stop: () =>
      (stopping ??= (async () => {
        if (EmulatorRegistry.get(Emulators.STORAGE) === emulator) (EmulatorRegistry as any).clear(Emulators.STORAGE);
        await emulator.stop();
      })()),
  };
}
