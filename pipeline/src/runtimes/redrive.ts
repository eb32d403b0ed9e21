/**
 * `videoflow redrive`: sends dead-lettered uploads back through the input
 * topic with their original notifications (kept in each dead-letter record),
 * so that an operator who fixed the cause (an endpoint down for an hour, a
 * quota) replays them with one command. The job takes each like any other
 * notification: a success writes the manifest and removes the dead-letter
 * record; a failure writes it again. Redriving twice is harmless: the second
 * copy finds the manifest and is skipped.
 */
import { retryTransient } from "../failure-policy";
import { log } from "../log";
import type { RedriveOptions } from "../options";
import { DEAD_LETTER_FOLDER, DeadLetter } from "../output/manifest";
import { joinUri, listUris, parseGcsUri, readData } from "../io/storage";

type PubSub = import("@google-cloud/pubsub").PubSub;

export interface RedriveResult {
  /** Records sent again, by their dead-letter record's URI. */
  sent: string[];
  /** Records left alone, each with why. */
  skipped: Array<{ record: string; reason: string }>;
}

/** Why a dead-letter record is not to be sent again under these options, or null when it is. */
export function reasonToSkip(record: DeadLetter, options: Pick<RedriveOptions, "stage" | "objectPrefix">): string | null {
  if (!record.notification)
    return "it kept no notification (written by videoflow process, or by a version before redrive): process its source again";
  if (options.stage ? record.stage !== options.stage : record.stage === "notification") {
    return options.stage
      ? `it failed at ${record.stage}, not ${options.stage}`
      : "its notification itself was rejected (--stage notification sends those too)";
  }
  if (options.objectPrefix !== undefined) {
    let name: string;
    try {
      name = parseGcsUri(record.source).name;
    } catch {
      return `its source ${record.source} is no Cloud Storage object`;
    }
    if (!name.startsWith(options.objectPrefix)) return `its object does not start with ${options.objectPrefix}`;
  }
  return null;
}

/** Sends the chosen dead-lettered uploads under `options.outputDirectory` to `options.inputTopic` again. */
export async function redrive(options: RedriveOptions, pubsub: PubSub): Promise<RedriveResult> {
  const result: RedriveResult = { sent: [], skipped: [] };
  const topic = pubsub.topic(options.inputTopic);
  for (const uri of await listUris(joinUri(options.outputDirectory, DEAD_LETTER_FOLDER))) {
    if (!uri.endsWith(".json")) continue;
    let record: DeadLetter;
    try {
      record = JSON.parse((await readData(uri)).toString("utf8")) as DeadLetter;
    } catch (err) {
      result.skipped.push({ record: uri, reason: `it is not a dead-letter record: ${(err as Error).message}` });
      continue;
    }
    const skip = reasonToSkip(record, options);
    if (skip) {
      result.skipped.push({ record: uri, reason: skip });
      log("INFO", `left ${uri}: ${skip}`, { event: "not redriven", record: uri, reason: skip });
      continue;
    }
    const { attributes, data } = record.notification!;
    await retryTransient(`publishing the notification of ${record.source} to ${options.inputTopic}`, () =>
      topic.publishMessage({ data: Buffer.from(data, "base64"), attributes }),
    );
    result.sent.push(uri);
    log("INFO", `sent ${record.source} again (failed at ${record.stage}: ${record.reason})`, {
      event: "redriven",
      record: uri,
      source: record.source,
      stage: record.stage,
    });
  }
  await topic.flush();
  return result;
}
