/**
 * The Beam layer is compiled with ts-closure-transform, which miscompiles
 * some ordinary TypeScript (see pipeline/src/beam/workarounds.ts). These
 * checks keep those forms out of it.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "./helpers";

const src = path.join(repoRoot, "pipeline", "src");
const beamLayer = ["pipeline.ts", path.join("runtimes", "run.ts"), ...readdirSync(path.join(src, "beam")).map((f) => path.join("beam", f))];

describe("Beam layer sources", () => {
  for (const file of beamLayer) {
    it(`${file} avoids what ts-closure-transform miscompiles`, () => {
      const text = readFileSync(path.join(src, file), "utf8");
      assert.doesNotMatch(text, /\b(const|let|var)\s*\[[^\]]*,/, "array destructuring declarations lose all but their first element");
      assert.doesNotMatch(text, /^import type [^;]* from "(?!\.)/m, "type-only imports of packages become require() calls");
    });
  }

  it("the build applies the transform to exactly these files", () => {
    const transform = require(path.join(repoRoot, "scripts", "beam-closure-transform.js"));
    assert.equal(typeof transform.before, "function");
    const compiled = (name: string) => readFileSync(path.join(repoRoot, "dist", "pipeline", "src", name), "utf8");
    assert.match(compiled("pipeline.js"), /__closure/);
    assert.doesNotMatch(compiled("steps.js"), /__closure/);
  });
});
