/**
 * The local file a video's steps read: its staged input (io/storage.ts,
 * stageInput) or, where its timestamps jump, the continuous copy of that
 * (video/continuous.ts), made once per attempt and process. Every worker
 * that decodes a segment makes the same copy from the same file, so their
 * timestamps agree.
 */
import { promises as fs } from "node:fs";
import { scratchName } from "./video-elements";
import type { VideoAttempt } from "../model";
import { releaseInput, scratchDir, stageInput } from "../io/storage";
import { writeContinuousCopy } from "../video/continuous";

const copies = new Map<string, Promise<string>>();
const idOf = (input: VideoAttempt) => `${input.attempt} ${input.source}`;

/** The file to read: the staged input, or its continuous copy written by `continuousCopy` (a muxer; null: none). */
export async function stageVideo(input: VideoAttempt, continuousCopy: string | null): Promise<string> {
  const local = await stageInput(input.source, input.attempt);
  if (continuousCopy === null) return local;
  const id = idOf(input);
  let copy = copies.get(id);
  if (!copy) {
    const file = scratchName(input, `continuous.${continuousCopy}`);
    copy = fs
      .mkdir(scratchDir("work"), { recursive: true })
      .then(() => writeContinuousCopy(local, file, continuousCopy, input.source))
      .then(() => file);
    copy.catch(() => copies.delete(id));
    copies.set(id, copy);
  }
  return copy;
}

/** Frees an attempt's staged input and its continuous copy, once its video is assembled (or has failed). */
export async function releaseVideo(input: VideoAttempt): Promise<void> {
  const id = idOf(input);
  const copy = copies.get(id);
  copies.delete(id);
  const file = await copy?.catch(() => undefined);
  if (file) await fs.rm(file, { force: true });
  await releaseInput(input.source, input.attempt);
}
