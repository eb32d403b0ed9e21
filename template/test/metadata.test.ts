/**
 * The template's files generated or checked offline: metadata.json against
 * its generator and gcloud's own validation, the spec gcloud writes and its
 * completion, and cloudbuild.yaml parsed by gcloud.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { ParameterSpec, parameters } from "../../pipeline/src/options";
import { repoRoot, tempDir } from "../../pipeline/test/helpers";
import { metadataJson, templateMetadata, templateParameters } from "../metadata";
import { completeSpec } from "../spec";

const IMAGE = "us-docker.pkg.dev/vf-check/videoflow/videoflow:test";

function gcloud(args: string[], cwd = repoRoot) {
  // No credentials and no project: what gcloud checks before it would need them.
  const env = { ...process.env, CLOUDSDK_CONFIG: tempDir("gcloud-config-"), CLOUDSDK_CORE_DISABLE_PROMPTS: "1" };
  const result = spawnSync("gcloud", args, { cwd, env, encoding: "utf8" });
  if (result.error) throw new Error(`gcloud could not run (the Google Cloud CLI is needed): ${result.error.message}`);
  return result;
}

function buildSpec(metadataFile: string) {
  return gcloud([
    "dataflow",
    "flex-template",
    "build",
    "gs://vf-check/templates/videoflow.json",
    "--image",
    IMAGE,
    "--sdk-language",
    "GO",
    "--metadata-file",
    metadataFile,
    "--print-only",
    "--format=json",
  ]);
}

describe("metadata.json", () => {
  it("is what the options generate (run `npm run generate` after changing them)", () => {
    assert.equal(readFileSync(path.join(repoRoot, "metadata.json"), "utf8"), metadataJson());
  });

  it("describes a streaming template with both streaming modes, at-least-once by default", () => {
    const m = templateMetadata();
    assert.equal(m.streaming, true);
    assert.equal(m.supportsAtLeastOnce, true);
    assert.equal(m.supportsExactlyOnce, true);
    assert.equal(m.defaultStreamingMode, "AT_LEAST_ONCE");
  });

  it("has the template's parameters, each with a label, a help text, a type and regexes", () => {
    const names = templateMetadata().parameters.map((p) => p.name);
    for (const required of ["inputSubscription", "outputDirectory"]) assert.ok(names.includes(required), required);
    for (const localOnly of ["runner", "environmentType", "maxInFlight", "project", "region", "tempLocation", "templateLocation"]) {
      assert.ok(!names.includes(localOnly), `${localOnly} is not a template parameter`);
    }
    for (const p of templateMetadata().parameters) {
      assert.ok(p.label.length > 3 && p.helpText.length > 40, p.name);
      assert.ok(p.regexes && p.regexes.length > 0, `${p.name} has regexes`);
      assert.ok(
        ["TEXT", "NUMBER", "BOOLEAN", "ENUM", "GCS_WRITE_FOLDER", "PUBSUB_SUBSCRIPTION", "PUBSUB_TOPIC"].includes(p.paramType),
        p.name,
      );
      if (p.paramType === "ENUM") assert.ok(p.enumOptions && p.enumOptions.length > 1, `${p.name} lists its choices`);
      assert.equal(p.isOptional, p.name !== "inputSubscription" && p.name !== "outputDirectory", p.name);
    }
    const types = Object.fromEntries(templateMetadata().parameters.map((p) => [p.name, p.paramType]));
    assert.equal(types.inputSubscription, "PUBSUB_SUBSCRIPTION");
    assert.equal(types.deadLetterTopic, "PUBSUB_TOPIC");
    assert.equal(types.outputDirectory, "GCS_WRITE_FOLDER");
    assert.equal(types.writeGrayVideo, "BOOLEAN");
  });

  it("has regexes that agree with the options' own validation", () => {
    const cases: Record<string, { good: string[]; bad: string[] }> = {
      inputSubscription: {
        good: ["projects/my-project/subscriptions/uploads", "projects/example.com:my-project/subscriptions/uploads"],
        bad: [
          "uploads",
          "projects/my-project/topics/t",
          "projects/my-project/subscriptions/a/b",
          "projects/demo/subscriptions/uploads",
          "projects/My-Project/subscriptions/s",
        ],
      },
      deadLetterTopic: {
        good: ["projects/my-project/topics/dead"],
        bad: ["projects/my-project/subscriptions/s", "projects/demo/topics/dead"],
      },
      predictionEndpoint: {
        good: [
          "projects/my-project/locations/us-central1/endpoints/1",
          "projects/123456/models/m",
          "http://127.0.0.1:8501/v1/models/m:predict",
        ],
        bad: ["projects/demo/locations/us-central1/endpoints/1", "endpoint"],
      },
      maxRetrySeconds: { good: ["0", "600", "2.5"], bad: ["-1", "ten"] },
      outputDirectory: { good: ["gs://bucket/out"], bad: ["/local/dir"] },
      segmentSeconds: { good: ["0", "4", "2.5"], bad: ["-1", "four"] },
      writeGrayVideo: { good: ["true", "false"], bad: ["yes"] },
      instanceFormat: { good: ["b64", "automl", "pixels"], bad: ["json"] },
      inferenceSize: { good: ["320x240"], bad: ["320", "0x240"] },
    };
    const specs = new Map(templateParameters().map((p) => [p.name, p]));
    for (const [name, { good, bad }] of Object.entries(cases)) {
      const spec = specs.get(name)!;
      const matches = (v: string) => spec.regexes!.some((r) => new RegExp(r).test(v));
      for (const v of good) assert.ok(matches(v) && spec.schema.safeParse(v).success, `${name}: "${v}" is accepted by both`);
      for (const v of bad) assert.ok(!matches(v), `${name}: the form rejects "${v}"`);
    }
    for (const p of templateParameters()) {
      if (p.defaultValue !== undefined)
        assert.ok(
          p.regexes!.some((r) => new RegExp(r).test(p.defaultValue!)),
          `${p.name}'s default passes its regexes`,
        );
      for (const o of p.enumOptions ?? []) assert.ok(p.schema.safeParse(o.value).success, `${p.name}: ${o.value}`);
    }
    assert.ok((parameters as readonly ParameterSpec[]).length > templateParameters().length);
  });

  it("passes gcloud's offline validation, and gcloud rejects a broken one", () => {
    // Act
    const good = buildSpec(path.join(repoRoot, "metadata.json"));
    const broken = path.join(tempDir(), "metadata.json");
    const metadata = JSON.parse(metadataJson());
    delete metadata.parameters[0].name;
    writeFileSync(broken, JSON.stringify(metadata));
    const bad = buildSpec(broken);
    // Assert
    assert.equal(good.status, 0, good.stderr);
    const spec = JSON.parse(JSON.parse(good.stdout));
    assert.equal(spec.image, IMAGE);
    assert.equal(spec.sdkInfo.language, "GO");
    assert.deepEqual(
      spec.metadata.parameters.map((p: { name: string }) => p.name),
      templateMetadata().parameters.map((p) => p.name),
    );
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /Parameter name field is empty/);
  });

  it("keeps its streaming fields in the spec cloudbuild.yaml uploads, which gcloud alone drops", () => {
    // Arrange
    const printed = buildSpec(path.join(repoRoot, "metadata.json"));
    assert.equal(printed.status, 0, printed.stderr);
    // Act
    const spec = completeSpec(printed.stdout, metadataJson()) as { image: string; metadata: Record<string, unknown> };
    // Assert
    assert.equal(JSON.parse(JSON.parse(printed.stdout)).metadata.streaming, undefined, "gcloud 528 drops it; if it stops, spec.ts can go");
    assert.equal(spec.metadata.streaming, true);
    assert.equal(spec.metadata.defaultStreamingMode, "AT_LEAST_ONCE");
    assert.equal(spec.image, IMAGE);
    assert.throws(() => completeSpec(printed.stdout, JSON.stringify({ name: "other" })), /template "videoflow", the metadata of "other"/);
  });
});

describe("cloudbuild.yaml", () => {
  it("is a build config gcloud accepts (it fails only for want of credentials), and gcloud rejects a broken one", () => {
    // Act
    const good = gcloud(["builds", "submit", "--config", "cloudbuild.yaml", "--no-source", "--project", "vf-check"]);
    const dir = tempDir();
    writeFileSync(
      path.join(dir, "cloudbuild.yaml"),
      readFileSync(path.join(repoRoot, "cloudbuild.yaml"), "utf8").replace("  - id: build\n    name:", "  - id: build\n    nam:"),
    );
    const bad = gcloud(["builds", "submit", "--config", "cloudbuild.yaml", "--no-source", "--project", "vf-check"], dir);
    // Assert
    assert.notEqual(good.status, 0, "no credentials here");
    assert.doesNotMatch(good.stderr, /interpreting|validating|build config/, good.stderr);
    assert.match(good.stderr, /active account|credentials|login/i);
    assert.match(bad.stderr, /interpreting cloudbuild.yaml as build config: \.steps\[0\]\.nam: unused/);
  });

  it("builds, smoke-tests and pushes the image, then writes the completed spec", () => {
    const text = readFileSync(path.join(repoRoot, "cloudbuild.yaml"), "utf8");
    const ids = [...text.matchAll(/^ {2}- id: (\S+)$/gm)].map((m) => m[1]);
    assert.deepEqual(ids, ["build", "smoke-test", "push", "print-spec", "complete-spec", "upload-spec"]);
    for (const s of ["_REGION", "_REPOSITORY", "_TAG", "_TEMPLATE_BUCKET"]) assert.match(text, new RegExp(`^  ${s}: `, "m"), s);
    assert.match(text, /--metadata-file metadata\.json/);
    assert.match(text, /\/opt\/videoflow\/docker\/smoke-test\.sh/);
  });
});
