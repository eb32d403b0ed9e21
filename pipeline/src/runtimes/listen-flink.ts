/**
 * `videoflow listen --runner flink`: the streaming job (beam/pipeline.ts,
 * processUploads) on a local Apache Flink cluster, reading the subscription
 * through the Java Pub/Sub read, until a signal stops it.
 *
 * What differs from the direct runner's listener (listen.ts), by the nature
 * of a real streaming runner:
 * - A message is acknowledged when the Flink checkpoint that holds it
 *   completes (every CHECKPOINT_INTERVAL_MS), not when its video is done:
 *   from then on the video lives in Flink's state. A stopped job's state is
 *   gone with it here (a local cluster), so an upload acknowledged but not yet
 *   processed when the job stops is not processed again by itself.
 * - Each video is processed whole within one element (beam/pipeline.ts,
 *   StreamingShape "whole"): the read is Flink's own unbounded-source read,
 *   whose watermark does not advance, so no GroupByKey on this stream fires
 *   (see beam/workarounds.ts, 11).
 * - Locally one Flink slot (parallelism 1), one element a bundle: videos one
 *   at a time, as they come. On a cluster (--flinkMaster) every slot reads
 *   the subscription: as many videos at once as the cluster has slots.
 */
import { hostname } from "node:os";
import { log } from "../log";
import type { StreamingOptions } from "../options";
import { processUploads } from "../beam/pipeline";
import { readPubSubMessagesThroughJava } from "../beam/pubsub";
import { startStreaming } from "../launch/runners";
import { flinkTarget } from "../launch/flink-cluster";

/** Runs the streaming job until `stop` resolves (a signal's name); returns the exit status. */
export async function listenOnFlink(options: StreamingOptions, stop: Promise<string>): Promise<number> {
  const started = Date.now();
  const job = await startStreaming(
    (expansionAddress) => processUploads(options, readPubSubMessagesThroughJava(options.inputSubscription, expansionAddress), "whole"),
    // The name it has on the cluster, where other jobs may run: this listener's own.
    { jobName: `videoflow-listen-${hostname()}-${process.pid}`, ...flinkTarget(options) },
  );
  const where = options.flinkMaster ? `the Flink cluster at ${options.flinkMaster}` : "local Flink";
  log("INFO", `listening on ${options.inputSubscription} with a streaming job on ${where}, writing to ${options.outputDirectory}`, {
    event: "listening",
    runner: "flink",
    flinkMaster: options.flinkMaster ?? "[local]",
    startSec: (Date.now() - started) / 1000,
  });
  const how = await Promise.race([stop.then((signal) => ({ signal })), job.ended.then((state) => ({ state }))]);
  if ("signal" in how) {
    log("INFO", `${how.signal}: cancelling the streaming job`, { event: "signal", signal: how.signal });
    await job.stop();
    log("INFO", "stopped", { event: "stopped" });
    return 0;
  }
  log("ERROR", `the streaming job ended in ${how.state}`, { event: "job ended", state: how.state });
  await job.stop();
  return 1;
}
