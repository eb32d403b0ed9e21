/**
 * The README's "Deploy to Google Cloud" commands, run with the real Google
 * Cloud CLI and no credentials: each must get past gcloud's checks of its
 * command and flags and fail only for want of an account. What they would
 * do in a project only Google Cloud can tell.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { repoRoot, tempDir } from "../../pipeline/test/helpers";

/** The guide's shell block: its variables and its gcloud commands (continuation lines joined, comments dropped). */
export function deployCommands(readme: string): { variables: Record<string, string>; commands: string[] } {
  const section = readme.slice(readme.indexOf("## Deploy to Google Cloud"));
  const block = section.slice(section.indexOf("```sh\n") + 6, section.indexOf("\n```", section.indexOf("```sh\n")));
  const lines = block
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter((l) => l && !l.startsWith("#"));
  const variables: Record<string, string> = {};
  const commands: string[] = [];
  for (const line of lines) {
    if (line.startsWith("gcloud ")) commands.push(line);
    else for (const m of line.matchAll(/([A-Z_]+)=(\S+)/g)) variables[m[1]] = expand(m[2], variables);
  }
  return { variables, commands };
}

function expand(text: string, variables: Record<string, string>): string {
  return text.replace(/\$\(date [^)]*\)/g, "20261126-000000").replace(/\$([A-Z_]+)/g, (_, name: string) => {
    if (!(name in variables)) throw new Error(`$${name} is used before it is set`);
    return variables[name];
  });
}

describe("the README's deployment guide", () => {
  const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
  const { variables, commands } = deployCommands(readme);

  it("covers every step: notifications, subscription, dead letter, service account, build, run, update, drain", () => {
    const all = commands.join("\n");
    for (const step of [
      /gcloud storage buckets notifications create gs:\/\/\$UPLOADS .*--event-types OBJECT_FINALIZE/,
      /gcloud pubsub subscriptions create videoflow-uploads/,
      /gcloud pubsub topics create videoflow-deadletter/,
      /gcloud iam service-accounts create/,
      /--role roles\/dataflow\.worker/,
      /gcloud builds submit --config cloudbuild\.yaml/,
      /gcloud dataflow flex-template run .*--template-file-gcs-location/,
      /--update/,
      /gcloud dataflow jobs drain/,
    ]) {
      assert.match(all, step);
    }
    const run = commands.find((c) => c.startsWith("gcloud dataflow flex-template run videoflow-"))!;
    const metadata = JSON.parse(readFileSync(path.join(repoRoot, "metadata.json"), "utf8")) as {
      parameters: { name: string; isOptional: boolean; defaultValue?: string }[];
    };
    for (const p of metadata.parameters.filter((p) => !["predictionEndpoint", "inferenceSize"].includes(p.name))) {
      assert.match(run, new RegExp(`[ ,^]${p.name}=`), `the run command sets ${p.name}`);
      // "with its default where it has one": the value shown is the template's.
      const shown = `${p.name}=${p.defaultValue ?? ""}`;
      if (p.defaultValue !== undefined)
        assert.ok(
          [" ", ","].some((end) => `${run} `.includes(shown + end)),
          `the run command shows ${shown}`,
        );
    }
  });

  it("gives the results bucket a lifecycle rule for the work folders of attempts that died, under the job's output", () => {
    const update = commands.find((c) => c.includes("--lifecycle-file"));
    assert.ok(update, "a gcloud storage buckets update --lifecycle-file command");
    const file = /--lifecycle-file (\S+)/.exec(update)![1];
    const lifecycle = JSON.parse(readFileSync(path.join(repoRoot, file), "utf8")) as {
      rule: { action: { type: string }; condition: { age: number; matchesPrefix: string[] } }[];
    };
    const run = commands.find((c) => c.startsWith("gcloud dataflow flex-template run videoflow-"))!;
    const output = /outputDirectory=gs:\/\/\$RESULTS\/(\S+)/.exec(run)![1];
    assert.deepEqual(lifecycle.rule, [{ action: { type: "Delete" }, condition: { age: 2, matchesPrefix: [`${output}/_work/`] } }]);
  });

  it("has only commands gcloud accepts, each failing here only for want of credentials", () => {
    assert.ok(commands.length >= 20, `${commands.length} commands`);
    const cwd = repoRoot;
    const problems: string[] = [];
    for (const command of commands) {
      const args = expand(command, variables).split(/\s+/).slice(1);
      const env = { ...process.env, CLOUDSDK_CONFIG: tempDir("gcloud-config-"), CLOUDSDK_CORE_DISABLE_PROMPTS: "1" };
      const result = spawnSync("gcloud", args, { cwd, env, encoding: "utf8", timeout: 60_000 });
      if (result.error) throw new Error(`gcloud could not run (the Google Cloud CLI is needed): ${result.error.message}`);
      const said = result.stderr;
      if (result.status === 0) problems.push(`${command}\n  succeeded with no credentials?`);
      else if (!/You do not currently have an active account selected/.test(said))
        problems.push(`${command}\n  ${said.trim().split("\n").slice(0, 3).join("\n  ")}`);
    }
    assert.deepEqual(problems, []);
  });
});
