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
import { deserializeFn, serializeFn } from "apache-beam/internal/serialize";
import Long from "long";
import * as builtins from "serialize-closures/dist/src/builtins";
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

describe("the closure serialization patches", () => {
  it("round-trips closures, builtins, registered objects and BigInts as unpatched", () => {
    // Arrange: closures as the build's closure transform compiles videoflow's (a __closure function naming what each
    // captures), one over a BigInt, a builtin, a registered object (Long) and nested data, one over nothing
    const big = 2n ** 70n;
    const limit = { big, max: Math.max, long: Long.fromNumber(7), nested: [1, "two", { three: 3 }] };
    const fn = Object.assign(() => limit, { __closure: () => ({ limit }) });
    const plain = Object.assign((x: number) => x + 1, { __closure: () => ({}) });
    // Act
    const captured = (deserializeFn(serializeFn(fn)) as typeof fn)();
    const backPlain = deserializeFn(serializeFn(plain)) as typeof plain;
    // Assert
    assert.notEqual(captured, limit, "a copy, not the object");
    assert.equal(captured.big, big, "a BigInt survives (the replacer and reviver still run when needed)");
    assert.equal(captured.max, Math.max, "a builtin is sent by name, not copied");
    assert.ok(captured.long instanceof Long && captured.long.toNumber() === 7, "a registered class stays Beam's");
    assert.deepEqual(captured.nested, [1, "two", { three: 3 }]);
    assert.equal(backPlain(1), 2);
    assert.doesNotMatch(new TextDecoder().decode(serializeFn(plain)), /:bigint:/);
  });

  it("lists the builtins in the order and under the names the unpatched walk gives", () => {
    // Arrange: serialize-closures' own walk, as 0.2.9 wrote it (a linear search per builtin), beside the patched one
    function unpatched(roots: Array<{ name: string; builtin: unknown }>) {
      const results: Array<{ name: string; builtin: unknown }> = [];
      const work = [...roots];
      const add = (base: string, prop: string, value: unknown) => {
        if (typeof value === "object" ? value !== null : typeof value === "function")
          work.push({ name: `${base}.${prop}`, builtin: value });
      };
      while (work.length > 0) {
        const record = work.shift()!;
        if (results.some((r) => r.builtin === record.builtin)) continue;
        results.push(record);
        const object = record.builtin as object;
        for (const prop of Object.getOwnPropertyNames(object)) {
          if (prop === "callee" || prop === "caller" || prop === "arguments") continue;
          try {
            const desc = Object.getOwnPropertyDescriptor(object, prop);
            if (desc?.value) add(record.name, prop, desc.value);
          } catch {
            // as the original: inaccessible properties are skipped
          }
        }
        add(record.name, "__proto__", Object.getPrototypeOf(object));
        add(record.name, "prototype", (object as { prototype?: unknown }).prototype);
      }
      return results;
    }
    const roots = builtins.rootBuiltinNames
      .filter((name) => (globalThis as Record<string, unknown>)[name] !== undefined)
      .map((name) => ({ name, builtin: (globalThis as Record<string, unknown>)[name] }));
    // Act
    const expected = unpatched(roots);
    const actual = builtins.expandBuiltins(roots);
    // Assert
    assert.deepEqual(
      actual.map((b) => b.name),
      expected.map((b) => b.name),
    );
    assert.ok(actual.every((b, i) => Object.is(b.builtin, expected[i].builtin)));
    for (const { name, builtin } of expected.slice(0, 200)) {
      assert.equal(builtins.getNameOfBuiltin(builtin, actual), expected.find((e) => e.builtin === builtin)?.name);
      assert.ok(Object.is(builtins.getBuiltinByName(name, actual), expected.find((e) => e.name === name)!.builtin));
    }
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
