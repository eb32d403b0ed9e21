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
const beamLayer = readdirSync(path.join(src, "beam")).map((f) => path.join("beam", f));

/** Every compiled file under dist/pipeline/src, relative to it. */
function compiledFiles(dir = path.join(repoRoot, "dist", "pipeline", "src"), prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? compiledFiles(path.join(dir, e.name), path.join(prefix, e.name))
      : e.name.endsWith(".js")
        ? [path.join(prefix, e.name)]
        : [],
  );
}

describe("Beam layer sources", () => {
  for (const file of beamLayer) {
    it(`${file} avoids what ts-closure-transform miscompiles`, () => {
      const text = readFileSync(path.join(src, file), "utf8");
      assert.doesNotMatch(text, /\b(const|let|var)\s*\[[^\]]*,/, "array destructuring declarations lose all but their first element");
      assert.doesNotMatch(text, /^import type [^;]* from "(?!\.)/m, "type-only imports of packages become require() calls");
    });
  }

  it("the build applies the transform to exactly the beam folder", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the build's own CommonJS plug-in, as tspc loads it
    const transform = require(path.join(repoRoot, "scripts", "beam-closure-transform.js"));
    assert.equal(typeof transform.before, "function");
    const files = compiledFiles();
    const transformed = files.filter((f) => /__closure/.test(readFileSync(path.join(repoRoot, "dist", "pipeline", "src", f), "utf8")));
    assert.deepEqual(transformed.sort(), files.filter((f) => f.startsWith(`beam${path.sep}`)).sort());
    assert.ok(transformed.includes(path.join("beam", "pipeline.js")), transformed.join(", "));
  });
});
