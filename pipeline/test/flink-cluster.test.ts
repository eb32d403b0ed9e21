/**
 * Running on an existing Flink cluster (--flinkMaster): the checks made
 * before anything is submitted, against a real Flink JobManager started from
 * the project's own class path (no Flink distribution needed).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  checkCluster,
  clusterFlinkVersion,
  flinkClassPath,
  flinkVersionOf,
  isThisMachine,
  pathsForCluster,
  versionProblem,
  workersFor,
} from "../src/launch/flink-cluster";
import { FlinkSession, freePort, startFlinkSession } from "../dev/flink-session";
import { repoRoot, tempDir } from "./helpers";

const cli = path.join(repoRoot, "dist", "pipeline", "src", "main.js");

describe("a Flink cluster's paths and version, decided before submission", () => {
  it("makes local paths absolute for a cluster on this machine, keeps gs:// as it is", () => {
    assert.deepEqual(pathsForCluster(["in/a.mp4", "/data/b.mp4", "gs://bucket/c.mp4"], "localhost:8081", false, "/home/me"), [
      "/home/me/in/a.mp4",
      "/data/b.mp4",
      "gs://bucket/c.mp4",
    ]);
    assert.ok(isThisMachine("127.0.0.1:8081") && isThisMachine("[::1]:8081") && !isThisMachine("flink-jm.example.com:8081"));
  });

  it("refuses a local path for a cluster on another host, in one line naming the path, unless paths are shared", () => {
    assert.throws(
      () => pathsForCluster(["gs://bucket/a.mp4", "out"], "flink-jm.example.com:8081", false),
      /^Error: out is a local path, which the workers of the Flink cluster at flink-jm\.example\.com:8081 \(another host\) cannot read or write: use gs:\/\/ paths, or --sharedPaths true/,
    );
    assert.deepEqual(pathsForCluster(["gs://bucket/a.mp4"], "flink-jm.example.com:8081", false), ["gs://bucket/a.mp4"]);
    assert.deepEqual(pathsForCluster(["out"], "flink-jm.example.com:8081", true, "/shared"), ["/shared/out"]);
  });

  it("compares Flink versions by major.minor, and says which are which", () => {
    assert.equal(versionProblem("1.15.4", "1.15.0", "jm:8081"), null);
    assert.equal(
      versionProblem("1.15.4", "1.17.2", "jm:8081"),
      "the Flink cluster at jm:8081 runs Flink 1.17.2; videoflow's Flink runner needs Flink 1.15.x (it has 1.15.4)",
    );
    assert.equal(flinkVersionOf("/m2/org/apache/flink/flink-runtime/1.15.4/flink-runtime-1.15.4.jar:/x.jar"), "1.15.4");
  });

  it("runs the workers in the TaskManagers' processes on a cluster, unless told otherwise", () => {
    assert.equal(workersFor({ flinkMaster: "jm:8081" }), "PROCESS");
    assert.equal(workersFor({}), "LOOPBACK");
    assert.equal(workersFor({ flinkMaster: "jm:8081", environmentType: "LOOPBACK" }), "LOOPBACK");
  });
});

/** Runs the CLI; resolves with its exit status and what it wrote to stderr. */
function videoflow(args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 60000 });
  return { status: run.status, stderr: run.stderr };
}

describe("a real Flink JobManager", () => {
  let session: FlinkSession | undefined;
  let master = "";

  before(async () => {
    // Arrange: a session cluster's JobManager alone, its own JVM, from the job server's class path.
    session = await startFlinkSession(tempDir("videoflow-flink-session-"), 0);
    master = session.master;
  });

  after(async () => {
    await session?.stop();
  });

  it("reports its Flink version, the one the job server's class path has", async () => {
    // Act
    const version = await clusterFlinkVersion(master);
    // Assert
    assert.equal(version, flinkVersionOf(flinkClassPath()));
    await checkCluster(master);
  });

  it("process refuses, in one line each, a master that does not answer, and --flinkMaster without --runner flink", async () => {
    // Arrange: a port nothing listens on.
    const closed = `127.0.0.1:${await freePort()}`;
    const out = tempDir();
    // Act
    const silent = videoflow(["process", "a.mp4", "--output", out, "--runner", "flink", "--flinkMaster", closed]);
    const direct = videoflow(["process", "a.mp4", "--output", out, "--flinkMaster", master]);
    // Assert
    assert.equal(silent.status, 2, silent.stderr);
    assert.match(silent.stderr, new RegExp(`^videoflow: the Flink cluster at ${closed} does not answer`));
    assert.equal(silent.stderr.trim().split("\n").length, 2, silent.stderr);
    assert.equal(direct.status, 2, direct.stderr);
    assert.match(direct.stderr, /--flinkMaster is for --runner flink \(got --runner direct\)/);
  });

  it("process refuses a local path for a cluster on another host, without waiting for it", () => {
    // Act
    const run = videoflow([
      "process",
      "a.mp4",
      "--output",
      "gs://bucket/out",
      "--runner",
      "flink",
      "--flinkMaster",
      "flink-jm.invalid:8081",
    ]);
    // Assert
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /a\.mp4 is a local path, which the workers of the Flink cluster at flink-jm\.invalid:8081 \(another host\)/);
  });
});
