/**
 * End to end: `videoflow process` with a prediction endpoint, against the
 * real local model server (served from this test process, so the CLI runs
 * asynchronously), with and without injected faults.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { ModelServer, startModelServer } from "../dev/model-server";
import { opencv } from "../src/video/vision";
import { makeClip, runCliAsync, sample, tempDir, everyNth } from "./helpers";

interface Line {
  frame: number;
  timeSec: number;
  predictions?: { displayNames: string[] };
  error?: string;
}

function lines(file: string): Line[] {
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

describe("videoflow process --predictionEndpoint", () => {
  const dir = tempDir();
  let server: ModelServer;
  let clip: string;

  before(async () => {
    server = await startModelServer();
    clip = makeClip(path.join(dir, "clip.mp4"), { width: 320, height: 180, rate: "25", seconds: 4 });
  });

  after(async () => {
    await server.stop();
  });

  const run = (out: string, inputs: string[], extra: string[] = []) =>
    runCliAsync(["process", ...inputs, "--output", out, "--predictionEndpoint", server.predictUrl, ...extra]);

  it("predicts the people in real footage, one line per sampled frame in order, drawn on the preview", async () => {
    server.setFaults({});
    const out = path.join(dir, "real");
    // Act: vtest.avi, 2 frames a second, resized, cut into segments, small batches.
    const result = await run(
      out,
      [sample("vtest.avi")],
      ["--inferenceFps", "2", "--inferenceSize", "384x288", "--segmentSeconds", "30", "--maxBatchSize", "4"],
    );
    // Assert
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const predicted = lines(path.join(out, "vtest.avi", "predictions.jsonl"));
    const expected = everyNth(795, 5);
    assert.deepEqual(
      predicted.map((l) => l.frame),
      expected,
      "every sampled frame once, in frame order",
    );
    assert.ok(predicted.every((l) => l.predictions && !l.error));
    assert.ok(
      predicted.filter((l) => l.predictions!.displayNames.includes("person")).length > expected.length / 2,
      "people in most frames",
    );
    const manifest = JSON.parse(readFileSync(path.join(out, "vtest.avi", "manifest.json"), "utf8"));
    assert.deepEqual(
      { ...manifest.inference, framesPerSec: undefined },
      {
        endpoint: server.predictUrl,
        deployedModelId: "haar-people-1",
        inferenceFps: 2,
        framesSent: expected.length,
        framesPredicted: expected.length,
        framesFailed: 0,
        requests: manifest.inference.requests,
        retries: 0,
        framesPerSec: undefined,
      },
    );
    assert.ok(manifest.inference.requests >= expected.length / 4, "batches of at most 4");
    assert.ok(manifest.inference.framesPerSec > 0);
    assert.equal(manifest.outputs.predictions, path.join(out, "vtest.avi", "predictions.jsonl"));
    // The preview shows the boxes: white rectangle edges make its thumbnails brighter than the bare video's.
    const withBoxes = opencv().imread(path.join(out, "vtest.avi", "preview.jpg"), opencv().IMREAD_GRAYSCALE);
    const plain = await runCliAsync(["process", sample("vtest.avi"), "--output", path.join(dir, "plain"), "--previewFrames", "12"]);
    assert.equal(plain.code, 0);
    assert.equal(withBoxes.cols, 4 * 320 + 5 * 4);
    const count = (m: ReturnType<typeof opencv>["Mat"]["prototype"]) => m.threshold(250, 255, opencv().THRESH_BINARY).countNonZero();
    assert.ok(
      count(withBoxes) > count(opencv().imread(path.join(dir, "plain", "vtest.avi", "preview.jpg"), opencv().IMREAD_GRAYSCALE)) + 500,
    );
  });

  it("sends every frame when inferenceFps is 0, in each instance format", async () => {
    server.setFaults({});
    for (const format of ["b64", "automl", "pixels"]) {
      const out = path.join(dir, `every-${format}`);
      const result = await run(out, [clip], ["--instanceFormat", format, "--inferenceSize", "64x36"]);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const predicted = lines(path.join(out, "clip.mp4", "predictions.jsonl"));
      assert.deepEqual(
        predicted.map((l) => l.frame),
        Array.from({ length: 100 }, (_, i) => i),
        format,
      );
      assert.ok(
        predicted.every((l) => !l.error),
        format,
      );
    }
  });

  it("writes predictions without the gray video when writeGrayVideo is false, segment by segment", async () => {
    // Arrange
    server.setFaults({});
    const out = path.join(dir, "predictions-only");
    // Act
    const result = await run(out, [clip], ["--writeGrayVideo", "false", "--segmentSeconds", "1.5", "--inferenceSize", "64x36"]);
    // Assert
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const folder = path.join(out, "clip.mp4");
    assert.deepEqual(readdirSync(folder).sort(), ["manifest.json", "predictions.jsonl", "preview.jpg"]);
    const manifest = JSON.parse(readFileSync(path.join(folder, "manifest.json"), "utf8"));
    assert.equal(manifest.outputs.grayVideo, undefined);
    assert.equal(manifest.segments, 3);
    assert.equal(manifest.inference.framesPredicted, 100);
    assert.deepEqual(
      lines(path.join(folder, "predictions.jsonl")).map((l) => l.frame),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.ok(!existsSync(path.join(out, "_work", "clip.mp4")), "no segment left waiting");
  });

  it("retries bursts of 429 and 500 and still succeeds with every frame", async () => {
    server.setFaults({ rate429: 0.25, errorRate: 0.25, seed: 3 });
    const out = path.join(dir, "bursts");
    const result = await run(out, [clip], ["--inferenceFps", "5", "--maxBatchSize", "2"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const predicted = lines(path.join(out, "clip.mp4", "predictions.jsonl"));
    assert.deepEqual(
      predicted.map((l) => l.frame),
      everyNth(100, 5),
    );
    assert.ok(predicted.every((l) => !l.error));
    const manifest = JSON.parse(readFileSync(path.join(out, "clip.mp4", "manifest.json"), "utf8"));
    assert.ok(manifest.inference.retries > 0, "retried");
  });

  it("records malformed and short replies as errors, without losing a frame", async () => {
    server.setFaults({ malformedRate: 0.3, shortRate: 0.3, seed: 5 });
    const out = path.join(dir, "malformed");
    const result = await run(out, [clip], ["--inferenceFps", "5", "--maxBatchSize", "2"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const predicted = lines(path.join(out, "clip.mp4", "predictions.jsonl"));
    assert.deepEqual(
      predicted.map((l) => l.frame),
      everyNth(100, 5),
      "no frame missing",
    );
    const errors = predicted.filter((l) => l.error);
    assert.ok(errors.some((l) => /not JSON/.test(l.error!)) && errors.some((l) => /returned 1 predictions for 2 instances/.test(l.error!)));
    const manifest = JSON.parse(readFileSync(path.join(out, "clip.mp4", "manifest.json"), "utf8"));
    assert.equal(manifest.inference.framesFailed, errors.length);
    assert.equal(manifest.inference.framesPredicted + manifest.inference.framesFailed, predicted.length);
  });

  it("dead-letters a video whose every request failed, with the endpoint's message", async () => {
    server.setFaults({ failAll: { status: 403, message: "Permission 'aiplatform.endpoints.predict' denied" } });
    const out = path.join(dir, "denied");
    const result = await run(out, [clip], ["--inferenceFps", "1"]);
    assert.equal(result.code, 1);
    const record = JSON.parse(readFileSync(path.join(out, "_deadletter", "clip.mp4.json"), "utf8"));
    assert.equal(record.stage, "inference");
    assert.match(record.reason, /every prediction request failed: .*HTTP 403: .*Permission 'aiplatform.endpoints.predict' denied/);
  });
});
