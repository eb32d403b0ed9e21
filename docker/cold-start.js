#!/usr/bin/env node
// Cold start of a worker from the image: the time from starting the worker entry point (with
// `buildah run`, container set-up included) to its first connection to the runner's control endpoint
// (a TCP server here, standing in for the runner). Started as Dataflow starts it (--control_endpoint
// given); Flink's PROCESS environment makes one provision call first.
//   node docker/cold-start.js [IMAGE] [RUNS]      (default localhost/videoflow:dev, 5 runs; needs buildah)
//   node docker/cold-start.js --host [RUNS]       the same entry point from dist/, outside a container
"use strict";
const net = require("node:net");
const path = require("node:path");
const { spawn, spawnSync } = require("node:child_process");

const [target = "localhost/videoflow:dev", runsArg = "5"] = process.argv.slice(2);
const runs = Number(runsArg);
const host = target === "--host";

async function once(container) {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `127.0.0.1:${server.address().port}`;
  const flags = ["--id=1", `--control_endpoint=${endpoint}`, `--logging_endpoint=${endpoint}`, "--options={}"];
  const [program, args] = host
    ? [process.execPath, [path.join(__dirname, "..", "dist", "pipeline", "src", "launch", "worker-boot.js"), ...flags]]
    : ["buildah", ["run", "--isolation", "chroot", container, "--", "/opt/videoflow/dist/pipeline/src/launch/worker-boot.js", ...flags]];
  const started = process.hrtime.bigint();
  const child = spawn(program, args, { stdio: "ignore" });
  const ms = await new Promise((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`the worker exited (${code}) before connecting`)));
    server.once("connection", (socket) => {
      resolve(Number(process.hrtime.bigint() - started) / 1e6);
      socket.destroy();
    });
  });
  child.removeAllListeners("exit");
  child.kill("SIGKILL");
  // buildah's child runs in the container: end it by its unique endpoint.
  spawnSync("pkill", ["-f", `control_endpoint=${endpoint}`]);
  server.close();
  return ms;
}

(async () => {
  const container = host ? null : spawnSync("buildah", ["from", target], { encoding: "utf8" }).stdout.trim();
  if (!host && !container) throw new Error(`buildah could not make a container of ${target}`);
  try {
    const times = [];
    for (let i = 0; i < runs; i++) times.push(await once(container));
    times.sort((a, b) => a - b);
    console.log(JSON.stringify({ target, runs, ms: times.map(Math.round), medianMs: Math.round(times[Math.floor(times.length / 2)]) }));
  } finally {
    if (container) spawnSync("buildah", ["rm", container]);
  }
  process.exit(0);
})().catch((err) => {
  console.error(`cold-start: ${err.message}`);
  process.exit(1);
});
