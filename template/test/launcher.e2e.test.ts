/**
 * End to end, offline: a Flex Template launch. The launcher (the stand-in
 * for Google's Go launcher, docker/stand-in-go-template-launcher.sh, which
 * runs FLEX_TEMPLATE_GO_BINARY as the real one does) runs the template's
 * program, dist/template/launcher.js, with a launch's flags; Beam's real
 * Dataflow job service writes the job request.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { repoRoot, runAsync, tempDir } from "../../pipeline/test/helpers";
import { IMAGE, SUBSCRIPTION, assertJobRequest } from "../../pipeline/test/job-request";
import { listenCommandLine } from "../launcher";

const LAUNCHER = path.join(repoRoot, "docker", "stand-in-go-template-launcher.sh");
const PROGRAM = path.join(repoRoot, "dist", "template", "launcher.js");

function launch(flags: string[], env: Record<string, string> = {}) {
  return runAsync(LAUNCHER, flags, { FLEX_TEMPLATE_GO_BINARY: PROGRAM, ...env });
}

/** What the service adds to a launch: its own flags, snake_case, as --name=value. */
function serviceFlags(dir: string): string[] {
  return [
    "--project=vf-check",
    "--region=us-central1",
    "--job_name=vf-template",
    `--staging_location=${path.join(dir, "staging")}`,
    `--temp_location=${path.join(dir, "temp")}`,
    `--template_location=${path.join(dir, "job.json")}`,
  ];
}

describe("the template's launch (offline)", () => {
  it("writes the job request, with the workers on the template's own image", async () => {
    // Arrange
    const dir = tempDir();
    const parameters = [`--inputSubscription=${SUBSCRIPTION}`, "--outputDirectory=gs://vf-check-out/videoflow", "--segmentSeconds=4"];
    // Act
    const run = await launch([...parameters, ...serviceFlags(dir)], { VIDEOFLOW_IMAGE: IMAGE });
    // Assert
    assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr.slice(-3000));
    const job = JSON.parse(readFileSync(path.join(dir, "job.json"), "utf8"));
    assert.equal(job.name, "vf-template");
    assertJobRequest(job, dir);
    assert.equal(job.environment.sdkPipelineOptions.options.segment_seconds, 4);
  });

  it("fails the launch on a bad parameter, with one line naming it and its format, and submits nothing", async () => {
    const dir = tempDir();
    const cases: Array<[string[], RegExp]> = [
      [
        [`--inputSubscription=${SUBSCRIPTION}`, "--outputDirectory=gs://vf-check-out/videoflow", "--segmentSeconds=-1"],
        /--segmentSeconds must be 0 or more \(got "-1"\)/,
      ],
      [
        ["--inputSubscription=uploads", "--outputDirectory=gs://vf-check-out/videoflow"],
        /--inputSubscription must be projects\/<project>\/subscriptions\/<subscription> \(got "uploads"\)/,
      ],
      [["--outputDirectory=gs://vf-check-out/videoflow"], /--inputSubscription is required/],
      [
        [`--inputSubscription=${SUBSCRIPTION}`, "--outputDirectory=gs://vf-check-out/videoflow", "--instanceFormat=json"],
        /--instanceFormat/,
      ],
      // A project id Pub/Sub would refuse (Java's PubsubIO only at expansion, with a stack trace): refused up front.
      [
        ["--inputSubscription=projects/demo/subscriptions/uploads", "--outputDirectory=gs://vf-check-out/videoflow"],
        /--inputSubscription names a project that cannot exist: "demo" is not a project id/,
      ],
      [
        [
          `--inputSubscription=${SUBSCRIPTION}`,
          "--outputDirectory=gs://vf-check-out/videoflow",
          "--deadLetterTopic=projects/Demo/topics/dead",
        ],
        /--deadLetterTopic names a project that cannot exist/,
      ],
    ];
    for (const [parameters, message] of cases) {
      const run = await launch([...parameters, ...serviceFlags(dir)], { VIDEOFLOW_IMAGE: IMAGE });
      assert.equal(run.code, 2, `${parameters.join(" ")}: ${run.stderr}`);
      const said = run.stderr.split("\n").filter((l) => l.startsWith("videoflow template launcher:"));
      assert.equal(said.length, 1, run.stderr);
      assert.match(said[0], message);
      assert.doesNotMatch(run.stderr, /^usage:/m, "the operator sees the error, not the whole usage");
      assert.match(run.stderr, /launch failed: the program exited with status 2/);
      assert.equal(existsSync(path.join(dir, "job.json")), false);
    }
  });

  it("needs a worker image: the launch's, or the image it runs in", async () => {
    const dir = tempDir();
    const parameters = [`--inputSubscription=${SUBSCRIPTION}`, "--outputDirectory=gs://vf-check-out/videoflow"];
    const run = await launch([...parameters, ...serviceFlags(dir)], { VIDEOFLOW_IMAGE: "" });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--sdkContainerImage is required/);
  });
});

describe("listenCommandLine", () => {
  it("always runs on Dataflow, on the image named by the launch or else the image's own", () => {
    assert.deepEqual(listenCommandLine(["--runner=DataflowRunner", "--project=p"], { VIDEOFLOW_IMAGE: "img:1" }), [
      "listen",
      "--runner",
      "dataflow",
      "--project=p",
      "--sdkContainerImage=img:1",
    ]);
    assert.deepEqual(listenCommandLine(["--runner", "direct", "--sdk_container_image=other:2"], { VIDEOFLOW_IMAGE: "img:1" }), [
      "listen",
      "--runner",
      "dataflow",
      "--sdk_container_image=other:2",
    ]);
    assert.deepEqual(listenCommandLine([], {}), ["listen", "--runner", "dataflow"]);
  });
});
