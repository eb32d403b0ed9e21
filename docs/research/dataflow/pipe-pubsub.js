// Streaming probe pipeline: Pub/Sub (native URN) -> decode PubsubMessage -> fixed windows -> GBK -> map.
const beam = require("apache-beam");
const { requireForSerialization } = require("apache-beam/serialization");
const { windowInto } = require("apache-beam/transforms/window");
const { fixedWindows } = require("apache-beam/transforms/windowings");
const { pubsubReadPrimitive } = require("./pubsub-primitive");
const steps = require("./steps");
requireForSerialization("probe-app/steps", steps);

exports.pipeline = async (root) => {
  root
    .apply(pubsubReadPrimitive({ subscription: "projects/vf-check/subscriptions/videoflow-uploads", withAttributes: true }))
    .map(beam.withName("decodeMessage", (bytes) => steps.decodeMessage(bytes)))
    .apply(windowInto(fixedWindows(60)))
    .apply(beam.groupBy((m) => m.eventType))
    .map(beam.withName("count", (kv) => ({ key: kv.key, n: kv.value.length })));
};
