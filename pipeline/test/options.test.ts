import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { withParameters } from "../../template/readme-parameters";
import { ParameterSpec, UsageError, costParameters, parameters, parseOptions, parseStreamingOptions } from "../src/options";
import { repoRoot } from "./helpers";

describe("parseOptions", () => {
  it("applies the defaults", () => {
    const options = parseOptions({ outputDirectory: "gs://bucket/out" });
    // environmentType has no default of its own: LOOPBACK, or PROCESS on a cluster (launch/flink-cluster.ts, workersFor).
    assert.deepEqual(options, {
      runner: "direct",
      sharedPaths: false,
      outputDirectory: "gs://bucket/out",
      segmentSeconds: 60,
      previewFrames: 12,
      maxInputBytes: 10 * 1024 ** 3,
      maxUndecodableFrames: 25,
      writeGrayVideo: true,
      inferenceFps: 0,
      instanceFormat: "b64",
      maxBatchSize: 16,
      maxConcurrentRequests: 8,
      maxRetrySeconds: 600,
    });
  });

  it("converts given values", () => {
    const options = parseOptions({ outputDirectory: "/tmp/x", segmentSeconds: "2.5", previewFrames: "4", inferenceSize: "320x240" });
    assert.equal(options.segmentSeconds, 2.5);
    assert.equal(options.previewFrames, 4);
    assert.deepEqual(options.inferenceSize, { width: 320, height: 240 });
    assert.equal(parseOptions({ outputDirectory: "x", writeGrayVideo: "false" }).writeGrayVideo, false);
    assert.throws(
      () => parseOptions({ outputDirectory: "x", writeGrayVideo: "no" }),
      /--writeGrayVideo must be true or false \(got "no"\)/,
    );
  });

  it("accepts the three kinds of prediction endpoint and nothing else", () => {
    for (const ok of [
      "projects/my-project/locations/us-central1/endpoints/123",
      "projects/my-project/models/m",
      "projects/my-project/models/m/versions/v1",
      "http://127.0.0.1:8501/v1/models/m:predict",
    ]) {
      assert.equal(parseOptions({ outputDirectory: "x", predictionEndpoint: ok }).predictionEndpoint, ok);
    }
    assert.throws(
      () => parseOptions({ outputDirectory: "x", predictionEndpoint: "ml-engine" }),
      /--predictionEndpoint is not projects\/P\/locations/,
    );
    assert.throws(() => parseOptions({ outputDirectory: "x", instanceFormat: "png" }), /--instanceFormat/);
  });

  it("names each bad parameter and what is wrong with it", () => {
    assert.throws(
      () => parseOptions({ outputDirectory: "gs://Bad_Bucket!/x", segmentSeconds: "-1", previewFrames: "1.5" }),
      (err: Error) => {
        assert.ok(err instanceof UsageError);
        assert.match(err.message, /--outputDirectory is not a valid gs:\/\/bucket\/prefix/);
        assert.match(err.message, /--segmentSeconds must be 0 or more \(got "-1"\)/);
        assert.match(err.message, /--previewFrames must be a whole number/);
        return true;
      },
    );
  });

  it("refuses a resource name whose project id cannot exist, in one line that names the parameter and the id", () => {
    const streaming = (more: Record<string, string>) => () =>
      parseStreamingOptions({
        outputDirectory: "gs://bucket/out",
        inputSubscription: "projects/my-project/subscriptions/uploads",
        ...more,
      });
    const oneLine = (pattern: RegExp) => (err: Error) =>
      err instanceof UsageError && !err.message.includes("\n") && pattern.test(err.message);
    assert.doesNotThrow(streaming({}));
    assert.doesNotThrow(streaming({ inputSubscription: "projects/example.com:my-project/subscriptions/uploads" }));
    for (const bad of ["demo", "My-Project", "1project", "my-project-", "a".repeat(31)]) {
      assert.throws(
        streaming({ inputSubscription: `projects/${bad}/subscriptions/uploads` }),
        oneLine(new RegExp(`^--inputSubscription names a project that cannot exist: "${bad}" is not a project id`)),
      );
      assert.throws(
        streaming({ deadLetterTopic: `projects/${bad}/topics/dead` }),
        oneLine(/^--deadLetterTopic names a project that cannot exist/),
      );
      assert.throws(
        () => parseOptions({ outputDirectory: "x", predictionEndpoint: `projects/${bad}/locations/us-central1/endpoints/1` }),
        oneLine(/^--predictionEndpoint .* names a project that cannot exist/),
      );
    }
    assert.throws(
      streaming({ inputSubscription: "projects/my-project/subscriptions/goog-uploads" }),
      oneLine(/"goog-uploads" is not a subscription id/),
    );
    assert.throws(
      streaming({ deadLetterTopic: "projects/my-project/subscriptions/dead" }),
      oneLine(/--deadLetterTopic must be projects\/<project>\/topics\/<topic>/),
    );
    // Vertex AI endpoints are often named by project number.
    assert.equal(
      parseOptions({ outputDirectory: "x", predictionEndpoint: "projects/123456789/locations/us-central1/endpoints/1" }).predictionEndpoint,
      "projects/123456789/locations/us-central1/endpoints/1",
    );
  });

  it("requires the output directory and rejects unknown parameters", () => {
    assert.throws(() => parseOptions({}), /--outputDirectory \(--output\) is required/);
    assert.throws(() => parseOptions({ outputDirectory: "x", colour: "red" }), /unknown parameter: --colour/);
  });

  it("describes every parameter for the CLI and the template", () => {
    for (const p of [...parameters, ...costParameters] as readonly ParameterSpec[]) {
      assert.match(p.name, /^[a-z][A-Za-z0-9]+$/, "camelCase names, as Dataflow templates use");
      assert.ok(p.helpText.length > 40, `${p.name} needs a help text that states the format`);
      if (p.defaultValue !== undefined) assert.ok(p.schema.safeParse(p.defaultValue).success, `${p.name}'s default must validate`);
      if (!p.isOptional) assert.equal(p.defaultValue, undefined, `${p.name} is required: no default`);
      for (const r of p.regexes ?? []) assert.doesNotThrow(() => new RegExp(r));
    }
  });

  it("takes a number on the command line only as the template's form takes it, and says what a number looks like", () => {
    const numeric = ([...parameters, ...costParameters] as readonly ParameterSpec[]).filter((p) => p.paramType === "NUMBER");
    assert.ok(numeric.length >= 10, `${numeric.length} number parameters`);
    const written = ["1", "12", "0", "007", "2.5", "-1", "1e3", "0x10", " 12", "12 ", "abc", ".5", "5.", "Infinity", "1,000"];
    for (const p of numeric) {
      const form = (p.regexes ?? []).map((r) => new RegExp(r));
      assert.ok(form.length > 0, `${p.name} hands the form a regex`);
      for (const text of written) {
        const cli = p.schema.safeParse(text);
        if (cli.success)
          assert.ok(
            form.every((r) => r.test(text)),
            `--${p.name} ${JSON.stringify(text)}: the command line takes what the form refuses`,
          );
        if (!/^-?[0-9]+(\.[0-9]+)?$/.test(text)) {
          assert.equal(cli.success, false, `--${p.name} ${JSON.stringify(text)} is not a number`);
          assert.match(cli.error!.issues[0].message, /^must be a (whole )?number/);
        }
      }
    }
    assert.throws(
      () => parseOptions({ outputDirectory: "x", segmentSeconds: "abc" }),
      /--segmentSeconds must be a number, like 2 or 2\.5 \(got "abc"\)/,
    );
    assert.throws(
      () => parseOptions({ outputDirectory: "x", maxInputBytes: "10e9" }),
      /--maxInputBytes must be a whole number \(got "10e9"\)/,
    );
  });
});

describe("README parameters", () => {
  it("are the ones generated from the options (run `npm run generate` after changing them)", () => {
    const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
    assert.equal(readme, withParameters(readme));
  });
});
