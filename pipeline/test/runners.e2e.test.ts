/**
 * End to end on a real Beam runner: `videoflow process --runner flink` runs
 * the same pipeline on a local Apache Flink cluster (Beam's Flink job server,
 * TypeScript workers over the Fn API, elements through Beam's coders) and
 * gives the same results as the direct runner.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { CliResult, frameTimes, makeClip, maxChromaDeviation, runCliAsync, sample, tempDir, videoFacts } from "./helpers";

describe("videoflow process --runner flink: the direct runner's results", () => {
  const dir = tempDir();
  const runs: Record<string, CliResult> = {};
  const inputs: Record<string, string> = {};

  before(async () => {
    // Arrange: a generated clip with sound cut into 3 segments, real footage in 20, one whole, and a file that is no video.
    inputs["clip.mp4"] = makeClip(path.join(dir, "clip.mp4"), { width: 426, height: 240, rate: "30000/1001", seconds: 9, audio: true });
    inputs["vtest.avi"] = sample("vtest.avi");
    inputs["short.webm"] = makeClip(path.join(dir, "short.webm"), { width: 320, height: 180, rate: "25", seconds: 2, codec: "vp9" });
    inputs["notes.mp4"] = path.join(dir, "notes.mp4");
    writeFileSync(inputs["notes.mp4"], "not a video\n".repeat(100));
    // Act: the same command on each runner; on Flink also with the workers started by Flink (a PROCESS
    // environment running the worker entry point, with the flags Dataflow gives its containers).
    const variants: Record<string, string[]> = {
      direct: ["--runner", "direct"],
      flink: ["--runner", "flink"],
      process: ["--runner", "flink", "--environmentType", "PROCESS"],
    };
    // PROCESS also with another `node` first on PATH (one that fails): the workers run the Node that runs videoflow.
    const otherNode = path.join(dir, "other-node");
    mkdirSync(otherNode);
    writeFileSync(path.join(otherNode, "node"), "#!/bin/sh\necho 'not the Node that runs videoflow' >&2\nexit 1\n", { mode: 0o755 });
    for (const [name, flags] of Object.entries(variants)) {
      const env: Record<string, string> = { VIDEOFLOW_DEBUG: "1" };
      if (name === "process") env.PATH = `${otherNode}${path.delimiter}${process.env.PATH}`;
      runs[name] = await runCliAsync(
        ["process", ...Object.values(inputs), "--output", path.join(dir, name), "--segmentSeconds", "4", ...flags],
        env,
      );
    }
  });

  it("exits 1 on both (one input is not a video) and reports every input", () => {
    for (const [runner, run] of Object.entries(runs)) {
      assert.equal(run.code, 1, `${runner}: ${run.stdout.slice(-3000)}${run.stderr.slice(-3000)}`);
      assert.equal(run.events.filter((e) => e.event === "outcome").length, 4, runner);
    }
  });

  for (const [variant, key] of ["flink", "process"].flatMap((v) => ["clip.mp4", "vtest.avi", "short.webm"].map((k) => [v, k]))) {
    it(`${key} (${variant}): the same gray.mp4 frames and times, manifest and preview`, () => {
      const [direct, flink] = ["direct", variant].map((r) => path.join(dir, r, key));
      const manifest = (folder: string) => JSON.parse(readFileSync(path.join(folder, "manifest.json"), "utf8"));
      assert.deepEqual(manifest(flink).video, manifest(direct).video);
      assert.equal(manifest(flink).segments, manifest(direct).segments);
      assert.deepEqual(videoFacts(path.join(flink, "gray.mp4")), videoFacts(path.join(direct, "gray.mp4")));
      assert.deepEqual(frameTimes(path.join(flink, "gray.mp4")), frameTimes(path.join(direct, "gray.mp4")));
      const { width, height } = videoFacts(path.join(flink, "gray.mp4"));
      assert.ok(maxChromaDeviation(path.join(flink, "gray.mp4"), width, height) <= 1, "truly gray");
      // The preview's thumbnails went through Beam's coder as base64 JPEG: the same picture.
      assert.equal(readFileSync(path.join(flink, "preview.jpg")).length > 1000, true);
      assert.deepEqual(readFileSync(path.join(flink, "preview.jpg")).subarray(0, 2), Buffer.from([0xff, 0xd8]));
    });
  }

  it("dead-letters the bad input the same way", () => {
    const record = (runner: string) => JSON.parse(readFileSync(path.join(dir, runner, "_deadletter", "notes.mp4.json"), "utf8"));
    for (const variant of ["flink", "process"]) {
      assert.equal(record(variant).stage, record("direct").stage);
      assert.equal(record(variant).reason, record("direct").reason);
    }
  });

  it("ran on Flink: a job server started and the job went through Beam's portable runner", () => {
    for (const variant of ["flink", "process"]) {
      assert.ok(
        runs[variant].events.some((e) => e.event === "runner" && e.runner === "flink" && e.jobServer),
        `${variant}: the run says where it ran`,
      );
    }
  });

  it("with PROCESS, Flink started the worker entry point, the workers ran in processes of their own, and their log lines reached videoflow's", () => {
    // The steps log "probed" where they run: in this process with LOOPBACK; in the workers Flink started with
    // PROCESS, whose output Flink keeps to itself, so they forward their log lines, each with its own pid.
    const probed = (variant: string) => runs[variant].events.filter((e) => e.event === "probed");
    assert.equal(probed("flink").length, 3, "LOOPBACK: the steps ran here");
    assert.ok(probed("flink").every((e) => e.workerPid === undefined));
    assert.equal(probed("process").length, 3, "PROCESS: the workers' lines were forwarded");
    const pids = new Set(probed("process").map((e) => e.workerPid));
    assert.ok(
      [...pids].every((pid) => typeof pid === "number" && pid > 0),
      `worker pids: ${[...pids].join(", ")}`,
    );
    assert.equal(runs.process.events.filter((e) => e.event === "outcome").length, 4);
  });
});
