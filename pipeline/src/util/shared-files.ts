/**
 * Local files that the steps of one process share (a video staged from
 * Cloud Storage, its continuous copy), each made once and counted while in
 * use. On a runner with several workers the steps of one video run on
 * different ones (Dataflow spreads its segments), and only the worker that
 * assembles the video knows it is finished: every other worker removes its
 * copy once no step has used it for a while, rather than keep a copy of
 * every video it ever touched until its disk is full.
 */
import { promises as fs } from "node:fs";

/**
 * How long a file no step uses is kept: another segment of the same video
 * usually comes to a worker within seconds, if at all.
 */
const IDLE_MS = 2 * 60 * 1000;

interface Entry {
  file: Promise<string>;
  users: number;
  timer?: NodeJS.Timeout;
}

export class SharedFiles {
  private readonly entries = new Map<string, Entry>();
  private made = 0;

  /** `idleMs`: how long a file no step uses is kept, for another step of the same video that may come. */
  constructor(private readonly idleMs = IDLE_MS) {}

  /**
   * The file for `id`, in use until `done(id)`: unless it is there already, `write` makes it at `base` plus a number
   * of its own (so that a file being removed never takes a new one for the same id with it). A file that could not
   * be written is removed and forgotten: the next use tries again.
   */
  use(id: string, base: string, write: (file: string) => Promise<void>): Promise<string> {
    let entry = this.entries.get(id);
    if (!entry) {
      const file = writeOrRemove(`${base}-${++this.made}`, write);
      entry = { file, users: 0 };
      this.entries.set(id, entry);
      file.catch(() => {
        if (this.entries.get(id)?.file === file) this.entries.delete(id);
      });
    }
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.users++;
    return entry.file;
  }

  /** One use of `id` is over: after the last, the file is removed once idle for `idleMs`, unless used again. */
  done(id: string): void {
    const entry = this.entries.get(id);
    if (!entry || entry.users === 0 || --entry.users > 0) return;
    entry.timer = setTimeout(() => void this.remove(id), this.idleMs);
    entry.timer.unref(); // a pending removal never keeps a process alive; the next start removes what a gone one left
  }

  /** Removes `id`'s file now (its video is finished, or failed). */
  async remove(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    clearTimeout(entry.timer);
    const file = await entry.file.catch(() => undefined);
    if (file) await fs.rm(file, { force: true });
  }

  /** How many files are held (in use or idle). */
  get size(): number {
    return this.entries.size;
  }
}

async function writeOrRemove(file: string, write: (file: string) => Promise<void>): Promise<string> {
  try {
    await write(file);
    return file;
  } catch (err) {
    await fs.rm(file, { force: true });
    throw err;
  }
}
