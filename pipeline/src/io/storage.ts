/**
 * Storage: one interface over local paths and gs:// objects. Everything
 * streams (files to and from Cloud Storage are piped, never held whole in
 * memory). Every Cloud Storage call is retried by the failure policy
 * (failure-policy.ts), the client's own retries off: one policy, one log.
 * STORAGE_EMULATOR_HOST (http://host:port) points the client at an emulator,
 * as the local stack and the tests do.
 */
import { createHash } from "node:crypto";
import { BUCKET_NAME } from "./resource-names";
import { createReadStream, createWriteStream, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { retryTransient } from "../failure-policy";
import { SharedFiles } from "../util/shared-files";

export function isGcsUri(uri: string): boolean {
  return uri.startsWith("gs://");
}

/**
 * `gs://bucket/name`, optionally with `#generation` (gsutil's notation for one
 * version of an object: what a notification names).
 */
const gcsUri = new RegExp(`^gs:\\/\\/(${BUCKET_NAME})(?:\\/(.*?))?(?:#(\\d+))?$`, "s");

export function parseGcsUri(uri: string): { bucket: string; name: string; generation?: string } {
  const match = gcsUri.exec(uri);
  if (!match) throw new Error(`not a Cloud Storage URI (gs://bucket/object): ${uri}`);
  return match[3] ? { bucket: match[1], name: match[2] ?? "", generation: match[3] } : { bucket: match[1], name: match[2] ?? "" };
}

/** Joins a base (local directory or gs:// prefix) and relative parts with "/". */
export function joinUri(base: string, ...parts: string[]): string {
  if (isGcsUri(base)) return [base.replace(/\/+$/, ""), ...parts].join("/");
  return path.join(base, ...parts);
}

// A type query, not `import type` (see beam/workarounds.ts): the client loads only when used.
type Storage = import("@google-cloud/storage").Storage;

/**
 * A Cloud Storage client with the client's own retries off (the failure
 * policy retries), pointed at the emulator STORAGE_EMULATOR_HOST names
 * (http://host:port). The client (7.x) reads that variable itself and then
 * sends JSON API calls without their /storage/v1 path, which an emulator
 * that serves the real paths (fake-gcs-server) answers with 404: the
 * variable is given that path and the endpoint is passed explicitly, the
 * combination that works for every call.
 */
export function storageClient(options: { projectId?: string } = {}): Storage {
  // Loaded on first use: local-only runs never pay for the client.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when first needed (see above)
  const { Storage: StorageClass } = require("@google-cloud/storage") as typeof import("@google-cloud/storage");
  const emulator = process.env.STORAGE_EMULATOR_HOST;
  const apiEndpoint = emulator ? new URL(emulator.includes("://") ? emulator : `http://${emulator}`).origin : undefined;
  if (apiEndpoint) process.env.STORAGE_EMULATOR_HOST = `${apiEndpoint}/storage/v1`;
  return new StorageClass({ ...options, retryOptions: { autoRetry: false }, ...(apiEndpoint ? { apiEndpoint } : {}) });
}

let client: Storage | undefined;
function gcs(): Storage {
  return (client ??= storageClient());
}

/** A Cloud Storage call under the failure policy, named by what it does to which object. */
function gcsCall<T>(what: string, uri: string, operation: () => Promise<T>): Promise<T> {
  return retryTransient(`${what} ${uri}`, operation, { fields: { object: uri } });
}

function gcsFile(uri: string) {
  const { bucket, name, generation } = parseGcsUri(uri);
  if (!name) throw new Error(`${uri} names a bucket, not an object`);
  return gcs()
    .bucket(bucket)
    .file(name, generation ? { generation: Number(generation) } : {});
}

/**
 * Whether `uri` was written at or after `sinceMs` (epoch ms) and, in Cloud
 * Storage, its generation (0 when it does not exist): how an attempt learns
 * that another one committed the same result while it worked.
 */
export async function committedSince(uri: string, sinceMs: number): Promise<{ committed: boolean; generation: number | null }> {
  if (isGcsUri(uri)) {
    try {
      const [metadata] = await gcsCall("reading the metadata of", uri, () => gcsFile(uri).getMetadata());
      const updated = Date.parse(String(metadata.updated ?? metadata.timeCreated ?? ""));
      return { committed: updated >= sinceMs, generation: Number(metadata.generation) };
    } catch (err) {
      if ((err as { code?: number }).code === 404) return { committed: false, generation: 0 };
      throw err;
    }
  }
  try {
    return { committed: (await fs.stat(uri)).mtimeMs >= sinceMs, generation: null };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { committed: false, generation: null };
    throw err;
  }
}

/**
 * Why `uri`, found missing, does not exist, said for a dead letter. A
 * notification names one generation of an object: when the object has been
 * uploaded again since, that generation is replaced (the new one comes with a
 * notification of its own); when no generation is left, it was deleted.
 */
export async function missingReason(uri: string): Promise<string> {
  const object = isGcsUri(uri) ? parseGcsUri(uri) : undefined;
  if (object?.generation === undefined) return `${uri} does not exist`;
  const live = `gs://${object.bucket}/${object.name}`;
  try {
    const [metadata] = await gcsCall("reading the metadata of", live, () => gcsFile(live).getMetadata());
    return (
      `${uri} does not exist: ${live} was uploaded again (generation ${metadata.generation}) before this upload was ` +
      "processed; the new upload's own notification has it processed"
    );
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
    return `${uri} does not exist, nor does any later generation: the object was deleted before it was processed`;
  }
}

/** Size in bytes, or undefined when the object or file does not exist. */
export async function sizeOf(uri: string): Promise<number | undefined> {
  if (isGcsUri(uri)) {
    try {
      const [metadata] = await gcsCall("reading the metadata of", uri, () => gcsFile(uri).getMetadata());
      return Number(metadata.size ?? 0);
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }
  try {
    const stat = await fs.stat(uri);
    if (!stat.isFile()) throw new Error(`${uri} is not a file`);
    return stat.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Custom metadata set on every object videoflow writes to Cloud Storage, so
 * that a listener never takes its own output for an upload (the loop guard).
 */
export const OUTPUT_MARKER = "videoflow-output";
const outputMetadata = { [OUTPUT_MARKER]: "true" };

let tmpCount = 0;
/** A temporary name beside `uri`, unique to this write (two attempts in one process may write the same path). */
function tmpName(uri: string): string {
  return `${uri}.tmp-${process.pid}-${++tmpCount}`;
}

export interface WriteConditions {
  /**
   * Cloud Storage only: write only if the object's generation is still this
   * one (0: only if it does not exist); otherwise throw PreconditionFailed.
   */
  ifGenerationMatch?: number;
}

/** Another writer changed the object since its generation was read. */
export class PreconditionFailed extends Error {}

/** Writes small data (JSON, a JPEG) whole. */
export async function writeData(uri: string, data: string | Buffer, contentType: string, conditions: WriteConditions = {}): Promise<void> {
  if (isGcsUri(uri)) {
    const preconditionOpts =
      conditions.ifGenerationMatch === undefined ? {} : { preconditionOpts: { ifGenerationMatch: conditions.ifGenerationMatch } };
    try {
      await gcsCall("writing", uri, () =>
        gcsFile(uri).save(data, { contentType, resumable: false, metadata: { metadata: outputMetadata }, ...preconditionOpts }),
      );
    } catch (err) {
      if ((err as { code?: number }).code === 412) throw new PreconditionFailed(`${uri} was written by someone else meanwhile`);
      throw err;
    }
    return;
  }
  await fs.mkdir(path.dirname(uri), { recursive: true });
  // Write then rename: a reader never sees half a file (the manifest is a commit marker).
  const tmp = tmpName(uri);
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, uri);
}

/** Reads a small object or file whole (a dead-letter record). */
export async function readData(uri: string): Promise<Buffer> {
  if (isGcsUri(uri)) return (await gcsCall("reading", uri, () => gcsFile(uri).download()))[0];
  return fs.readFile(uri);
}

/** Every object under a gs:// prefix, or every file under a local directory (none when it does not exist), as URIs. */
export async function listUris(uri: string): Promise<string[]> {
  if (isGcsUri(uri)) {
    const { bucket, name } = parseGcsUri(uri);
    const prefix = name === "" || name.endsWith("/") ? name : `${name}/`;
    const [files] = await gcsCall("listing", uri, () => gcs().bucket(bucket).getFiles({ prefix, autoPaginate: true }));
    return files.map((f) => `gs://${bucket}/${f.name}`).sort();
  }
  const entries = await fs.readdir(uri, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    throw err;
  });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? e.path, e.name))
    .sort();
}

/** Copies a local file to `uri`; with `move`, a local destination takes the file by rename. */
export async function uploadFile(localPath: string, uri: string, contentType: string, move = false): Promise<void> {
  if (isGcsUri(uri)) {
    await gcsCall("uploading", uri, () =>
      pipeline(
        createReadStream(localPath),
        gcsFile(uri).createWriteStream({ contentType, resumable: false, metadata: { metadata: outputMetadata } }),
      ),
    );
    if (move) await fs.rm(localPath, { force: true });
    return;
  }
  await fs.mkdir(path.dirname(uri), { recursive: true });
  const tmp = tmpName(uri);
  if (move) {
    try {
      await fs.rename(localPath, tmp);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
      await fs.copyFile(localPath, tmp);
      await fs.rm(localPath, { force: true });
    }
  } else {
    await fs.copyFile(localPath, tmp);
  }
  await fs.rename(tmp, uri);
}

export async function downloadFile(uri: string, localPath: string): Promise<void> {
  await fs.mkdir(path.dirname(localPath), { recursive: true });
  if (!isGcsUri(uri)) return pipeline(createReadStream(uri), createWriteStream(localPath));
  // Each try writes the file anew.
  await gcsCall("downloading", uri, () => pipeline(gcsFile(uri).createReadStream(), createWriteStream(localPath)));
}

/** Deletes a file or object; a missing one is fine. */
export async function removeUri(uri: string): Promise<void> {
  if (isGcsUri(uri)) {
    await gcsCall("deleting", uri, () => gcsFile(uri).delete({ ignoreNotFound: true }));
    return;
  }
  await fs.rm(uri, { force: true });
}

/** Deletes every object under a gs:// prefix, or a local directory tree. */
export async function removeTree(uri: string): Promise<void> {
  if (isGcsUri(uri)) {
    const { bucket, name } = parseGcsUri(uri);
    const prefix = name.endsWith("/") ? name : `${name}/`;
    await gcsCall("deleting everything under", uri, () => gcs().bucket(bucket).deleteFiles({ prefix, force: true }));
    return;
  }
  await fs.rm(uri, { recursive: true, force: true });
}

/**
 * Local paths only: removes the empty folders from `uri`'s parent up to (not
 * including) `root`. Cloud Storage has no folders to leave behind.
 */
export async function removeEmptyParents(uri: string, root: string): Promise<void> {
  if (isGcsUri(uri)) return;
  const stop = path.resolve(root);
  for (let dir = path.dirname(path.resolve(uri)); dir.startsWith(stop + path.sep); dir = path.dirname(dir)) {
    try {
      await fs.rmdir(dir);
    } catch {
      return; // not empty (another attempt's work is there), or gone
    }
  }
}

/** This process's scratch directory (segments being encoded, staged inputs). */
export function scratchDir(...parts: string[]): string {
  return path.join(process.env.VIDEOFLOW_SCRATCH || path.join(os.tmpdir(), "videoflow"), ...parts);
}

/**
 * Deletes what processes that are gone (killed, crashed) left in the scratch
 * directory: every scratch file name carries its process id as "-<pid>".
 */
export async function removeStaleScratch(): Promise<void> {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === "EPERM";
    }
  };
  for (const folder of ["inputs", "work", "reports", "probes"]) {
    const names = await fs.readdir(scratchDir(folder)).catch(() => [] as string[]);
    for (const name of names) {
      const pid = Number(/-(\d+)(?:-|\.|$)/.exec(name)?.[1]);
      if (pid && pid !== process.pid && !alive(pid)) await fs.rm(scratchDir(folder, name), { force: true, recursive: true });
    }
  }
}

/**
 * Staged copies. A worker that only decoded some of a video's segments, or
 * probed it, is not told when the video is finished: its copy goes once idle
 * (SharedFiles).
 */
const staged = new SharedFiles();

/**
 * A local path ffmpeg can seek in, in use until doneWithInput. Local inputs
 * are used in place; gs:// objects are streamed to the scratch directory
 * once per attempt and process while in use (segments of one video share
 * the copy), under a hashed name: an object name never becomes a local path.
 */
export function stageInput(uri: string, attempt: string): Promise<string> {
  if (!isGcsUri(uri)) return Promise.resolve(uri);
  const hash = createHash("sha256").update(uri).digest("hex").slice(0, 32);
  return staged.use(`${attempt} ${uri}`, scratchDir("inputs", `${hash}-${process.pid}-${attempt}`), (local) => downloadFile(uri, local));
}

/** A step is done with its staged copy: it goes once no step has used it for a while (SharedFiles). */
export function doneWithInput(uri: string, attempt: string): void {
  if (isGcsUri(uri)) staged.done(`${attempt} ${uri}`);
}

/** Frees an attempt's staged copy of a gs:// input now: its video is assembled, or has failed. */
export async function releaseInput(uri: string, attempt: string): Promise<void> {
  await staged.remove(`${attempt} ${uri}`);
}
