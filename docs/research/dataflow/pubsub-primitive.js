// A Pub/Sub read for Dataflow without the Java expansion service: the standard
// URN beam:transform:pubsub_read:v1 with a PubSubReadPayload, emitted as a
// primitive (no subtransforms) whose output is an UNBOUNDED PCollection of bytes
// (a serialized google.pubsub.v1.PubsubMessage when withAttributes is true).
// Only a runner that implements the URN natively (Dataflow) can run it; the
// direct/Flink runners cannot.
const beam = require("apache-beam");
const runnerApi = require("apache-beam/proto/beam_runner_api");
const { BytesCoder } = require("apache-beam/coders/required_coders");
const { withName } = require("apache-beam/transforms/transform");

const PUBSUB_READ_URN = "beam:transform:pubsub_read:v1";

function pubsubReadPrimitive({ subscription, topic, withAttributes = true, idAttribute = "", timestampAttribute = "" }) {
  if (!!subscription === !!topic) throw new TypeError("exactly one of subscription, topic");
  function expandInternal(input, pipeline, transformProto) {
    transformProto.spec = runnerApi.FunctionSpec.create({
      urn: PUBSUB_READ_URN,
      payload: runnerApi.PubSubReadPayload.toBinary(runnerApi.PubSubReadPayload.create({
        subscription: subscription || "", topic: topic || "",
        withAttributes, idAttribute, timestampAttribute,
      })),
    });
    // Keep the SDK's default environment id (preApplyTransform sets it), as
    // Beam Python 2.49 does for its own ReadFromPubSub leaf; Dataflow replaces
    // the transform natively either way. (Set "" to mimic impulse instead.)
    return pipeline.createPCollectionInternal(new BytesCoder(), undefined, runnerApi.IsBounded_Enum.UNBOUNDED);
  }
  return withName("pubsubRead", expandInternal);
}
module.exports = { pubsubReadPrimitive, PUBSUB_READ_URN };
