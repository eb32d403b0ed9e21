/**
 * Reading the bucket's notifications from Pub/Sub on Dataflow.
 *
 * The standard transform beam:transform:pubsub_read:v1 with a
 * PubSubReadPayload (the subscription, with attributes: a Cloud Storage
 * notification's eventType lives only there), emitted as a primitive whose
 * output is the serialized google.pubsub.v1.PubsubMessage of each message.
 * Dataflow implements this URN natively; it is exactly the leaf Beam's
 * Python SDK emits for its own ReadFromPubSub. The TypeScript SDK's
 * readFromPubSub is a Java cross-language transform instead: a JVM and an
 * expansion service at graph construction (in the template launcher too), a
 * Java worker container on Dataflow, and its readFromPubSubWithAttributes
 * sends a configuration field (needs_attributes) the 2.49.0 expansion
 * service has no setter for. See docs/research/dataflow/FINDINGS.md, Q4.
 * Only Dataflow runs this read: the direct runner silently yields nothing,
 * and Flink reads through Java (readPubSubMessagesThroughJava, below).
 * replayPubSubMessages gives recorded messages the same shape, for tests.
 */
import * as beam from "apache-beam";
import { BytesCoder } from "apache-beam/coders/required_coders";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { rawExternalTransform } from "apache-beam/transforms/external";
import { withCoderInternal } from "apache-beam/transforms/internal";
import { assignTimestamps } from "apache-beam/transforms/window";
import { steps } from "./workarounds";
// Type queries, not `import type` (see workarounds.ts, 3).
type Pipeline = import("apache-beam/internal/pipeline").Pipeline;
type AsyncPTransform<
  I extends beam.PValue<unknown>,
  O extends beam.PValue<unknown>,
> = import("apache-beam/transforms/transform").AsyncPTransform<I, O>;

export const PUBSUB_READ_URN = "beam:transform:pubsub_read:v1";

/** The messages of a subscription (projects/P/subscriptions/S), with their attributes, as serialized PubsubMessages. */
export function readPubSubMessages(subscription: string): beam.PTransform<beam.Root, beam.PCollection<Uint8Array>> {
  function expandInternal(_input: beam.Root, pipeline: Pipeline, transformProto: runnerApi.PTransform) {
    transformProto.spec = runnerApi.FunctionSpec.create({
      urn: PUBSUB_READ_URN,
      payload: runnerApi.PubSubReadPayload.toBinary(
        runnerApi.PubSubReadPayload.create({ subscription, withAttributes: true, topic: "", idAttribute: "", timestampAttribute: "" }),
      ),
    });
    return pipeline.createPCollectionInternal<Uint8Array>(new BytesCoder(), undefined, runnerApi.IsBounded_Enum.UNBOUNDED);
  }
  return beam.withName("readNotifications", expandInternal) as unknown as beam.PTransform<beam.Root, beam.PCollection<Uint8Array>>;
}

/** The URN of the Java SDK's Pub/Sub read, as its expansion service registers it. */
export const JAVA_PUBSUB_READ_URN = "beam:transform:org.apache.beam:pubsub_read:v1";

/**
 * The same messages through the Java SDK's Pub/Sub read, for runners that do
 * not implement the standard read (Flink): a cross-language transform
 * expanded by the expansion service at `expansionAddress` (the Flink job
 * server's own). Its configuration is Java 2.49's ExternalRead.Configuration:
 * with_attributes (the SDK's readFromPubSubWithAttributes sends
 * needs_attributes, which that class has no setter for). The Java read
 * honours the pubsubRootUrl pipeline option (the emulator).
 */
export function readPubSubMessagesThroughJava(
  subscription: string,
  expansionAddress: string,
): AsyncPTransform<beam.Root, beam.PCollection<Uint8Array>> {
  return beam.withName(
    "readNotifications",
    rawExternalTransform<beam.Root, beam.PCollection<Uint8Array>>(
      JAVA_PUBSUB_READ_URN,
      { subscription, with_attributes: true },
      expansionAddress,
    ),
  );
}

/**
 * Recorded messages (serialized PubsubMessages) as a bounded source with the
 * shape of Dataflow's read: the same bytes, each timestamped with its publish
 * time, as Dataflow's read timestamps them. What drives the streaming graph
 * end to end on runners that cannot read Pub/Sub the way Dataflow does (the
 * direct runner), or should not have to (a test on Flink). The messages travel
 * as base64 text: the runners' generic coder breaks a top-level Uint8Array.
 */
export function replayPubSubMessages(messages: Uint8Array[]): beam.PTransform<beam.Root, beam.PCollection<Uint8Array>> {
  const recorded = messages.map((m) => Buffer.from(m).toString("base64"));
  return beam.withName("readNotifications", (root: beam.Root) =>
    root
      .apply(beam.withName("recorded", beam.create(recorded, false)))
      .map(beam.withName("messageBytes", (base64: string) => steps.bytesOf(base64)))
      .apply(withCoderInternal(new BytesCoder()))
      .apply(
        beam.withName(
          "publishTimes",
          assignTimestamps((bytes: Uint8Array) => steps.publishTimeOf(bytes)),
        ),
      ),
  );
}
