/**
 * End to end, offline: `videoflow listen --runner dataflow` builds the
 * streaming job and hands it to Beam's real Dataflow job service (Python,
 * apache-beam 2.49.0), which writes the Dataflow job request or sends it
 * to a loopback stand-in for the Dataflow API that records what it gets.
 * Google Cloud itself is the only part that does not run here.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { runCliAsync, tempDir } from "./helpers";
import { IMAGE, SUBSCRIPTION, assertJobRequest } from "./job-request";

function submitArgs(dir: string, extra: string[] = []): string[] {
  return [
    "listen",
    "--runner",
    "dataflow",
    "--project",
    "vf-check",
    "--region",
    "us-central1",
    "--inputSubscription",
    SUBSCRIPTION,
    "--output",
    "gs://vf-check-out/videoflow",
    "--tempLocation",
    path.join(dir, "temp"),
    "--stagingLocation",
    path.join(dir, "staging"),
    "--sdkContainerImage",
    IMAGE,
    ...extra,
  ];
}

describe("videoflow listen --runner dataflow (offline)", () => {
  const dir = tempDir();

  it("writes the Dataflow job request with no credentials and no network (the issue's command)", async () => {
    // Act
    const run = await runCliAsync(submitArgs(dir, ["--templateLocation", path.join(dir, "job.json")]), {
      GOOGLE_APPLICATION_CREDENTIALS: "/nonexistent",
    });
    // Assert
    assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr.slice(-3000));
    assert.ok(run.events.some((e) => e.event === "job request written"));
    assertJobRequest(JSON.parse(readFileSync(path.join(dir, "job.json"), "utf8")), dir);
  });

  it("takes a launcher's flags: --name=value, snake_case, and flags of its own", async () => {
    const out = tempDir();
    const args = submitArgs(out, [
      `--template_location=${path.join(out, "job.json")}`,
      "--launcher_only_flag=1",
      "--job_name=vf-launched",
    ]).map((a) => (a === "--tempLocation" ? "--temp_location" : a === "--inputSubscription" ? "--input_subscription" : a));
    const run = await runCliAsync(args);
    assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr.slice(-3000));
    assert.ok(run.events.some((e) => e.event === "ignored flags" && (e.flags as string[]).includes("--launcherOnlyFlag")));
    const job = JSON.parse(readFileSync(path.join(out, "job.json"), "utf8"));
    assert.equal(job.name, "vf-launched");
    assertJobRequest(job, out);
  });

  it("rejects a bad parameter before anything is submitted, naming it and its format", async () => {
    const out = tempDir();
    const run = await runCliAsync(submitArgs(out, ["--templateLocation", path.join(out, "job.json"), "--region=US Central"]));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--region must be a region like us-central1 \(got "US Central"\)/);
    assert.equal(existsSync(path.join(out, "job.json")), false);
    const missing = await runCliAsync([
      "listen",
      "--runner",
      "dataflow",
      "--inputSubscription",
      SUBSCRIPTION,
      "--output",
      "gs://vf-check-out/videoflow",
    ]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--project is required with --runner dataflow/);
    assert.match(missing.stderr, /--sdkContainerImage is required with --runner dataflow/);
  });

  describe("against a loopback stand-in for the Dataflow API", () => {
    const requests: Array<{ method: string; path: string; body: string; auth: boolean }> = [];
    let server: http.Server;
    let endpoint: string;

    before(async () => {
      server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
          requests.push({ method: req.method!, path: req.url!, body, auth: Boolean(req.headers.authorization) });
          const created = req.method === "POST" && /\/projects\/[^/]+\/locations\/[^/]+\/jobs(\?|$)/.test(req.url!);
          res.writeHead(created ? 200 : 404, { "content-type": "application/json" });
          res.end(
            JSON.stringify(
              created
                ? { ...JSON.parse(body), id: "2026-11-26_00_00_00-42", currentState: "JOB_STATE_PENDING" }
                : { error: { code: 404, message: "not here" } },
            ),
          );
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });

    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("creates the job there and exits", async () => {
      const out = tempDir();
      // Act
      const run = await runCliAsync(submitArgs(out, ["--dataflowEndpoint", endpoint, "--jobName", "vf-created"]));
      // Assert
      assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr.slice(-3000));
      const creates = requests.filter((r) => r.method === "POST");
      assert.equal(creates.length, 1, requests.map((r) => `${r.method} ${r.path}`).join("\n"));
      assert.match(creates[0].path, /\/v1b3\/projects\/vf-check\/locations\/us-central1\/jobs/);
      const job = JSON.parse(creates[0].body);
      assert.equal(job.name, "vf-created");
      assertJobRequest(job, out);
      assert.ok(
        run.events.some((e) => e.event === "job submitted" && e.jobId === "2026-11-26_00_00_00-42"),
        "the job id is reported",
      );
    });
  });
});
