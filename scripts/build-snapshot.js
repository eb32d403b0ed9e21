#!/usr/bin/env node
/**
 * Builds videoflow's start-up snapshot (`npm run build` runs this after the
 * compiler): a V8 heap with videoflow's modules already loaded, which
 * bin/videoflow starts Node from (`node --snapshot-blob`).
 *
 * Why: `videoflow process` loads about 200 modules (Beam, its protobuf code,
 * zod, videoflow's own) before the pipeline runs: about 0.17 s of CPU even
 * with Node's compile cache, on the cores the first video's ffmpegs decode
 * on, and most of it before the first ffmpeg starts. Starting from the
 * snapshot costs about 0.04 s (docs/performance-log.md, Session 22).
 *
 * How: this process requires what `process` loads (PRELOAD) and records how
 * Node resolved every require() on the way (the manifest); then
 * scripts/snapshot-entry.js, run by `node --build-snapshot`, loads the same
 * files the same way, runs launch/snapshot-warm-up.ts's pure work once (so
 * that zod's and V8's first-use costs are paid here, not in every run), and
 * sets the snapshot's main, which does what main.ts does when run.
 * Written to .cache/snapshot: videoflow.blob, and `node`, a link to the Node
 * that built it (a snapshot starts only in the Node binary that wrote it).
 * Modules must not keep what they read from the environment when loaded
 * (it would be this build's): video/tools.ts, decode.ts and log.ts read it
 * when used; snapshot.test.ts checks that a run from the snapshot takes its
 * caller's.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");
const NodeModule = require("node:module");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist", "pipeline", "src");
const out = path.join(root, ".cache", "snapshot");
const MAIN = path.join(dist, "main.js");
const EARLY_PROBES = path.join(dist, "commands", "early-probes.js");
/** Work done once while the snapshot is built, so that runs find it done (launch/snapshot-warm-up.ts). */
const WARM_UP = path.join(dist, "launch", "snapshot-warm-up.js");
/** What `videoflow process` loads on the direct runner (main.ts and commands/process.ts load them on demand). */
const PRELOAD = [
  path.join(dist, "commands", "process.js"),
  path.join(dist, "commands", "command-line.js"),
  path.join(dist, "steps", "index.js"),
  path.join(dist, "runtimes", "run.js"),
  require.resolve("apache-beam/runners/direct_runner", { paths: [root] }),
  // OpenCV's binding is loaded when first used (video/vision.ts); its promisify is plain JavaScript
  path.join(path.dirname(require.resolve("@u4/opencv4nodejs", { paths: [root] })), "promisify.js"),
];

function recordResolutions() {
  const resolved = {};
  const original = NodeModule.prototype.require;
  // Every require() call (Node's loader skips resolving a relative request it resolved before from the same folder).
  NodeModule.prototype.require = function (request) {
    const target = NodeModule.isBuiltin(request) ? request : NodeModule._resolveFilename(request, this);
    // Node's own modules are required by name; native addons load when first used, through Node's loader (a
    // snapshot cannot hold them).
    if (!NodeModule.isBuiltin(target) && !target.endsWith(".node")) (resolved[this.filename] ??= {})[request] = target;
    return original.call(this, request);
  };
  try {
    for (const file of [MAIN, ...PRELOAD, WARM_UP]) require(file);
  } finally {
    NodeModule.prototype.require = original;
  }
  return resolved;
}

function main() {
  fs.mkdirSync(out, { recursive: true });
  const manifest = path.join(out, "manifest.json");
  fs.writeFileSync(
    manifest,
    JSON.stringify({ main: MAIN, earlyProbes: EARLY_PROBES, warmUp: WARM_UP, preload: PRELOAD, resolved: recordResolutions() }),
  );
  const blob = path.join(out, "videoflow.blob");
  const building = `${blob}.${process.pid}`;
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    ["--no-warnings", "--snapshot-blob", building, "--build-snapshot", path.join(__dirname, "snapshot-entry.js"), manifest],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  if (run.status !== 0) {
    fs.rmSync(building, { force: true });
    throw new Error(`building the start-up snapshot failed (${run.signal ?? `exit ${run.status}`})`);
  }
  fs.renameSync(building, blob);
  const node = path.join(out, "node");
  fs.rmSync(node, { force: true });
  fs.symlinkSync(process.execPath, node);
  const mib = (fs.statSync(blob).size / 2 ** 20).toFixed(1);
  console.log(`build-snapshot: ${path.relative(root, blob)} (${mib} MiB, ${Date.now() - started} ms) for Node ${process.version}`);
}

main();
