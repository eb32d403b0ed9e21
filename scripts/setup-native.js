#!/usr/bin/env node
// The native parts npm's install leaves undone, because the project's .npmrc
// turns dependencies' install scripts off (`npm run setup` runs this), the
// project's own link and its own addon (steps 1 to 5 below):
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

// 3. The posix_spawn addon videoflow starts ffmpeg and ffprobe with
//    (pipeline/native/processes.c says why). Without it videoflow uses
//    Node's child_process, which works but forks the whole process each time.
buildSpawnAddon();

if (!fs.existsSync(pkgDir)) {
  console.log("setup-native: @u4/opencv4nodejs is not installed; nothing to build");
  process.exit(0);
}
// A binding is built for one Node ABI (process.versions.modules): one built for
// another Node fails to load ("Module did not self-register", or a
// NODE_MODULE_VERSION mismatch). So "built" means "loads in the Node that runs
// set-up": after a switch of Node (nvm, a new major) set-up builds it again.
if (fs.existsSync(binding) && !process.env.VIDEOFLOW_REBUILD_OPENCV) {
  const why = loadFailure(binding);
  if (why === null) {
    console.log(`setup-native: ${binding} already built (set VIDEOFLOW_REBUILD_OPENCV=1 to rebuild)`);
    process.exit(linkStandIns());
  }
  console.log(`setup-native: the binding does not load in Node ${process.version} (${why}): building it again`);
}
if (!fs.existsSync("/usr/include/opencv4/opencv2/core.hpp")) {
  console.error(
    "setup-native: OpenCV headers not found in /usr/include/opencv4.\n" +
      "Install them first: run `make deps` (or `apt-get install libopencv-dev`).",
  );
  process.exit(1);
}
// 4. Link only the OpenCV modules videoflow calls: the binding's build links
//    every libopencv_* in OPENCV_LIB_DIR, so that folder gets links to just
//    these (the image's Dockerfile makes its own, without objdetect, which
//    only the local model server uses). Loading the binding linked against
//    all 18 of Debian's modules took 0.29-0.42 s of every process's start;
//    VIDEOFLOW_OPENCV_MODULES names others.
const env = { ...process.env, OPENCV4NODEJS_DISABLE_AUTOBUILD: "1" };
if (!env.OPENCV_LIB_DIR) {
  const wanted = (env.VIDEOFLOW_OPENCV_MODULES || "core imgproc imgcodecs objdetect").split(/\s+/).filter(Boolean);
  const multiarch = spawnSync("gcc", ["-print-multiarch"], { encoding: "utf8" }).stdout.trim();
  const system = ["/usr/lib/" + multiarch, "/usr/lib"].find((dir) => fs.existsSync(path.join(dir, "libopencv_core.so")));
  if (!system) {
    console.error("setup-native: libopencv_core.so not found in /usr/lib: run `make deps` (or `apt-get install libopencv-dev`)");
    process.exit(1);
  }
  const linked = path.join(modules, ".videoflow-opencv-modules");
  fs.rmSync(linked, { recursive: true, force: true });
  fs.mkdirSync(linked, { recursive: true });
  for (const module of wanted) fs.symlinkSync(path.join(system, `libopencv_${module}.so`), path.join(linked, `libopencv_${module}.so`));
  Object.assign(env, { OPENCV_LIB_DIR: linked, OPENCV_INCLUDE_DIR: "/usr/include/opencv4", OPENCV_BIN_DIR: "/usr/bin" });
  console.log(`setup-native: linking OpenCV's ${wanted.join(", ")}`);
}
const jobs = String(Math.max(1, os.cpus().length));
console.log(`setup-native: compiling the OpenCV binding with ${jobs} jobs (takes a few minutes)`);
// Build against headers of the Node that runs us (no header download: there
// may be no network). Distribution Node packages put them in <prefix>/include/node;
// npm's `nodedir` setting (a user's ~/.npmrc may set one) is used only when its
// headers are for this Node's ABI: node-gyp takes them as they are, and a
// binding built against another Node's headers does not load.
const result = spawnSync(process.execPath, [nodeGyp(), "rebuild", "-j", jobs], {
  cwd: pkgDir,
  stdio: "inherit",
  env: withNodeHeaders(env),
});
if (result.status !== 0) process.exit(result.status ?? 1);
const status = linkStandIns();
const why = loadFailure(binding);
if (why !== null) {
  console.error(`setup-native: the binding was built but does not load in Node ${process.version}: ${why}`);
  process.exit(1);
}
process.exit(status);

/** The NODE_MODULE_VERSION of the headers in `dir`/include/node, or null. */
function headersAbi(dir) {
  try {
    const header = fs.readFileSync(path.join(dir, "include", "node", "node_version.h"), "utf8");
    return /^#define NODE_MODULE_VERSION (\d+)/m.exec(header)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** node-gyp, as npm installs it (with the binding's package, which depends on it). */
function nodeGyp() {
  return require.resolve("node-gyp/bin/node-gyp.js", { paths: [pkgDir, path.join(__dirname, "..")] });
}

/** `env` with npm_config_nodedir set to headers for this Node's ABI, where there are some. */
function withNodeHeaders(env) {
  const nodedir = [env.npm_config_nodedir, path.dirname(path.dirname(process.execPath))].find(
    (dir) => dir && headersAbi(dir) === process.versions.modules,
  );
  if (nodedir) return { ...env, npm_config_nodedir: nodedir };
  console.warn(`setup-native: no headers for Node ${process.version} (ABI ${process.versions.modules}) found; node-gyp chooses`);
  return env;
}

/**
 * Builds pipeline/native's addon unless it is built from the current source
 * and loads. N-API: one build loads in every Node from 18 on. A failed build
 * leaves videoflow on child_process (its test then fails: native-processes.test.ts).
 */
function buildSpawnAddon() {
  const dir = path.join(__dirname, "..", "pipeline", "native");
  const source = path.join(dir, "processes.c");
  const addon = path.join(dir, "build", "Release", "processes.node");
  if (!fs.existsSync(source)) return;
  const newest = Math.max(...[source, path.join(dir, "binding.gyp")].map((file) => fs.statSync(file).mtimeMs));
  if (fs.existsSync(addon) && fs.statSync(addon).mtimeMs >= newest && loadFailure(addon) === null) {
    console.log(`setup-native: ${path.relative(process.cwd(), addon)} already built`);
    return;
  }
  const r = spawnSync(process.execPath, [nodeGyp(), "rebuild"], { cwd: dir, stdio: "inherit", env: withNodeHeaders(process.env) });
  const why = r.status === 0 ? loadFailure(addon) : `node-gyp exited with ${r.status ?? r.signal}`;
  if (why !== null) console.warn(`setup-native: the posix_spawn addon did not build (${why}): videoflow starts ffmpeg with child_process`);
}

/** Why a native module does not load in this Node (its first line), or null when it loads. */
function loadFailure(file) {
  const r = spawnSync(process.execPath, ["-e", "require(process.argv[1])", file], { encoding: "utf8" });
  if (r.status === 0) return null;
  return (r.stderr.split("\n").find((line) => /Error/.test(line)) ?? `exit ${r.status}`).trim();
}

// 5. Stand-ins for libraries imgcodecs links for image formats videoflow
//    never reads (each source file says why): built next to the binding
//    under each name imgcodecs asks for (libgdal.so.32, libgdcmMSFF.so.3.0
//    and libgdcmDSED.so.3.0 on Debian bookworm) and added to the binding's own
//    dependencies (its RUNPATH has $ORIGIN), so that they are loaded before
//    imgcodecs asks for those libraries. Only where a stand-in defines every
//    function imgcodecs imports from it; otherwise the binding loads the real
//    library, as before. Returns an exit status; safe to run again.
function linkStandIns() {
  const STAND_INS = [
    { name: "GDAL", library: /^libgdal\.so(\.\d+)*$/, symbols: /GDAL|CPL|OGR|OSR/, source: "gdal-stub.cc" },
    { name: "GDCM", library: /^libgdcm(MSFF|DSED)\.so(\.\d+)*$/, symbols: /gdcm/, source: "gdcm-stub.cc" },
  ];
  const run = (program, programArgs) => {
    const r = spawnSync(program, programArgs, { encoding: "utf8" });
    if (r.status !== 0) console.error(`setup-native: ${program} ${programArgs.join(" ")} failed: ${r.error?.message ?? r.stderr}`);
    return r;
  };
  const lines = (r) => r.stdout.split("\n").filter(Boolean);
  const ldd = run("ldd", [binding]);
  if (ldd.status !== 0) return 1;
  const imgcodecs = /libopencv_imgcodecs\.so\S*\s+=>\s+(\S+)/.exec(ldd.stdout)?.[1];
  if (!imgcodecs) return 0;
  const needed = run("patchelf", ["--print-needed", imgcodecs]);
  if (needed.status !== 0) return 1;
  const symbols = (args) => lines(run("nm", ["-D", ...args])).map((line) => line.trim().split(/\s+/).pop());
  for (const standIn of STAND_INS) {
    const sonames = lines(needed).filter((lib) => standIn.library.test(lib));
    if (sonames.length === 0) {
      console.log(`setup-native: imgcodecs does not link ${standIn.name}; no stand-in needed`);
      continue;
    }
    const source = path.join(__dirname, standIn.source);
    const stubs = sonames.map((soname) => path.join(path.dirname(binding), soname));
    for (const [i, soname] of sonames.entries()) {
      if (run("g++", ["-shared", "-fPIC", "-O2", `-Wl,-soname,${soname}`, "-o", stubs[i], source]).status !== 0) return 1;
    }
    const defined = new Set(stubs.flatMap((stub) => symbols(["--defined-only", stub])));
    const missing = symbols(["--undefined-only", imgcodecs]).filter((name) => standIn.symbols.test(name) && !defined.has(name));
    const linked = lines(run("patchelf", ["--print-needed", binding]));
    if (missing.length > 0) {
      console.warn(
        `setup-native: ${standIn.name}'s stand-in lacks ${missing.join(", ")} that imgcodecs imports: the binding loads ${standIn.name}`,
      );
      for (const [i, soname] of sonames.entries()) {
        fs.rmSync(stubs[i], { force: true });
        if (linked.includes(soname) && run("patchelf", ["--remove-needed", soname, binding]).status !== 0) return 1;
      }
      continue;
    }
    for (const soname of sonames) {
      if (!linked.includes(soname) && run("patchelf", ["--add-needed", soname, binding]).status !== 0) return 1;
    }
    console.log(
      `setup-native: the binding loads ${standIn.name}'s stand-in (${sonames.join(", ")}, scripts/${standIn.source}), not ${standIn.name}`,
    );
  }
  return 0;
}
