import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parseBootFlags, planWorkers } from "../src/launch/worker-boot";
import { repoRoot } from "./helpers";

describe("the project's Node", () => {
  it("is the one these tests run on and the one the image's base carries", () => {
    // One Node everywhere: what passes here is what Dataflow's workers run (scripts/setup-node.sh, `make`'s PATH).
    const pinned = readFileSync(path.join(repoRoot, ".node-version"), "utf8").trim();
    const dockerfile = readFileSync(path.join(repoRoot, "docker", "Dockerfile"), "utf8");
    assert.equal(/^ARG NODE_IMAGE=node:(\S+)-bookworm-slim$/m.exec(dockerfile)?.[1], pinned, "the Dockerfile's base");
    assert.equal(process.version, `v${pinned}`, "run the tests with `make test`, which puts the pinned Node first on PATH");
  });
});

describe("the worker entry point", () => {
  it("reads Beam's container flags in either spelling", () => {
    // As Flink's PROCESS environment and Dataflow's containers pass them.
    assert.deepEqual(parseBootFlags(["--id=1-1", "--provision_endpoint=localhost:4242"]), {
      id: "1-1",
      provision_endpoint: "localhost:4242",
    });
    assert.deepEqual(
      parseBootFlags([
        "--id",
        "sdk-0-0",
        "--logging_endpoint",
        "localhost:1",
        "--control_endpoint=localhost:2",
        "--semi_persist_dir",
        "/var/opt/google",
      ]),
      { id: "sdk-0-0", logging_endpoint: "localhost:1", control_endpoint: "localhost:2", semi_persist_dir: "/var/opt/google" },
    );
  });

  it("says what is missing instead of starting nothing", async () => {
    await assert.rejects(planWorkers({}), /no --id given/);
    await assert.rejects(planWorkers({ id: "1" }), /no control endpoint/);
    const plan = await planWorkers({ id: "7", control_endpoint: "localhost:9", options: JSON.stringify({ options: { a: 1 } }) });
    assert.deepEqual(plan, { ids: ["7"], controlUrl: "localhost:9", options: { a: 1 } }, "Dataflow's extra level of options is unwrapped");
  });
});
