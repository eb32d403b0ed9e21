import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { removeStaleScratch, scratchDir } from "../src/io/storage";
import { tempDir } from "./helpers";

describe("removeStaleScratch", () => {
  it("deletes what gone processes left and keeps this process's files", async () => {
    process.env.VIDEOFLOW_SCRATCH = tempDir();
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    const files = {
      staleInput: scratchDir("inputs", `0123abcd-${gone}`),
      staleWork: scratchDir("work", `beef-${gone}-segment-0.mp4`),
      staleReport: scratchDir("reports", `run-${gone}-1700000000000.jsonl`),
      ownWork: scratchDir("work", `beef-${process.pid}-gray.mp4`),
    };
    for (const f of Object.values(files)) {
      mkdirSync(path.dirname(f), { recursive: true });
      writeFileSync(f, "x");
    }
    await removeStaleScratch();
    assert.equal(existsSync(files.staleInput), false);
    assert.equal(existsSync(files.staleWork), false);
    assert.equal(existsSync(files.staleReport), false);
    assert.equal(existsSync(files.ownWork), true);
    delete process.env.VIDEOFLOW_SCRATCH;
  });
});
