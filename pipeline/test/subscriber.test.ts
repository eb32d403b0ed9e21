import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { subscriberOptions } from "../src/runtimes/listen";

describe("the listener's subscriber options", () => {
  it("hold a message for as long as a long video takes (a day, not the client's hour), renewing its lease every few seconds", () => {
    const options = subscriberOptions(8);
    // @google-cloud/pubsub stops renewing a lease after maxExtensionTime (60 minutes unless set), and the message
    // is then delivered again: to another listener, which would start the same video over.
    assert.ok(options.maxExtensionTime.totalOf("hour") >= 24, `${options.maxExtensionTime.totalOf("hour")} h`);
    assert.equal(options.maxAckDeadline.totalOf("second"), 10);
    assert.deepEqual(options.flowControl, { maxMessages: 8, allowExcessMessages: false });
  });
});
