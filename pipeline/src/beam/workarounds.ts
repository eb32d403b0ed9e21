/**
 * Every workaround for the Beam TypeScript SDK (apache-beam 2.49.0), described
 * in one place. Their code is here, in the patches applied by `npm run setup`,
 * and, for the runners (7, 9, 11), in launch/.
 *
 * 1. Async DoFns. The SDK calls DoFn.process synchronously (apache/beam#29915,
 *    closed unfixed; PR #29925 unmerged). patches/apache-beam+2.49.0.patch,
 *    applied by `npm run setup`, makes the worker await a Promise or async
 *    iterable returned by process (and Promises yielded by map), and the
 *    direct runner's impulse await its downstream work, so that a run ends
 *    after the work and fails when it fails. (The same patch gives the
 *    worker's control stream an error handler: 11.) `asyncMap` gives such steps
 *    their real types (the SDK's typings still say Promise<O>).
 * 2. Serialization. DoFns are serialized (serialize-closures), even on the
 *    direct runner: whatever a DoFn's closure reaches is copied, and Node's
 *    built-in modules cannot be. The DoFns therefore reach our code through
 *    one module, pipeline/src/steps/ (its index), registered here as a terminal object:
 *    it is sent by name and required again where the DoFn runs.
 *    patches/serialize-closures+0.2.9.patch inlines util.isPrimitive, which
 *    Node 22 deprecates (a DEP0054 warning on every run) and Node 23 removed,
 *    and looks builtins up in maps rather than by linear search (its walk of
 *    the 623 builtins searched its results for each; internal/serialize.js,
 *    in the SDK's patch, keeps one builtins list rather than a new one per
 *    call and runs its BigInt replacer and reviver only when needed): the 12
 *    DoFns of a `process` took about 30 ms to serialize and deserialize.
 * 3. Compiler. serialize-closures needs ts-closure-transform, which also
 *    miscompiles ordinary code (drops array destructuring elements, leaks the
 *    boxes of captured `let` variables through shorthand properties, turns
 *    `import type` into require()). scripts/beam-closure-transform.js applies
 *    it only to this folder, pipeline/src/beam/ (the graph, the Pub/Sub read,
 *    these workarounds), whose DoFns are small; everything else (the steps,
 *    the stages, the launchers in launch/) is compiled by plain TypeScript.
 *    So a DoFn is defined in this folder, or nowhere.
 * 4. Names. Stage names must be unique and anonymous functions get none:
 *    every step is given one with withName.
 * 5. Chatter. The SDK prints on stdout, where our JSON log lines go: every
 *    control request its worker gets (console.log of an object, over many
 *    lines), "Processing ... for bundle_id" (console.debug), its loopback
 *    server's address (console.info). That becomes one-line DEBUG log lines
 *    (shown with VIDEOFLOW_DEBUG=1); its console.warn and console.error
 *    become WARNING and ERROR lines. videoflow itself never uses console.
 * 6. Workers in other processes (a runner's PROCESS environment, Dataflow's
 *    containers) start with nothing registered: worker_main.js requires each
 *    registered module name from inside node_modules/apache-beam, and the
 *    module must register itself when required. So the name registered is
 *    this module's own (STEPS_MODULE), and `npm run setup` links
 *    node_modules/videoflow to the project so that the name resolves.
 * 7. Runners (launch/runners.ts, util/processes.ts). Options given to Runner.run() are
 *    dropped (runners/runner.js): they go to the PortableRunner's
 *    constructor. The SDK's Flink runner downloads a shaded job-server jar
 *    that Maven Central does not serve for 2.49.0 (404), so the job server
 *    runs from a class path Maven resolves (runners/flink/pom.xml), with the
 *    --add-opens flags Flink 1.15 needs on Java 17. The SDK's service helper
 *    inherits stdio (the JVM's lines would mix with our JSON log lines) and
 *    waits 10 s for a port: util/processes.ts starts them instead.
 * 8. Two copies of @grpc/grpc-js (apache-beam's nested 1.6 and the 1.14 that
 *    @google-cloud/pubsub 5 hoists) make every PortableRunner submission fail
 *    with "Channel credentials must be a ChannelCredentials object":
 *    package.json's overrides give apache-beam the hoisted copy.
 * 9. Dataflow (launch/dataflow.ts). The SDK's Dataflow runner pip-installs the
 *    latest Beam, overwrites the experiments, and its DOCKER environment
 *    runs `npm pack apache-beam@2_49_rc` (no such tag): the TypeScript
 *    environment is made a DOCKER environment with nothing staged before the
 *    pipeline reaches the PortableRunner, which then leaves it alone. Beam's
 *    Python job service (2.49.0) marks a written template FAILED, waits for a
 *    streaming job to finish and leaks its own flags into the job's options:
 *    runners/dataflow/job_service.py. The TypeScript readFromPubSub is a Java
 *    cross-language transform: pubsub.ts emits the standard read instead.
 * 10. Module order. Requiring an SDK module (apache-beam/worker/...,
 *    apache-beam/proto/...) before the SDK's index fails on a circular import
 *    (pvalue.js: "Class extends value undefined"): worker-boot.ts imports
 *    "apache-beam" first.
 * 11. Streaming on local Flink (runners.ts startStreaming, pubsub.ts,
 *    pipeline.ts StreamingShape). The Pub/Sub read is Java's, configured
 *    with with_attributes (the SDK's readFromPubSubWithAttributes sends a
 *    field Java 2.49 has no setter for), expanded by an expansion service of
 *    our own with --experiments=use_deprecated_read: Flink's own unbounded
 *    source read, not the splittable-DoFn read, which sometimes never read
 *    at all and keeps every self-checkpoint in state (apache/beam#27648;
 *    docs/research/flink/FINDINGS.md, Q6). Its DOCKER environment becomes
 *    EMBEDDED (no Docker here; the job server's class path has the Java IO).
 *    The legacy read's watermark does not advance, so the Flink job takes
 *    each video whole, needing no GroupByKey. One element a bundle
 *    (maxBundleSize 1): an element otherwise waited in an open bundle until
 *    another arrived. Beam's Cancel leaves the job running in Flink (it
 *    fails over and replays what it read): jobs are cancelled through
 *    Flink's REST API first. The SDK worker's control stream has no error
 *    handler, so a runner that goes away killed our process with an
 *    unhandled 'error' event: the patch (see 1) adds one.
 * 12. The artifact cache (runners/artifacts.js): an artifact fetched for a
 *    cross-language expansion was renamed into the cache before its write
 *    stream had opened the file (ENOENT on every first run with an empty
 *    ~/.apache_beam): the patch waits for the file to be written and closed.
 * 13. Metrics (worker/metrics.js): the patch resets a metric cell's value
 *    between bundles (each bundle reports its own updates, which runners add
 *    up; unpatched, counters were counted again with every bundle) and
 *    encodes a distribution as the model's four varints (unpatched, an
 *    iterable of them, which a runner read as count 0).
 * 14. Start-up (index.js): the SDK's entry loaded every I/O connector (Pub/Sub,
 *    Kafka, BigQuery...: 0.35 s of each process's start, for none that
 *    videoflow uses): the patch defines them as getters that load on first use.
 *    Likewise gRPC (worker/data.js, state.js, logging.js, worker.js: 66
 *    modules and the Fn API's clients, about 40 ms): it loads when a worker
 *    opens a channel to a runner, which the direct runner never does (it
 *    takes only BundleProcessor from worker.js); BSON (coders/js_coders.js),
 *    which only elements crossing processes need, and a worker's log capture
 *    (capture-console) load on first use too; the coders take protobufjs'
 *    minimal build (Reader and Writer are all they use); uuid.v4 is Node's
 *    crypto.randomUUID. A read + gray run loads 202 modules, not 280, and
 *    sdk-patch.test.ts checks that none of these loads on the direct runner.
 *    serialize-closures lists the JavaScript built-ins (its walk of Node's
 *    globals) on first use, not when loaded: videoflow's start-up snapshot
 *    (scripts/build-snapshot.js) holds the loaded SDK, and V8 cannot write
 *    what that walk reaches (console, Intl, WebAssembly) into a snapshot.
 *    Not Beam's, but the same kind: patches/zod+4.6.7.patch makes zod's
 *    `locales` (every language's error messages, 63 modules: 43 -> 27 ms of
 *    zod's load) load on first use; videoflow's messages are zod's English
 *    defaults, loaded anyway.
 */
import * as beam from "apache-beam";
import { requireForSerialization } from "apache-beam/serialization";
import { format } from "node:util";
import { debugLogged, log } from "../log";
import * as steps from "../steps";

const oneLine = (args: unknown[]) => format(...args).replace(/\s+/g, " ");
/** What the SDK says at the normal end of a job on a portable runner (and grpc-js 1.14 of the SDK's server use): not trouble. */
const ROUTINE = /Multiplexer hanging up|^Control channel closed|DeprecationWarning: Calling start\(\) is no longer necessary/;
const routed =
  (severity: "WARNING" | "ERROR") =>
  (...args: unknown[]) => {
    const message = oneLine(args);
    log(ROUTINE.test(message) ? "DEBUG" : severity, message);
  };

/** Turns the SDK's console output into our log lines (see 5); every launcher calls it before the SDK runs. */
export function routeSdkConsole(): void {
  // Formatted only when logged: the direct runner says something per bundle (util.format took 5 ms of a `process`).
  console.debug =
    console.log =
    console.info =
      (...args: unknown[]) => {
        if (debugLogged()) log("DEBUG", oneLine(args));
      };
  console.warn = routed("WARNING");
  console.error = routed("ERROR");
}

/** The module name a worker requires to find the steps again: this module, which registers them (see 6). */
export const STEPS_MODULE = "videoflow/dist/pipeline/src/beam/workarounds";
requireForSerialization(STEPS_MODULE, steps);

/** A named step that awaits an async function per element (needs the patch above). */
export function asyncMap<I, O>(name: string, fn: (element: I) => Promise<O>): (input: beam.PCollection<I>) => beam.PCollection<O> {
  return beam.withName(name, (input: beam.PCollection<I>) => input.map(beam.withName(name, fn)) as unknown as beam.PCollection<O>);
}

export { steps };
