import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BODY_OVERHEAD,
  boxesOf,
  instanceBytes,
  isFull,
  parseEndpoint,
  parseReply,
  requestBody,
  toInstance,
} from "../src/inference/inference";

describe("parseEndpoint", () => {
  it("turns each kind of endpoint into its :predict URL", () => {
    assert.deepEqual(parseEndpoint("projects/my-proj/locations/europe-west4/endpoints/1234"), {
      kind: "vertex",
      url: "https://europe-west4-aiplatform.googleapis.com/v1/projects/my-proj/locations/europe-west4/endpoints/1234:predict",
      google: true,
      spec: "projects/my-proj/locations/europe-west4/endpoints/1234",
    });
    assert.equal(
      parseEndpoint("projects/my-project/models/people").url,
      "https://ml.googleapis.com/v1/projects/my-project/models/people:predict",
    );
    assert.equal(
      parseEndpoint("projects/my-project/models/people/versions/v2").url,
      "https://ml.googleapis.com/v1/projects/my-project/models/people/versions/v2:predict",
    );
    assert.equal(parseEndpoint("projects/my-project/models/people").kind, "ml-engine");
    const tfServing = parseEndpoint("http://127.0.0.1:8501/v1/models/people:predict");
    assert.equal(tfServing.kind, "http");
    assert.equal(tfServing.google, false);
  });

  it("says what it accepts when given something else", () => {
    assert.throws(() => parseEndpoint("ml-engine/people"), /is not a prediction endpoint: use projects\/P\/locations\/L\/endpoints\/E/);
    assert.throws(() => parseEndpoint("projects/my-project/locations/us-central1/endpoints/"), /not a prediction endpoint/);
  });
});

describe("instances and batches", () => {
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);

  it("writes each instance format", () => {
    assert.deepEqual(toInstance("b64", { jpeg, width: 2, height: 1 }), { image_bytes: { b64: "/9j/2Q==" } });
    assert.deepEqual(toInstance("automl", { jpeg, width: 2, height: 1 }), { content: "/9j/2Q==" });
    assert.deepEqual(toInstance("pixels", { gray: Buffer.from([1, 2, 3, 4, 5, 6]), width: 3, height: 2 }), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.equal(requestBody([1], { confidenceThreshold: 0.5 }), '{"instances":[1],"parameters":{"confidenceThreshold":0.5}}');
  });

  it("closes a batch by count and by request size (Vertex AI's 1.5 MB)", () => {
    // By count: a fifth instance does not join four, with room to spare.
    assert.equal(isFull(3, BODY_OVERHEAD + 30, 10, 4), false);
    assert.equal(isFull(4, BODY_OVERHEAD + 40, 10, 4), true);
    // 400 KB instances: three fit in 1.5 MB, a fourth does not.
    assert.equal(isFull(2, BODY_OVERHEAD + 800_000, 400_000, 100), false);
    assert.equal(isFull(3, BODY_OVERHEAD + 1_200_000, 400_000, 100), true);
    // One instance over the limit still goes, alone (its request will say what is wrong).
    assert.equal(isFull(0, BODY_OVERHEAD, 2_000_000, 100), false);
    assert.equal(isFull(1, BODY_OVERHEAD + 2_000_000, 10, 100), true);
    assert.equal(instanceBytes({ a: 1 }), 8);
  });
});

describe("parseReply", () => {
  it("takes one prediction per instance and the model id", () => {
    assert.deepEqual(parseReply('{"predictions":[1,2],"deployedModelId":"42"}', 2), { predictions: [1, 2], deployedModelId: "42" });
    assert.deepEqual(parseReply('{"predictions":[[0.1]]}', 1), { predictions: [[0.1]], deployedModelId: null });
  });

  it("treats malformed and short replies as errors, not data", () => {
    assert.throws(() => parseReply('{"predictions": [', 1), /not JSON/);
    assert.throws(() => parseReply('{"outputs": []}', 1), /no predictions array/);
    assert.throws(() => parseReply('{"predictions": [1]}', 2), /returned 1 predictions for 2 instances/);
    assert.throws(() => parseReply("null", 1), /not a JSON object: null/);
    assert.throws(() => parseReply("[1]", 1), /not a JSON object/);
  });

  it("passes on the error an endpoint answers instead of predictions", () => {
    // ml-engine's shape when any instance of the batch failed (HTTP 200).
    const mlEngine = '{"error": "Prediction failed: Error during model execution: input must be 4-dimensional[1,240,320]"}';
    assert.throws(
      () => parseReply(mlEngine, 2),
      /answered with an error: Prediction failed: Error during model execution: input must be 4-dimensional/,
    );
    assert.throws(
      () => parseReply('{"error": {"code": 3, "message": "bad input"}}', 1),
      /answered with an error: \{"code":3,"message":"bad input"\}/,
    );
  });
});

describe("boxesOf", () => {
  it("reads Vertex AutoML object detection and TF Object Detection API boxes", () => {
    assert.deepEqual(boxesOf({ displayNames: ["person"], confidences: [0.9], bboxes: [[0.1, 0.4, 0.2, 0.8]] }), [
      { label: "person", score: 0.9, xMin: 0.1, xMax: 0.4, yMin: 0.2, yMax: 0.8 },
    ]);
    assert.deepEqual(boxesOf({ detection_boxes: [[0.2, 0.1, 0.8, 0.4]], detection_scores: [0.7], detection_classes: [1] }), [
      { label: "1", score: 0.7, xMin: 0.1, xMax: 0.4, yMin: 0.2, yMax: 0.8 },
    ]);
    assert.deepEqual(boxesOf([0.1, 0.9]), []);
    assert.deepEqual(boxesOf(null), []);
  });
});
