/**
 * bin/videoflow starts Node from the start-up snapshot that `npm run build`
 * makes (scripts/build-snapshot.js). Its modules were loaded when it was
 * built: a run from it must still take its caller's environment, run the
 * pipeline to the same outputs, and load the modules it did not hold
 * (another command's) as shared, not second, copies.
 */
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { STARTUP_SNAPSHOT, startupSnapshotCurrent } from "../src/launch/startup-snapshot";
import { warmUpForSnapshot } from "../src/launch/snapshot-warm-up";
import { ffmpegPath, ffprobePath } from "../src/video/tools";
import { cli, makeClip, recordingWrapper, runCli, tempDir } from "./helpers";

describe("start-up snapshot", () => {
  it("is current after the build, so bin/videoflow starts from it", () => {
    assert.ok(startupSnapshotCurrent(), `${STARTUP_SNAPSHOT} missing or older than the compiled code: npm run build makes it`);
  });

  it("warms up on a made-up video the probe still reads (else the build goes on without the warm-up)", () => {
    // Act: what scripts/snapshot-entry.js runs while the snapshot is built
    const video = warmUpForSnapshot();
    // Assert
    assert.deepEqual([video.codec, video.width, video.height, video.fps, video.frames], ["h264", 320, 240, 25, 50]);
    assert.equal(video.audioCodec, "aac");
  });

  it("runs `process` with its caller's environment, not the build's", () => {
    // Arrange: ffmpeg and ffprobe named by the environment, as the image names them
    const dir = tempDir();
    const clip = makeClip(path.join(dir, "clip.mp4"), { width: 160, height: 120, rate: "25", seconds: 2 });
    const log = path.join(dir, "tools.log");
    const env = {
      VIDEOFLOW_FFMPEG: recordingWrapper(dir, "ffmpeg", ffmpegPath(), log),
      VIDEOFLOW_FFPROBE: recordingWrapper(dir, "ffprobe", ffprobePath(), log),
      VIDEOFLOW_SCRATCH: path.join(dir, "scratch"),
    };
    delete process.env.GLIBC_TUNABLES; // (runCli's environment is this process's, with env over it)
    // Act
    const run = runCli(["process", clip, "--output", path.join(dir, "out")], env);
    // Assert
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const runs = readFileSync(log, "utf8").trim().split("\n");
    assert.ok(runs.some((r) => r.startsWith("ffprobe: ")) && runs.some((r) => r.startsWith("ffmpeg: ")), runs.join("\n"));
    // bin/videoflow gave Node huge pages for its malloc (glibc's tunable), and Node did not pass them on
    for (const line of runs.filter((r) => r.startsWith("ffmpeg: "))) {
      assert.match(line, /--snapshot-blob \S+videoflow\.blob process /, "started from the snapshot");
      assert.match(line, / \| own unset \| parent's GLIBC_TUNABLES=glibc\.malloc\.hugetlb=1 \| args /);
    }
    // The probes ran in bin/videoflow's shell, before the tunable was set (probe.test.ts: Node took their results)
    for (const line of runs.filter((r) => r.startsWith("ffprobe: ")))
      assert.match(line, /^ffprobe: \/bin\/sh \S+ process .* \| own unset \| parent's unset \| args /);
    const manifest = JSON.parse(readFileSync(path.join(dir, "out", "clip.mp4", "manifest.json"), "utf8"));
    assert.equal(manifest.video.frames, 50);
    assert.ok(existsSync(path.join(dir, "scratch")), "scratch files went where VIDEOFLOW_SCRATCH says");
  });

  it("leaves a caller's own glibc tunables as they are, for Node and for the programs it starts", () => {
    // Arrange
    const dir = tempDir();
    const clip = makeClip(path.join(dir, "clip.mp4"), { width: 160, height: 120, rate: "25", seconds: 1 });
    const log = path.join(dir, "tools.log");
    const env = {
      GLIBC_TUNABLES: "glibc.malloc.arena_max=2",
      VIDEOFLOW_FFMPEG: recordingWrapper(dir, "ffmpeg", ffmpegPath(), log),
      VIDEOFLOW_FFPROBE: recordingWrapper(dir, "ffprobe", ffprobePath(), log),
    };
    // Act
    const run = runCli(["process", clip, "--output", path.join(dir, "out"), "--writeGrayVideo", "false"], env);
    // Assert
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const runs = readFileSync(log, "utf8").trim().split("\n");
    assert.ok(runs.length >= 2, runs.join("\n"));
    for (const line of runs)
      assert.match(line, / \| own glibc\.malloc\.arena_max=2 \| parent's GLIBC_TUNABLES=glibc\.malloc\.arena_max=2 \| args /);
  });

  it("runs `process` without Node's module loader: its modules are in the snapshot, its native addons opened directly", () => {
    // Arrange
    const dir = tempDir();
    const clip = makeClip(path.join(dir, "clip.mp4"), { width: 160, height: 120, rate: "25", seconds: 1 });
    // Act: Node's loader notes each module it loads (NODE_DEBUG=module); the preview loads OpenCV's binding
    const run = runCli(["process", clip, "--output", path.join(dir, "out"), "--writeGrayVideo", "false"], { NODE_DEBUG: "module" });
    // Assert
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.ok(existsSync(path.join(dir, "out", "clip.mp4", "preview.jpg")), "OpenCV drew the preview");
    assert.deepEqual(
      run.stderr.split("\n").filter((line) => line.includes("Module._load")),
      [],
    );
  });

  it("says so at a terminal when it starts without a snapshot older than the code, and only then", () => {
    // Arrange: bin/videoflow in a made-up project whose entry script only says it ran, its snapshot older than it
    const root = tempDir();
    mkdirSync(path.join(root, "bin"));
    copyFileSync(cli, path.join(root, "bin", "videoflow"));
    mkdirSync(path.join(root, ".cache", "snapshot"), { recursive: true });
    writeFileSync(path.join(root, ".cache", "snapshot", "videoflow.blob"), "");
    mkdirSync(path.join(root, "dist", "pipeline", "src"), { recursive: true });
    const main = path.join(root, "dist", "pipeline", "src", "main.js");
    writeFileSync(main, "console.log('entry script ran')");
    utimesSync(path.join(root, ".cache", "snapshot", "videoflow.blob"), new Date(2026, 0, 1), new Date(2026, 0, 1));
    const launcher = path.join(root, "bin", "videoflow");
    /** The launcher's output, its stderr a terminal (script's pseudo-terminal) or not. */
    const run = (terminal: boolean, env: Record<string, string> = {}) => {
      const options = { env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`, ...env } };
      const result = terminal
        ? spawnSync("script", ["-qec", `'${launcher}' help`, "/dev/null"], options)
        : spawnSync(launcher, ["help"], options);
      return result.stdout.toString() + result.stderr.toString();
    };
    // Act
    const atTerminal = run(true);
    const piped = run(false);
    const chosen = run(true, { VIDEOFLOW_NO_SNAPSHOT: "1" });
    utimesSync(main, new Date(2025, 0, 1), new Date(2025, 0, 1));
    const noSnapshotNode = run(true);
    // Assert
    assert.match(atTerminal, /start-up snapshot is older than the compiled code.*npm run build/);
    assert.match(atTerminal, /entry script ran/);
    assert.equal(piped.trim(), "entry script ran", "not to a program reading its output");
    assert.doesNotMatch(chosen, /snapshot/, "not when the caller chose to start without it");
    assert.doesNotMatch(noSnapshotNode, /snapshot/, "not when the snapshot is current (its Node is missing here)");
  });

  it("loads a command it does not hold through Node's loader, sharing its modules", () => {
    // Arrange: commands/listen.js is not in the snapshot (scripts/build-snapshot.js, PRELOAD): Node's loader loads
    // it, and its options module must be the snapshot's, whose UsageError main.ts tells apart by class
    const args = ["listen", "--inputSubscription", "not-a-subscription", "--output", "gs://b/p"];
    // Act
    const run = runCli(args);
    // Assert: a usage error (exit 2, the parameter named); a second copy of the options would throw another
    // class of UsageError, which main.ts reports as a failure (exit 1, a stack trace)
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /inputSubscription/);
  });
});
