/**
 * The dependency patches (patches/: the Beam SDK's, zod's), where their effect can
 * be shown outside a whole pipeline.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import "apache-beam";
import { resolveArtifacts } from "apache-beam/runners/artifacts";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { tempDir } from "./helpers";

describe("the SDK patch", () => {
  it("stores a fetched artifact in the cache only once its file is written and closed", async () => {
    // Arrange: an artifact service that answers at once, before the cache file's write stream has opened its file
    // (how a small artifact arrives; unpatched, the rename then fails with ENOENT: the first run on an empty cache).
    // A stand-in for the service, because only it can make that timing certain.
    const data = Buffer.from("a small artifact");
    const artifact = {
      typeUrn: "beam:artifact:type:file:v1",
      typePayload: runnerApi.ArtifactFilePayload.toBinary({ path: "/elsewhere/a.jar", sha256: "" }),
      roleUrn: "",
      rolePayload: new Uint8Array(),
    };
    const client = {
      resolveArtifacts: () => ({ response: Promise.resolve({ replacements: [artifact] }) }),
      getArtifact: () => {
        let deliver: (m: { data: Uint8Array }) => void = () => undefined;
        const call = Promise.resolve().then(() => deliver({ data }));
        return Object.assign(call, { responses: { onMessage: (f: typeof deliver) => (deliver = f) } });
      },
    };
    const cache = tempDir("videoflow-artifacts-");
    // Act
    const resolved = [];
    for await (const r of resolveArtifacts(client as never, [artifact as never], cache)) resolved.push(r);
    // Assert
    const stored = runnerApi.ArtifactFilePayload.fromBinary(resolved[0].typePayload);
    assert.equal(path.dirname(stored.path), cache);
    assert.deepEqual(readFileSync(stored.path), data);
    assert.deepEqual(readdirSync(cache), [stored.sha256], "no temporary file left");
  });

  it("loads the SDK without its I/O connectors, which still load on first use", () => {
    // Act: a fresh Node, as every videoflow process starts.
    const script = `
      const io = require.resolve("apache-beam/io");
      const beam = require("apache-beam");
      const before = io in require.cache;
      const read = typeof beam.readFromPubSub;
      console.log(JSON.stringify({ before, read, after: io in require.cache }));`;
    const result = spawnSync(process.execPath, ["-e", script], { cwd: path.resolve(__dirname), encoding: "utf8" });
    // Assert
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { before: false, read: "function", after: true });
  });
});

describe("the SDK patch's start-up", () => {
  it("runs a pipeline on the direct runner without loading what only a remote worker uses", () => {
    // Arrange: a fresh process that runs a pipeline on the direct runner (create, then group: the direct runner's
    // own shuffle), then opens a worker's data channel to a runner (to a port nothing listens on).
    const remoteOnly = ["@grpc/grpc-js", "bson", "uuid", "capture-console", "protobufjs/src/index.js"];
    const probe = [
      "const beam = require('apache-beam');",
      "const { directRunner } = require('apache-beam/runners/direct_runner');",
      "const loaded = (m) => Object.keys(require.cache).some((f) => f.includes(`/node_modules/${m}`));",
      `const remoteOnly = ${JSON.stringify(remoteOnly)};`,
      "const pipeline = (root) => root.apply(beam.create([{ a: 1 }, { a: 2 }])).apply(beam.groupBy((x) => String(x.a)));",
      "directRunner().run(pipeline).then(() => {",
      "  const afterRun = remoteOnly.filter(loaded);",
      "  const { MultiplexingDataChannel } = require('apache-beam/worker/data');",
      "  const channel = new MultiplexingDataChannel('127.0.0.1:9', 'worker-1');",
      "  channel.dataChannel.on('error', () => undefined);",
      "  console.log(JSON.stringify({ afterRun, grpcAfterChannel: loaded('@grpc/grpc-js') }));",
      "  process.exit(0);",
      "});",
    ];
    // Act
    const seen = inFreshProcess(probe);
    // Assert
    assert.deepEqual(seen, { afterRun: [], grpcAfterChannel: true });
  });
});

describe("the zod patch", () => {
  it("loads zod's locales on first use, not with zod", () => {
    // Arrange: a fresh process that loads zod, then asks for its locales.
    const probe = [
      "const loaded = () => Object.keys(require.cache).some((f) => f.endsWith('/locales/index.cjs'));",
      "const { z } = require('zod');",
      "const before = loaded();",
      "const german = typeof z.locales.de;",
      "console.log(JSON.stringify({ before, german, after: loaded() }));",
    ];
    // Act
    const seen = inFreshProcess(probe);
    // Assert
    assert.deepEqual(seen, { before: false, german: "function", after: true });
  });
});

/** Runs these lines in a fresh Node at the project's root (its node_modules) and returns the JSON of its last line out. */
function inFreshProcess(lines: string[]): unknown {
  const result = spawnSync(process.execPath, ["-e", lines.join("\n")], { cwd: path.join(__dirname, "..", "..", ".."), encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout.trim().split("\n").pop()!);
}
