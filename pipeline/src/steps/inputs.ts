/** The inputs of a one-machine run: each source's output key, and a new attempt at each. */
import { randomBytes } from "node:crypto";
import { videoKey } from "../io/keys";
import { UsageError } from "../options";
import type { VideoAttempt, VideoInput } from "../model";

/** Each source with its key (its folder in the output), refusing two sources that would share one. */
export function videoInputs(sources: string[]): VideoInput[] {
  const inputs = sources.map((source) => ({ source, key: videoKey(source) }));
  const seen = new Map<string, string>();
  for (const { source, key } of inputs) {
    const other = seen.get(key);
    if (other !== undefined) {
      throw new UsageError(
        `${other} and ${source} would both write to the output folder "${key}": process them in separate runs or rename one`,
      );
    }
    seen.set(key, source);
  }
  return inputs;
}

/** A new attempt at each input: an id that names its scratch and work files (see VideoAttempt). */
export function attemptsAt(inputs: VideoInput[]): VideoAttempt[] {
  return inputs.map((input) => ({ ...input, attempt: randomBytes(6).toString("hex") }));
}
