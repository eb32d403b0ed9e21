/** `videoflow cost`: what a Dataflow deployment costs. */
import { parseCommandLine } from "./command-line";
import { UsageError, costParameters, parseCostOptions } from "../options";

/** `cost`: the monthly cost of a Dataflow deployment. */
export async function costCommand(args: string[]): Promise<number> {
  const { raw, positionals } = parseCommandLine(args, false, costParameters);
  if (positionals.length > 0) throw new UsageError(`cost takes only options (got ${positionals.join(" ")})`);
  const { formatCost } = await import("../cost");
  process.stdout.write(formatCost(parseCostOptions(raw)) + "\n");
  return 0;
}
