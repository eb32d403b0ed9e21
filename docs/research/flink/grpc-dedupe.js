// Preload (node -r /tmp/flink-probe/grpc-dedupe.js): make every require("@grpc/grpc-js")
// resolve to ONE copy. /work/main/node_modules has two: apache-beam/node_modules/@grpc/grpc-js
// 1.6.12 (used by the portable runner for ChannelCredentials) and the hoisted 1.14.7 (used by
// @protobuf-ts/grpc-transport), so GrpcTransport rejects the runner's credentials with
// "Channel credentials must be a ChannelCredentials object".
const Module = require("module");
const path = require("path");
const target = process.env.GRPC_JS_DIR || "/work/main/node_modules/@grpc/grpc-js";
const resolved = require.resolve(target);
const orig = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === "@grpc/grpc-js") return resolved;
  return orig.call(this, request, parent, ...rest);
};
