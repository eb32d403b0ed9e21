/**
 * The prediction client against the real local model server (OpenCV's Haar
 * cascades over the prediction REST shape) on loopback. Google endpoints are
 * pointed at the same server with a fake token source: no network.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ModelServer, startModelServer } from "../dev/model-server";
import { GaveUp } from "../src/failure-policy";
import { parseEndpoint, toInstance } from "../src/inference/inference";
import { PredictError, PredictionClient } from "../src/inference/prediction-client";
import { opencv } from "../src/video/vision";
import { ffmpeg, sample } from "./helpers";

const instant = async () => undefined;

describe("PredictionClient and the local model", () => {
  let server: ModelServer;
  let people: unknown;
  let blank: unknown;

  before(async () => {
    server = await startModelServer();
    // A real frame with pedestrians (vtest.avi, frame 300) and a blank one.
    const frame = ffmpeg(["-ss", "30", "-i", sample("vtest.avi"), "-frames:v", "1", "-f", "image2pipe", "-c:v", "mjpeg", "-"]);
    people = toInstance("b64", { jpeg: frame, width: 768, height: 576 });
    const cv = opencv();
    blank = toInstance("automl", { jpeg: cv.imencode(".jpg", new cv.Mat(240, 320, cv.CV_8UC1, 128)), width: 320, height: 240 });
  });

  after(async () => {
    await server.stop();
  });

  it("finds the people in a real frame and nothing in a blank one", async () => {
    server.setFaults({});
    const client = new PredictionClient(parseEndpoint(server.predictUrl), { maxConcurrentRequests: 2 });
    const reply = await client.predict([people, blank]);
    assert.equal(reply.deployedModelId, "haar-people-1");
    const found = reply.predictions[0] as { displayNames: string[]; bboxes: number[][] };
    assert.ok(found.displayNames.filter((n) => n === "person").length >= 2, `people found: ${JSON.stringify(found)}`);
    for (const b of found.bboxes)
      assert.ok(
        b.every((v) => v >= 0 && v <= 1),
        "normalised boxes",
      );
    assert.deepEqual(reply.predictions[1], { displayNames: [], confidences: [], bboxes: [] });
  });

  it("calls Vertex AI and AI Platform endpoints at their paths with a bearer token; plain URLs without one", async () => {
    server.setFaults({});
    const token = { getAccessToken: async () => "fake-token" };
    for (const spec of ["projects/my-project/locations/us-central1/endpoints/123", "projects/my-project/models/people/versions/v1"]) {
      const client = new PredictionClient(parseEndpoint(spec), { maxConcurrentRequests: 1, baseUrl: server.baseUrl, tokenSource: token });
      await client.predict([blank]);
      const seen = server.requests[server.requests.length - 1];
      assert.equal(seen.path, `/v1/${spec}:predict`);
      assert.equal(seen.authorization, "Bearer fake-token");
    }
    await new PredictionClient(parseEndpoint(server.predictUrl), { maxConcurrentRequests: 1, tokenSource: token }).predict([blank]);
    assert.equal(server.requests[server.requests.length - 1].authorization, null);
  });

  it("retries bursts of 429 and 500 until they pass", async () => {
    server.setFaults({ rate429: 0.3, errorRate: 0.3, seed: 7 });
    const client = new PredictionClient(parseEndpoint(server.predictUrl), {
      maxConcurrentRequests: 4,
      retryBudgetMs: 3_600_000,
      sleep: instant,
    });
    const replies = await Promise.all(Array.from({ length: 12 }, () => client.predict([blank])));
    assert.ok(replies.every((r) => r.predictions.length === 1));
    assert.ok(
      replies.some((r) => r.attempts > 1),
      "some requests were retried",
    );
    assert.ok(server.requests.some((r) => r.status === 429) && server.requests.some((r) => r.status === 500));
  });

  it("fails at once on a status not worth retrying, with the endpoint's message", async () => {
    server.setFaults({ failAll: { status: 403, message: "Permission denied on endpoint" } });
    const client = new PredictionClient(parseEndpoint(server.predictUrl), { maxConcurrentRequests: 1, sleep: instant });
    await assert.rejects(
      client.predict([blank]),
      (e: PredictError) => e.status === 403 && e.attempts === 1 && /HTTP 403: .*Permission denied on endpoint/.test(e.message),
    );
  });

  it("gives up on a 503 that lasts longer than its retry budget, saying how many tries over how long", async () => {
    server.setFaults({ failAll: { status: 503, message: "overloaded" } });
    const before = server.requests.length;
    const client = new PredictionClient(parseEndpoint(server.predictUrl), {
      maxConcurrentRequests: 1,
      retryBudgetMs: 20_000,
      sleep: instant,
    });
    await assert.rejects(client.predict([blank]), (e: Error) => {
      assert.ok(e instanceof GaveUp, String(e));
      // Waits of 0.5, 1, 2, 4, 8, 16 s, each 50-100 % of that: 6 or 7 tries fit in 20 s.
      assert.ok(e.tries === 6 || e.tries === 7, `tries: ${e.tries}`);
      assert.equal(server.requests.length - before, e.tries);
      assert.match(e.message, /gave up after \d+ tries over \d+\.\d s: HTTP 503: .*overloaded/);
      return true;
    });
  });

  it("treats malformed and short replies as errors", async () => {
    const client = new PredictionClient(parseEndpoint(server.predictUrl), { maxConcurrentRequests: 1, sleep: instant });
    server.setFaults({ malformedRate: 1 });
    await assert.rejects(client.predict([blank]), /reply is not JSON/);
    server.setFaults({ shortRate: 1 });
    await assert.rejects(client.predict([blank, blank]), /returned 1 predictions for 2 instances/);
  });

  it("keeps at most maxConcurrentRequests in flight", async () => {
    server.setFaults({ latencyMs: 50 });
    const client = new PredictionClient(parseEndpoint(server.predictUrl), { maxConcurrentRequests: 3 });
    let inFlight = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        const release = await client.acquire();
        inFlight++;
        most = Math.max(most, inFlight);
        try {
          await client.predict([blank]);
        } finally {
          inFlight--;
          release();
        }
      }),
    );
    assert.equal(most, 3);
  });
});
