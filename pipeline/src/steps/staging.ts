/**
 * The local file a video's steps read: its staged input (io/storage.ts,
 * stageInput) or, where its timestamps jump, the continuous copy of that
 * (video/continuous.ts), made once per attempt and process while in use.
 * Every worker that decodes a segment makes the same copy from the same
 * file, so their timestamps agree. A step that stages a video says when it
 * is done with it (doneWithVideo); the assemble step, last, releases it.
 */
import { promises as fs } from "node:fs";
import { scratchName } from "./video-elements";
import type { VideoAttempt } from "../model";
import { doneWithInput, releaseInput, scratchDir, stageInput } from "../io/storage";
import { SharedFiles } from "../util/shared-files";
import { writeContinuousCopy } from "../video/continuous";

/** Kept as long as the staged input they are made from (both SharedFiles). */
const copies = new SharedFiles();
const idOf = (input: VideoAttempt) => `${input.attempt} ${input.source}`;

/** The file to read, in use until doneWithVideo: the staged input, or its continuous copy written by `continuousCopy` (a muxer; null: none). */
export async function stageVideo(input: VideoAttempt, continuousCopy: string | null): Promise<string> {
  const local = await stageInput(input.source, input.attempt);
  if (continuousCopy === null) return local;
  return copies.use(idOf(input), scratchName(input, `continuous.${continuousCopy}`), async (file) => {
    await fs.mkdir(scratchDir("work"), { recursive: true });
    await writeContinuousCopy(local, file, continuousCopy, input.source);
  });
}

/** A step is done with the video's file (stageVideo): it goes once no step of this process has used it for a while. */
export function doneWithVideo(input: VideoAttempt, continuousCopy: string | null): void {
  if (continuousCopy !== null) copies.done(idOf(input));
  doneWithInput(input.source, input.attempt);
}

/** Frees an attempt's staged input and its continuous copy now: its video is assembled, or has failed. */
export async function releaseVideo(input: VideoAttempt): Promise<void> {
  await copies.remove(idOf(input));
  await releaseInput(input.source, input.attempt);
}
