/**
 * Every workaround for the Beam TypeScript SDK (apache-beam 2.49.0) lives here.
 *
 * 1. Async DoFns. The SDK calls DoFn.process synchronously (apache/beam#29915,
 *    closed unfixed; PR #29925 unmerged). patches/apache-beam+2.49.0.patch,
 *    applied by `npm run setup`, makes the worker await a Promise or async
 *    iterable returned by process (and Promises yielded by map), and the
 *    direct runner's impulse await its downstream work, so that a run ends
 *    after the work and fails when it fails. `asyncMap` gives such steps
 *    their real types (the SDK's typings still say Promise<O>).
 * 2. Serialization. DoFns are serialized (serialize-closures), even on the
 *    direct runner: whatever a DoFn's closure reaches is copied, and Node's
 *    built-in modules cannot be. The DoFns therefore reach our code through
 *    one module, pipeline/src/steps.ts, registered here as a terminal object:
 *    it is sent by name and required again where the DoFn runs.
 * 3. Compiler. serialize-closures needs ts-closure-transform, which also
 *    miscompiles ordinary code (drops array destructuring elements, leaks the
 *    boxes of captured `let` variables through shorthand properties, turns
 *    `import type` into require()). scripts/beam-closure-transform.js applies
 *    it only to the Beam layer (pipeline.ts, run.ts, beam/), whose DoFns are
 *    small; the stage modules are compiled by plain TypeScript.
 * 4. Names. Stage names must be unique and anonymous functions get none:
 *    every step is given one with withName.
 * 5. Chatter. The SDK's worker prints "Processing ... for bundle_id" with
 *    console.debug on stdout, where our JSON log lines go: it becomes a DEBUG
 *    log line (shown with VIDEOFLOW_DEBUG=1).
 */
import * as beam from "apache-beam";
import { requireForSerialization } from "apache-beam/serialization";
import { format } from "node:util";
import { log } from "../log";
import * as steps from "../steps";

console.debug = (...args: unknown[]) => log("DEBUG", format(...args).replace(/\s+/g, " "));

/** The module name a worker requires to find the steps again. */
export const STEPS_MODULE = "videoflow/dist/pipeline/src/steps";
requireForSerialization(STEPS_MODULE, steps);

/** A named step that awaits an async function per element (needs the patch above). */
export function asyncMap<I, O>(
  name: string,
  fn: (element: I) => Promise<O>,
): (input: beam.PCollection<I>) => beam.PCollection<O> {
  return beam.withName(name, (input: beam.PCollection<I>) => input.map(beam.withName(name, fn)) as unknown as beam.PCollection<O>);
}

export { steps };
