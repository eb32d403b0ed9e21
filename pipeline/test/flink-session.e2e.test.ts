/**
 * End to end on an existing Flink cluster: a session cluster of a JobManager
 * and two TaskManagers, each its own JVM (pipeline/dev/flink-session.ts),
 * whose TaskManagers start the workers (PROCESS). On it, `videoflow process
 * --runner flink --flinkMaster` with relative paths, then the streaming job,
 * `videoflow listen --runner flink --flinkMaster`, against the emulators.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { FlinkSession, startFlinkSession } from "../dev/flink-session";
import { ListenerProcess } from "../dev/listener-process";
import { LocalStack, startLocalStack } from "../dev/stack";
import { probeVideo } from "../src/video/probe";
import { planSegments } from "../src/video/segment";
import { CliResult, makeClip, runCliAsync, tempDir, videoFacts } from "./helpers";

const IN = "uploads-bucket";
const OUT = "results-bucket";

const rest = async (master: string, p: string): Promise<any> => (await fetch(`http://${master}${p}`)).json();

/** The cluster's jobs whose name passes `named`. */
async function jobsNamed(master: string, named: (name: string) => boolean): Promise<Array<{ jid: string; name: string; state: string }>> {
  return (await rest(master, "/jobs/overview")).jobs.filter((j: { name: string }) => named(j.name));
}

/** What each TaskManager did in the vertex of job `jid` whose name has `step`: records read, by TaskManager id. */
async function recordsByTaskManager(master: string, jid: string, step: string): Promise<Record<string, number>> {
  const job = await rest(master, `/jobs/${jid}`);
  const vertex = job.vertices.find((v: { name: string }) => v.name.includes(step));
  assert.ok(vertex, `a vertex runs ${step}: ${job.vertices.map((v: { name: string }) => v.name).join(" | ")}`);
  const { taskmanagers } = await rest(master, `/jobs/${jid}/vertices/${vertex.id}/taskmanagers`);
  return Object.fromEntries(taskmanagers.map((t: any) => [t["taskmanager-id"], t.metrics["read-records"]]));
}

/** The processes still alive in any of `groups`. */
function processesIn(groups: number[]): string[] {
  return execFileSync("ps", ["-eo", "pgid=,pid=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((line) => groups.includes(Number(line.trim().split(/\s+/)[0])));
}

describe("videoflow on a Flink session cluster (--flinkMaster)", () => {
  const dir = tempDir();
  let stack: LocalStack;
  let session: FlinkSession | undefined;

  before(async () => {
    stack = await startLocalStack({ inputBuckets: [IN], buckets: [OUT] });
    // The cluster's hosts know the emulators, as a real cluster's hosts know Google Cloud: their workers inherit it.
    session = await startFlinkSession(tempDir("videoflow-flink-session-"), 2, { env: stack.env });
  });

  after(async () => {
    await session?.stop();
    await stack?.stop();
  });

  describe("process --runner flink --flinkMaster", () => {
    let run: CliResult;

    before(async () => {
      // Arrange: a 12 s clip and a file that is no video, named by relative paths. About 23 segments: Beam's
      // reshuffle spreads them at random over the job's 4 subtasks (2 a TaskManager), so all of them landing on
      // one TaskManager has odds of about 2^-22.
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
          session!.master,
          "--segmentSeconds",
          "0.5",
        ],
        {},
        dir,
      );
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
      const jobs = await jobsNamed(session!.master, (name) => name === "videoflow");
      assert.deepEqual(
        jobs.map((j) => j.state),
        ["FINISHED"],
        "one batch job ran on the cluster, to its end",
      );
      const records = await recordsByTaskManager(session!.master, jobs[0].jid, "processSegment");
      assert.equal(Object.keys(records).length, 2, JSON.stringify(records));
      for (const [taskManager, read] of Object.entries(records))
        assert.ok(read > 0, `${taskManager} processed no segment: ${JSON.stringify(records)}`);
    });
  });

  describe("listen --runner flink --flinkMaster, against the emulators", () => {
    let listener: ListenerProcess;
    const uploads = ["cam/a.mp4", "cam/b.mp4", "cam/c.mp4"];
    // The worker entry point where the cluster's hosts have it (--workerCommand): here a link to this build's.
    const workerCommand = path.join(dir, "hosts-bin", "videoflow-worker");

    before(async () => {
      // Arrange
      const clip = makeClip(path.join(dir, "short.mp4"), { width: 320, height: 180, rate: "25", seconds: 3 });
      mkdirSync(path.dirname(workerCommand));
      symlinkSync(path.resolve(__dirname, "../src/launch/worker-boot.js"), workerCommand);
      listener = new ListenerProcess(
        [
          "--runner",
          "flink",
          "--flinkMaster",
          session!.master,
          "--inputSubscription",
          stack.subscription,
          "--output",
          `gs://${OUT}/videoflow`,
          "--deadLetterTopic",
          stack.deadLetterTopic,
          "--workerCommand",
          workerCommand,
        ],
        stack.env,
      );
      await listener.waitFor((e) => e.event === "listening", "listening", 180000);
      // Act: a burst of uploads, one of them no video.
      for (const name of uploads)
        await stack.storage.bucket(IN).upload(clip, { destination: name, contentType: "video/mp4", resumable: false });
      await stack.storage
        .bucket(IN)
        .file("cam/broken.mp4")
        .save(Buffer.from("not a video at all"), { contentType: "video/mp4", resumable: false });
    });

    after(async () => {
      await listener?.stop("SIGKILL");
    });

    it("runs as a job of its own on the cluster, a subtask in each of its 4 slots, its workers from --workerCommand", async () => {
      const jobs = await jobsNamed(session!.master, (name) => name.startsWith("videoflow-listen-"));
      assert.deepEqual(
        jobs.map((j) => j.state),
        ["RUNNING"],
      );
      const { vertices } = await rest(session!.master, `/jobs/${jobs[0].jid}`);
      assert.ok(
        vertices.every((v: { parallelism: number }) => v.parallelism === 4),
        JSON.stringify(vertices.map((v: { parallelism: number }) => v.parallelism)),
      );
      const workers = processesIn(session!.processGroups).filter((line) => line.includes(workerCommand));
      assert.ok(workers.length > 0, "the TaskManagers started their workers with --workerCommand");
    });

    it("processes each upload once and dead-letters the broken one", async () => {
      for (const name of uploads) {
        await listener.waitFor((e) => e.event === "processed" && e.object === `gs://${IN}/${name}`, `${name} processed`, 180000);
        const [files] = await stack.storage.bucket(OUT).getFiles({ prefix: `videoflow/${name}/` });
        const manifest = files.find((f) => f.name.endsWith("/manifest.json"));
        assert.ok(manifest, `${name}: ${files.map((f) => f.name).join(", ")}`);
        assert.equal(JSON.parse((await manifest.download())[0].toString()).video.frames, 75);
        const gray = path.join(dir, `${path.basename(name)}-gray.mp4`);
        await files.find((f) => f.name.endsWith("/gray.mp4"))!.download({ destination: gray });
        assert.equal(videoFacts(gray).frames, 75);
      }
      const broken = await listener.waitFor(
        (e) => e.event === "dead letter" && String(e.video).startsWith("cam/broken.mp4/"),
        "the broken upload dead-lettered",
        180000,
      );
      const record = JSON.parse(
        (await stack.storage.bucket(OUT).file(`videoflow/_deadletter/${broken.video}.json`).download())[0].toString(),
      );
      assert.equal(record.stage, "probe");
      for (const name of uploads) assert.equal(listener.processed(`gs://${IN}/${name}`).length, 1, name);
    });

    it("cancels its job on SIGTERM, and the cluster goes on", async () => {
      // Act
      const code = await listener.stop("SIGTERM");
      // Assert
      assert.equal(code, 0, listener.stderr);
      const jobs = await jobsNamed(session!.master, (name) => name.startsWith("videoflow-listen-"));
      assert.deepEqual(
        jobs.map((j) => j.state),
        ["CANCELED"],
      );
      assert.equal((await rest(session!.master, "/overview")).taskmanagers, 2);
    });
  });

  it("stops with the test, leaving no JVM or worker behind", async () => {
    const groups = session!.processGroups;
    // Act
    await session!.stop();
    // Assert
    assert.equal(groups.length, 3);
    assert.deepEqual(processesIn(groups), []);
  });
});
