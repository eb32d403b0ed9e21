// A module the DoFns reach by name (registered with requireForSerialization).
exports.double = (x) => x * 2;
// Decode a serialized google.pubsub.v1.PubsubMessage (as produced by Dataflow's
// native Pub/Sub source with with_attributes=true); uses the pubsub protos that
// apache-beam's own io/pubsub.js uses.
exports.decodeMessage = (bytes) => {
  const { PubsubMessage } = require("@google-cloud/pubsub").protos.google.pubsub.v1;
  const m = PubsubMessage.decode(bytes);
  return { data: Buffer.from(m.data).toString("utf8"), eventType: m.attributes.eventType || "", attributes: { ...m.attributes } };
};
