/**
 * Every entry point turns on Node's compile cache before loading the rest of
 * videoflow (util/compile-cache.ts): a fresh cache folder fills with the
 * compiled code of the modules it loaded.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "./helpers";

const dist = path.resolve(__dirname, "..", "src");

/** Runs Node with only TMPDIR pointing at a fresh folder (and no NODE_COMPILE_CACHE); the cache entries it left there. */
function cacheEntriesAfter(args: string[]): string[] {
  const tmp = tempDir();
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  delete env.NODE_COMPILE_CACHE;
  delete env.NODE_DISABLE_COMPILE_CACHE;
  const result = spawnSync(process.execPath, args, { env, encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  const cache = path.join(tmp, "node-compile-cache");
  if (!existsSync(cache)) return [];
  return readdirSync(cache, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

describe("compile cache", () => {
  it("is filled by the command line", () => {
    // Arrange: the usage loads the options' modules (zod among them)
    const main = path.join(dist, "main.js");
    // Act
    const entries = cacheEntriesAfter([main, "help"]);
    // Assert
    assert.ok(entries.length >= 20, `${entries.length} modules cached`);
  });

  it("is filled by the worker boot, which loads Beam", () => {
    // Arrange: required, not run (it would wait for a provision service)
    const boot = path.join(dist, "launch", "worker-boot.js");
    // Act
    const entries = cacheEntriesAfter(["-e", `require(${JSON.stringify(boot)})`]);
    // Assert
    assert.ok(entries.length >= 100, `${entries.length} modules cached`);
  });

  it("is not filled by Node alone (the check above could fail)", () => {
    assert.deepEqual(cacheEntriesAfter(["-e", "require('node:path')"]), []);
  });
});
