#!/usr/bin/env node
// The native parts npm's install leaves undone, because the project's .npmrc
// turns dependencies' install scripts off (`npm run setup` runs this), and
// the project's own link:
// 1. Build the @u4/opencv4nodejs binding against the system OpenCV (Debian's
//    libopencv-dev). The package's own installer would try to
// git-clone and build OpenCV from source (there is no network for that). With
// OPENCV4NODEJS_DISABLE_AUTOBUILD=1 its binding.gyp finds /usr/include/opencv4
// and /usr/lib/x86_64-linux-gnu by itself.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const modules = path.join(__dirname, "..", "node_modules");

// 2. node_modules/videoflow -> the project: the name Beam workers in other
//    processes require the pipeline's steps by (pipeline/src/beam/workarounds.ts).
const self = path.join(modules, "videoflow");
try {
  fs.lstatSync(self);
} catch {
  fs.symlinkSync("..", self, "dir");
}

const pkgDir = path.join(modules, "@u4", "opencv4nodejs");
const binding = path.join(pkgDir, "build", "Release", "opencv4nodejs.node");

if (!fs.existsSync(pkgDir)) {
  console.log("setup-native: @u4/opencv4nodejs is not installed; nothing to build");
  process.exit(0);
}
if (fs.existsSync(binding) && !process.env.VIDEOFLOW_REBUILD_OPENCV) {
  console.log(`setup-native: ${binding} already built (set VIDEOFLOW_REBUILD_OPENCV=1 to rebuild)`);
  process.exit(0);
}
if (!fs.existsSync("/usr/include/opencv4/opencv2/core.hpp")) {
  console.error(
    "setup-native: OpenCV headers not found in /usr/include/opencv4.\n" +
      "Install them first: run `make deps` (or `apt-get install libopencv-dev`).",
  );
  process.exit(1);
}
const nodeGyp = require.resolve("node-gyp/bin/node-gyp.js", { paths: [pkgDir] });
const jobs = String(Math.max(1, os.cpus().length));
console.log(`setup-native: compiling the OpenCV binding with ${jobs} jobs (takes a few minutes)`);
// Build against the headers of the Node that runs us (no header download:
// there may be no network). Distribution Node packages put them in
// <prefix>/include/node.
const args = [nodeGyp, "rebuild", "-j", jobs];
const nodePrefix = path.dirname(path.dirname(process.execPath));
if (!process.env.npm_config_nodedir && fs.existsSync(path.join(nodePrefix, "include", "node", "node.h"))) {
  args.push(`--nodedir=${nodePrefix}`);
}
const result = spawnSync(process.execPath, args, {
  cwd: pkgDir,
  stdio: "inherit",
  env: { ...process.env, OPENCV4NODEJS_DISABLE_AUTOBUILD: "1" },
});
process.exit(result.status ?? 1);
