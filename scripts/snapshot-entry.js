/**
 * The script Node runs to build videoflow's start-up snapshot
 * (`node --build-snapshot`, started by scripts/build-snapshot.js; see there
 * why). Node's own module loader cannot be used while a snapshot is built,
 * so this loads the modules the manifest lists (the compiled code in dist/
 * and the packages it requires, each compiled from its own file, as Node
 * compiles it, so that stack traces name the real file and line) and
 * resolves each require() as Node resolved it when the manifest was written.
 * When a run from the snapshot first uses Node's loader, every module loaded
 * here is handed to it (Module._cache), so that a module required later, in
 * the usual way, shares them rather than loading second copies.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const v8 = require("node:v8");
const vm = require("node:vm");
const NodeModule = require("node:module");

const manifest = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
/** filename -> { exports, loaded } of each module loaded here. */
const loaded = new Map();

function load(filename) {
  const done = loaded.get(filename);
  if (done) return done.exports;
  const module = { id: filename, filename, exports: {}, loaded: false, children: [], paths: [] };
  loaded.set(filename, module);
  const source = fs.readFileSync(filename, "utf8");
  if (filename.endsWith(".json")) {
    module.exports = JSON.parse(source);
  } else {
    const wrapper = vm.compileFunction(source.replace(/^#!.*/, ""), ["exports", "require", "module", "__filename", "__dirname"], {
      filename,
    });
    wrapper.call(module.exports, module.exports, requireFrom(filename), module, filename, path.dirname(filename));
  }
  module.loaded = true;
  return module.exports;
}

function requireFrom(filename) {
  const resolved = manifest.resolved[filename] ?? {};
  const req = (request) => {
    if (NodeModule.isBuiltin(request)) return require(request);
    const target = resolved[request];
    if (target === undefined) {
      // Not seen when the manifest was written (a module loaded only on some paths): Node's loader, once running.
      if (v8.startupSnapshot.isBuildingSnapshot()) throw new Error(`${filename} required "${request}", which the manifest lacks`);
      // A module loaded here that the manifest has under another request (main.ts's `await import()` of a command
      // never ran while it was written): resolved by Node's rules, then taken from here.
      const nodeRequire = NodeModule.createRequire(filename);
      const file = nodeRequire.resolve(request);
      const here = loaded.get(file);
      if (here) return here.exports;
      // A native addon requires no JavaScript: the modules are handed over when Node's loader first loads one that may.
      if (!file.endsWith(".node")) shareWithNodeLoader();
      return nodeRequire(request);
    }
    return load(target);
  };
  req.resolve = (request, options) => NodeModule.createRequire(filename).resolve(request, options);
  return req;
}

/**
 * Hands the modules loaded here to Node's loader, as if it had loaded them;
 * once, and only when Node's loader is first used (210 modules: 2-4 ms of
 * CPU profiles that `process` spent before its first ffmpeg).
 */
let handedOver = false;
function shareWithNodeLoader() {
  if (handedOver) return;
  handedOver = true;
  for (const [filename, module] of loaded) {
    const shared = new NodeModule(filename, null);
    shared.filename = filename;
    shared.paths = NodeModule._nodeModulePaths(path.dirname(filename));
    shared.exports = module.exports;
    shared.loaded = true;
    NodeModule._cache[filename] = shared;
  }
}

const main = load(manifest.main);
const early = load(manifest.earlyProbes);
for (const filename of manifest.preload) load(filename);
try {
  load(manifest.warmUp).warmUpForSnapshot();
} catch (err) {
  // Only time lost: a run does the same work itself.
  console.warn(`build-snapshot: the warm-up failed, the snapshot is built without it (${err.message})`);
}

v8.startupSnapshot.setDeserializeMainFunction(() => {
  const argv = process.argv.slice(1);
  // The huge pages bin/videoflow asked for were for Node's start: the programs it starts get the caller's environment.
  if (process.env.VIDEOFLOW_HUGE_PAGES) {
    delete process.env.GLIBC_TUNABLES;
    delete process.env.VIDEOFLOW_HUGE_PAGES;
  }
  // What main.ts does when run (the modules loaded here go to Node's loader when that is first used: requireFrom).
  early.startEarlyProbes(argv);
  // For modules loaded after start (the other commands'), as in every entry point (util/compile-cache.ts).
  NodeModule.enableCompileCache?.();
  main.runCommandLine(argv);
});
