import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { estimateCost, formatCost } from "../src/cost";
import { UsageError, parseCostOptions } from "../src/options";
import { runCli } from "./helpers";

const cents = (n: number) => Math.round(n * 100) / 100;
const estimate = (raw: Record<string, string> = {}) => estimateCost(parseCostOptions(raw));

describe("videoflow cost", () => {
  it("reproduces the original design's 237.14 USD as the compute of one n1-standard-4 streaming worker", () => {
    const e = estimate();
    assert.equal(e.deployment.machineType, "n1-standard-4");
    assert.deepEqual([e.deployment.vcpu, e.deployment.memoryGb, e.deployment.diskSizeGb], [4, 15, 420]);
    assert.equal(cents(e.computeUsd), 237.14);
    // The original's formula has the disk in it; its total does not: (0.069*4 + 0.003557*15 + 0.000054*420) * 720 = 253.4652.
    assert.equal(cents(e.diskUsd), 16.33);
    assert.equal(cents(e.totalUsd), 253.47);
  });

  it("changes as the flags say", () => {
    const base = estimate();
    assert.equal(cents(estimate({ workers: "3" }).totalUsd), cents(3 * base.totalUsd));
    const small = estimate({ machineType: "n1-standard-2" });
    assert.equal(cents(small.computeUsd), cents(base.computeUsd / 2));
    assert.equal(cents(estimate({ diskSizeGb: "30" }).diskUsd), cents(30 * 0.000054 * 720));
    const batch = estimate({ streaming: "false" });
    assert.equal(batch.deployment.machineType, "n1-standard-1");
    assert.equal(cents(batch.lines[0].usd), cents(1 * 0.056 * 720));
    const engine = estimate({ streamingEngine: "true" });
    assert.deepEqual([engine.deployment.machineType, engine.deployment.diskSizeGb], ["n1-standard-2", 30]);
    assert.ok(engine.totalUsd < base.totalUsd / 2);
  });

  it("gives the cost per hour of video from a worker's throughput", () => {
    const e = estimate({ framesPerSecond: "300", videoFps: "30" });
    // 300 frames/s at 30 fps: 10 hours of video an hour, 7200 a month.
    assert.equal(Math.round(e.perVideoHour!.videoHoursPerMonth), 7200);
    assert.equal(cents(e.perVideoHour!.usd), cents(e.totalUsd / 7200));
    assert.equal(estimate().perVideoHour, undefined);
  });

  it("rejects what it cannot price, naming the flag", () => {
    assert.throws(
      () => estimate({ machineType: "n9-giant-99" }),
      (err: Error) => err instanceof UsageError && /--machineType n9-giant-99 is not in the price table/.test(err.message),
    );
    assert.throws(() => parseCostOptions({ workers: "0" }), /--workers must be at least 1/);
    assert.throws(() => parseCostOptions({ streaming: "false", streamingEngine: "true" }), /not with --streaming false/);
  });

  it("prints the month, the original's figure explained, and the alternatives", () => {
    const text = formatCost(parseCostOptions({}));
    assert.match(text, /vCPU \+ memory\s+237\.14 USD/);
    assert.match(text, /total\s+253\.47 USD a month/);
    assert.match(text, /with Streaming Engine \(n1-standard-2, 30 GB disk/);
    assert.match(text, /on n1-standard-8: /);
    const cli = runCli(["cost", "--workers", "2", "--framesPerSecond", "250"]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /2 x n1-standard-4/);
    assert.match(cli.stdout, /per hour of video/);
    assert.doesNotMatch(cli.stdout, /237\.14/, "the original's note is only for its own deployment");
    const bad = runCli(["cost", "--machineType", "huge"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--machineType must be a machine type like n1-standard-4 \(got "huge"\)/);
  });
});
