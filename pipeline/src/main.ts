#!/usr/bin/env node
/**
 * videoflow's command line: parses the command and its options, and runs.
 *
 *   videoflow process <input...> --output <dir | gs://bucket/prefix> [options]
 *   videoflow listen --inputSubscription projects/P/subscriptions/S --output gs://bucket/prefix [options]
 *   videoflow redrive --output gs://bucket/prefix --inputTopic projects/P/topics/T [--stage S] [--objectPrefix P]
 *   videoflow cost [options]
 */
// Only light modules at the top: the first input's probe starts before the commands (and zod) load.
import "./util/compile-cache";
import { UsageError } from "./options/spec";
import { log } from "./log";
import { startEarlyProbes } from "./commands/early-probes";
import { exitNow } from "./util/native-processes";

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  const rest = argv.slice(1);
  if (command === "help" || command === "--help" || command === "-h") {
    process.stdout.write((await import("./commands/command-line")).usage() + "\n");
    return 0;
  }
  if (command === "process") return (await import("./commands/process")).processCommand(rest);
  if (command === "listen") return (await import("./commands/listen")).listenCommand(rest);
  if (command === "redrive") return (await import("./commands/redrive")).redriveCommand(rest);
  if (command === "cost") return (await import("./commands/cost")).costCommand(rest);
  throw new UsageError(command ? `unknown command "${command}"` : "no command given", true);
}

/**
 * Runs a command line to its exit: status 0 done, 1 failed, 2 usage error
 * (the message names the parameter and what is wrong; the usage follows when
 * the command line's shape is wrong, and never when `showUsage` is false: the
 * template launcher shows the operator just the error).
 */
export function runCommandLine(argv: string[], { showUsage = true, prefix = "videoflow" } = {}): void {
  main(argv).then(
    (code) => exitNow(code),
    async (err) => {
      if (err instanceof UsageError) {
        let more = "";
        if (showUsage)
          more = err.showUsage ? `\n${(await import("./commands/command-line")).usage()}\n` : `(every parameter: ${prefix} help)\n`;
        process.stderr.write(`${prefix}: ${err.message}\n${more}`);
        return exitNow(2);
      }
      log("ERROR", `${prefix} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return exitNow(1);
    },
  );
}

if (require.main === module) {
  startEarlyProbes(process.argv.slice(2));
  runCommandLine(process.argv.slice(2));
}
