// Node boot for a PROCESS environment: parse Flink's flags, get pipeline options from the
// provision service (worker_main.js needs --options), then hand over to worker_main.js.
const t0 = Date.now();
const args = Object.fromEntries(process.argv.slice(2).map((a) => { const m = a.match(/^--([^=]+)=(.*)$/); return m ? [m[1], m[2]] : [a, true]; }));
console.log("[boot] flags", JSON.stringify(args));
const { GrpcTransport } = require("@protobuf-ts/grpc-transport");
const { ChannelCredentials } = require("@grpc/grpc-js");
const { ProvisionServiceClient } = require("apache-beam/proto/beam_provision_api.client");
const { Struct } = require("apache-beam/proto/google/protobuf/struct");

(async () => {
  let options = {};
  let provision;
  if (args.provision_endpoint) {
    const client = new ProvisionServiceClient(new GrpcTransport({ host: args.provision_endpoint, channelCredentials: ChannelCredentials.createInsecure() }));
    // The Java provision service identifies the worker by the "worker_id" gRPC header (else NPE -> UNKNOWN).
    const { info } = await client.getProvisionInfo({}, { meta: { worker_id: args.id } }).response;
    provision = info;
    options = Struct.toJson(info.pipelineOptions);
    console.log("[boot] provision info: keys", Object.keys(info), "dependencies", (info.dependencies || []).map((d) => d.typeUrn + " " + d.roleUrn), "controlEndpoint", JSON.stringify(info.controlEndpoint), "loggingEndpoint", JSON.stringify(info.loggingEndpoint), "retrievalToken", info.retrievalToken);
    console.log("[boot] pipeline options", JSON.stringify(options));
  }
  // Flink passes only --id and --provision_endpoint: the other endpoints come from the provision info.
  const control = args.control_endpoint || (provision && provision.controlEndpoint && provision.controlEndpoint.url);
  const logging = args.logging_endpoint || (provision && provision.loggingEndpoint && provision.loggingEndpoint.url);
  const argv = [process.argv[0], require.resolve("apache-beam/worker/worker_main"), `--id=${args.id}`, `--control_endpoint=${control}`, `--options=${JSON.stringify(options)}`];
  if (logging && !process.env.NO_LOGGING_ENDPOINT) argv.push(`--logging_endpoint=${logging}`);
  if (args.semi_persist_dir) argv.push(`--semi_persist_dir=${args.semi_persist_dir}`);
  process.argv = argv;
  console.log(`[boot] starting worker_main after ${Date.now() - t0} ms`, argv.slice(2).map((a) => a.slice(0, 120)));
  require("apache-beam/worker/worker_main");
})().catch((e) => { console.error("[boot] failed", e); process.exit(1); });
