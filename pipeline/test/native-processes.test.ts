/**
 * How videoflow starts ffmpeg and ffprobe (util/spawn.ts): with the
 * posix_spawn addon that set-up builds, and with Node's child_process where
 * it is missing, each held to the same behaviour.
 */
import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { describe, it } from "node:test";
import { spawnSync } from "node:child_process";
import { spawnMethod, startTool, type StdioSpec, type ToolProcess } from "../src/util/native-processes";
import { tempDir } from "./helpers";

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  outputs: string[];
  error?: NodeJS.ErrnoException;
}

/** Runs a program to its "close" event, collecting what each pipe carried. */
function finish(child: ToolProcess): Promise<Finished> {
  const outputs = child.stdio.map(() => "");
  child.stdio.forEach((stream: Readable | null, i) => stream?.on("data", (chunk: Buffer) => (outputs[i] += chunk.toString())));
  let error: NodeJS.ErrnoException | undefined;
  child.on("error", (err) => (error = err));
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, outputs, error })));
}

const run = (method: "posix_spawn" | "child_process", args: string[], stdio: StdioSpec[] = ["ignore", "pipe", "pipe"]) =>
  finish(startTool(args[0], args.slice(1), stdio, method));

describe("starting programs", () => {
  it("uses the posix_spawn addon that set-up builds", () => {
    assert.equal(spawnMethod(), "posix_spawn");
  });

  it("ends a process with the status given, after its exit listeners and with its output out", () => {
    // Arrange: a Node process that writes, listens for "exit", and ends by exitNow.
    const module = path.resolve(__dirname, "..", "src", "util", "native-processes.js");
    const script = `process.on("exit", (code) => console.log("exit listener saw " + code));
      process.stdout.write("x".repeat(200000) + "\\n");
      require(${JSON.stringify(module)}).exitNow(3).then(() => console.log("not reached"));`;

    // Act
    const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", maxBuffer: 1 << 20 });

    // Assert
    assert.equal(run.status, 3);
    const lines = run.stdout.split("\n");
    assert.equal(lines[0].length, 200000, "everything written before is out");
    assert.equal(lines[1], "exit listener saw 3");
    assert.ok(!run.stdout.includes("not reached"));
  });

  for (const method of ["posix_spawn", "child_process"] as const) {
    describe(method, () => {
      it("reports the exit status, after every pipe's output has arrived", async () => {
        const done = await run(method, ["/bin/sh", "-c", "printf out; printf err >&2; head -c 1000000 /dev/zero; exit 3"]);
        assert.equal(done.code, 3);
        assert.equal(done.signal, null);
        assert.equal(done.outputs[1].length, 3 + 1000000);
        assert.ok(done.outputs[1].startsWith("out"));
        assert.equal(done.outputs[2], "err");
      });

      it("passes arguments as they are (no shell) and the current environment", async () => {
        process.env.VIDEOFLOW_SPAWN_TEST = "from the parent";
        try {
          const done = await run(method, ["/bin/sh", "-c", 'printf "%s|%s" "$1" "$VIDEOFLOW_SPAWN_TEST"', "sh", "a b; $(no) 'c'"]);
          assert.equal(done.outputs[1], "a b; $(no) 'c'|from the parent");
        } finally {
          delete process.env.VIDEOFLOW_SPAWN_TEST;
        }
      });

      it("starts the child with no signal ignored or blocked (Node ignores SIGPIPE)", async () => {
        const done = await run(method, ["/bin/grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"]);
        const mask = (name: string) => BigInt("0x" + (new RegExp(`^${name}:\\s+([0-9a-f]+)$`, "m").exec(done.outputs[1])?.[1] ?? "ff"));
        // glibc's posix_spawn leaves its two internal signals (32 and 33: bits 31 and 32) ignored, and cannot be
        // told otherwise; every glibc program sets its own handlers for them when it starts.
        const glibcInternal = (1n << 31n) | (1n << 32n);
        assert.equal(mask("SigBlk"), 0n);
        assert.equal(mask("SigIgn") & ~glibcInternal, 0n);
      });

      it("hands a file descriptor of the parent's to the child", async () => {
        const file = path.join(tempDir(), "out.txt");
        const fd = openSync(file, "w");
        try {
          const done = await run(method, ["/bin/echo", "into the file"], ["ignore", fd, "ignore"]);
          assert.equal(done.code, 0);
        } finally {
          closeSync(fd);
        }
        assert.equal(readFileSync(file, "utf8"), "into the file\n");
      });

      it("reports the signal that ended a killed child", async () => {
        const child = startTool("/bin/sleep", ["30"], ["ignore", "pipe", "pipe"], method);
        const done = finish(child);
        assert.equal(child.kill("SIGKILL"), true);
        const { code, signal } = await done;
        assert.equal(code, null);
        assert.equal(signal, "SIGKILL");
        assert.equal(child.kill("SIGKILL"), false, "a child that has exited is not signalled again");
      });

      it("emits an ENOENT error, then close, for a program that does not exist", async () => {
        const child = startTool(path.join(tempDir(), "no-such-ffmpeg"), ["-version"], ["ignore", "pipe", "pipe"], method);
        assert.ok(child.stdout && child.stderr, "the pipes asked for exist, as callers listen on them at once");
        const done = await finish(child);
        assert.equal(done.error?.code, "ENOENT");
        assert.match(done.error?.message ?? "", /no-such-ffmpeg/);
        assert.notEqual(done.code, 0);
      });
    });
  }
});
