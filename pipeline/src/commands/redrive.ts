/** `videoflow redrive`: dead-lettered uploads sent again through the input topic. */
import { parseCommandLine } from "./command-line";
import { log } from "../log";
import { UsageError, parseRedriveOptions, redriveParameters } from "../options";

/** `redrive`: dead-lettered uploads sent again through the input topic. */
export async function redriveCommand(args: string[]): Promise<number> {
  const { raw, positionals } = parseCommandLine(args, false, redriveParameters);
  if (positionals.length > 0) throw new UsageError(`redrive takes only options (got ${positionals.join(" ")})`);
  const options = parseRedriveOptions(raw);
  const { PubSub } = await import("@google-cloud/pubsub");
  const { redrive } = await import("../runtimes/redrive");
  const pubsub = new PubSub({ projectId: options.inputTopic.split("/")[1] });
  try {
    const { sent, skipped } = await redrive(options, pubsub);
    log(
      "INFO",
      `sent ${sent.length} dead-lettered upload${sent.length === 1 ? "" : "s"} again to ${options.inputTopic}; left ${skipped.length}`,
      {
        event: "redrive summary",
        sent: sent.length,
        skipped: skipped.length,
      },
    );
  } finally {
    await pubsub.close();
  }
  return 0;
}
