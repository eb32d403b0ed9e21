#!/usr/bin/env node
/**
 * The Flex Template's launcher program: the executable FLEX_TEMPLATE_GO_BINARY
 * names in the image. Google's Go launcher runs it with the launch's
 * parameters and its own flags (project, region, staging and temp locations,
 * job name, template_location), each as --name=value, snake_case or camelCase.
 * It runs `videoflow listen --runner dataflow` with them: every parameter is
 * validated first, a bad one exits 2 with one line naming it and its expected
 * format (the launcher shows the operator what the program printed), and a
 * good launch writes the Dataflow job request to template_location and exits.
 */
import { runCommandLine } from "../pipeline/src/main";

/** The command line the launcher's flags become. */
export function listenCommandLine(launcherArgs: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const args: string[] = [];
  for (let i = 0; i < launcherArgs.length; i++) {
    const arg = launcherArgs[i];
    // The template always runs on Dataflow, whatever runner a launcher names (Beam's SDKs say DataflowRunner).
    if (/^--runner=/.test(arg)) continue;
    if (arg === "--runner") {
      i++;
      continue;
    }
    args.push(arg);
  }
  // The workers run the launcher's own image unless the launch names another (sdk_container_image).
  const namesImage = args.some((a) => /^--(sdk_container_image|sdkContainerImage)(=|$)/.test(a));
  if (!namesImage && env.VIDEOFLOW_IMAGE) args.push(`--sdkContainerImage=${env.VIDEOFLOW_IMAGE}`);
  return ["listen", "--runner", "dataflow", ...args];
}

if (require.main === module) {
  runCommandLine(listenCommandLine(process.argv.slice(2)), { showUsage: false, prefix: "videoflow template launcher" });
}
