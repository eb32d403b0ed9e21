/**
 * End to end on an existing Flink cluster: a session cluster of a JobManager
 * and two TaskManagers, each its own JVM (pipeline/dev/flink-session.ts),
 * and `videoflow process --runner flink --flinkMaster` submitting to it with
 * relative paths. The TaskManagers start the workers (PROCESS).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { FlinkSession, startFlinkSession } from "../dev/flink-session";
import { probeVideo } from "../src/video/probe";
import { planSegments } from "../src/video/segment";
import { CliResult, makeClip, runCliAsync, tempDir } from "./helpers";

/** What each TaskManager did in the job's vertex whose name has `step`: records read, by TaskManager id. */
async function recordsByTaskManager(master: string, step: string): Promise<Record<string, number>> {
  const get = async (p: string) => (await fetch(`http://${master}${p}`)).json() as Promise<any>;
  const { jobs } = await get("/jobs/overview");
  assert.equal(jobs.length, 1, "one job ran on the cluster");
  const job = await get(`/jobs/${jobs[0].jid}`);
  const vertex = job.vertices.find((v: { name: string }) => v.name.includes(step));
  assert.ok(vertex, `a vertex runs ${step}: ${job.vertices.map((v: { name: string }) => v.name).join(" | ")}`);
  const { taskmanagers } = await get(`/jobs/${jobs[0].jid}/vertices/${vertex.id}/taskmanagers`);
  return Object.fromEntries(taskmanagers.map((t: any) => [t["taskmanager-id"], t.metrics["read-records"]]));
}

describe("videoflow process on a Flink session cluster (--flinkMaster)", () => {
  const dir = tempDir();
  let session: FlinkSession | undefined;
  let run: CliResult;

  before(async () => {
    // Arrange: the cluster, a 12 s clip and a file that is no video, named by relative paths. About 23 segments:
    // Beam's reshuffle spreads them at random over the job's 4 subtasks (2 a TaskManager), so all of them landing
    // on one TaskManager has odds of about 2^-22.
    session = await startFlinkSession(tempDir("videoflow-flink-session-"), 2);
    makeClip(path.join(dir, "clip.mp4"), { width: 320, height: 180, rate: "25", seconds: 12 });
    writeFileSync(path.join(dir, "notes.mp4"), "not a video\n".repeat(100));
    // Act
    run = await runCliAsync(
      [
        "process",
        "clip.mp4",
        "notes.mp4",
        "--output",
        "out",
        "--runner",
        "flink",
        "--flinkMaster",
        session.master,
        "--segmentSeconds",
        "0.5",
      ],
      {},
      dir,
    );
  });

  after(async () => {
    await session?.stop();
  });

  it("processes the video and dead-letters the bad input, relative paths and all", async () => {
    assert.equal(run.code, 1, `${run.stdout.slice(-3000)}${run.stderr.slice(-3000)}`);
    const manifest = JSON.parse(readFileSync(path.join(dir, "out", "clip.mp4", "manifest.json"), "utf8"));
    assert.equal(manifest.video.frames, 300);
    const planned = planSegments((await probeVideo(path.join(dir, "clip.mp4"), "clip.mp4")).timeline, 0.5);
    assert.equal(manifest.segments, planned.length);
    assert.ok(planned.length >= 20, `${planned.length} segments`);
    assert.ok(existsSync(path.join(dir, "out", "clip.mp4", "gray.mp4")));
    const record = JSON.parse(readFileSync(path.join(dir, "out", "_deadletter", "notes.mp4.json"), "utf8"));
    assert.equal(record.stage, "probe");
    assert.equal(record.source, path.join(dir, "notes.mp4"), "the source as the workers saw it: absolute");
  });

  it("ran on that cluster, its segments on both TaskManagers", async () => {
    assert.ok(
      run.events.some((e) => e.event === "runner" && e.flinkMaster === session!.master),
      "the run says it submitted to the cluster",
    );
    const records = await recordsByTaskManager(session!.master, "processSegment");
    assert.equal(Object.keys(records).length, 2, JSON.stringify(records));
    for (const [taskManager, read] of Object.entries(records))
      assert.ok(read > 0, `${taskManager} processed no segment: ${JSON.stringify(records)}`);
  });
});
