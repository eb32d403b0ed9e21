/**
 * SharedFiles: the local copies a process's steps share (staged inputs,
 * continuous copies), on real files: kept while in use, removed once idle,
 * or at once when the video is finished.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { SharedFiles } from "../src/util/shared-files";
import { tempDir } from "./helpers";

describe("SharedFiles", () => {
  const dir = tempDir();
  let made = 0;
  /** Waits (up to 5 s, however busy the machine) for a file to be removed; whether it was. */
  const removed = async (file: string) => {
    for (let waited = 0; existsSync(file) && waited < 5000; waited += 20) await sleep(20);
    return !existsSync(file);
  };
  const base = path.join(dir, "copy");
  const make = async (file: string) => {
    made++;
    writeFileSync(file, "x");
  };

  it("makes a file once for all its users, and removes it only once the last has been done with it for the idle time", async () => {
    // Arrange
    const files = new SharedFiles(100);
    const makesBefore = made;
    // Act: two segments of one video on this worker.
    const [a, b] = await Promise.all([files.use("v", base, make), files.use("v", base, make)]);
    files.done("v");
    await sleep(150);
    // Assert
    assert.equal(a, b);
    assert.equal(made, makesBefore + 1, "one copy");
    assert.ok(existsSync(a), "the other segment still reads it");
    files.done("v");
    assert.ok(existsSync(a), "kept while idle, for another segment that may come");
    assert.ok(await removed(a), "idle for longer: removed");
    assert.equal(files.size, 0);
  });

  it("keeps an idle file that is used again, and makes a new one after it was removed", async () => {
    const files = new SharedFiles(100);
    const first = await files.use("v", base, make);
    files.done("v");
    assert.equal(await files.use("v", base, make), first, "used again while idle: the same copy");
    await sleep(150);
    assert.ok(existsSync(first), "in use again: its removal called off");
    files.done("v");
    assert.ok(await removed(first));
    const second = await files.use("v", base, make);
    assert.notEqual(second, first, "a new copy, under a name of its own");
    await files.remove("v");
    assert.equal(existsSync(second), false, "removed at once when the video is finished");
  });

  it("forgets a copy that could not be made, so that the next use tries again", async () => {
    const files = new SharedFiles(100);
    await assert.rejects(
      files.use("v", base, async (file) => {
        writeFileSync(file, "partial");
        throw new Error("download failed");
      }),
      /download failed/,
    );
    files.done("v");
    assert.equal(files.size, 0);
    const left = readdirSync(dir).filter((name) => readFileSync(path.join(dir, name), "utf8") === "partial");
    assert.deepEqual(left, [], "the partial file is removed");
    const file = await files.use("v", base, make);
    assert.ok(existsSync(file));
    await files.remove("v");
  });
});
