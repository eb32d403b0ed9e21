/**
 * The shell scripts' own uses of the compiled code: `make demo` (the
 * README's first command) asks Node for ffmpeg's path, and it broke
 * unnoticed when ffmpegPath became a function (it printed "[Function:
 * ffmpegPath]", and the demo's first ffmpeg run failed on a fresh machine).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { ffmpegPath } from "../src/video/tools";

const repoRoot = path.resolve(__dirname, "..", "..", "..");

describe("scripts/demo.sh", () => {
  it("finds the ffmpeg the project runs, as a program it can start", () => {
    // Arrange: the script's own line
    const line = readFileSync(path.join(repoRoot, "scripts", "demo.sh"), "utf8")
      .split("\n")
      .find((l) => l.startsWith('ffmpeg="$(node '));
    assert.ok(line, "demo.sh sets ffmpeg from Node");
    // Act
    const run = spawnSync("bash", ["-c", `${line}\nprintf '%s' "$ffmpeg"`], {
      cwd: repoRoot,
      env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` },
    });
    // Assert
    assert.equal(run.status, 0, run.stderr.toString());
    const found = run.stdout.toString();
    assert.equal(found, ffmpegPath());
    accessSync(found, constants.X_OK);
  });
});
