/**
 * The script Node runs to build videoflow's start-up snapshot
 * (`node --build-snapshot`, started by scripts/build-snapshot.js; see there
 * why). Node's own module loader cannot be used while a snapshot is built,
 * so this loads the modules the manifest lists (the compiled code in dist/
 * and the packages it requires, each compiled from its own file, as Node
 * compiles it, so that stack traces name the real file and line) and
 * resolves each require() as Node resolved it when the manifest was written.
 * When the snapshot starts, every module loaded here is handed to Node's
 * loader (Module._cache), so that a module required later, in the usual way,
 * shares them rather than loading second copies.
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
      return NodeModule.createRequire(filename)(request);
    }
    return load(target);
  };
  req.resolve = (request, options) => NodeModule.createRequire(filename).resolve(request, options);
  return req;
}

/** Hands the modules loaded here to Node's loader, as if it had loaded them. */
function shareWithNodeLoader() {
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

v8.startupSnapshot.setDeserializeMainFunction(() => {
  const argv = process.argv.slice(1);
  // What main.ts does when run, with Node's loader given the modules between: the first probe starts a few ms sooner.
  early.startEarlyProbes(argv);
  shareWithNodeLoader();
  // For modules loaded after start (the other commands'), as in every entry point (util/compile-cache.ts).
  NodeModule.enableCompileCache?.();
  main.runCommandLine(argv);
});
