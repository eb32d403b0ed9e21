// DoFn bodies for the probe pipelines. Registered by name so that closures that
// reference this module serialize as a name and are re-required on the worker.
const fs = require("fs");
const { requireForSerialization } = require("apache-beam/serialization");
const NAME = "probe-steps";

function describe(v) {
  if (v === null || v === undefined) return String(v);
  if (Buffer.isBuffer(v)) return "Buffer";
  if (v._bsontype) return "bson." + v._bsontype;
  if (v instanceof Uint8Array) return "Uint8Array";
  return typeof v;
}

function toRecord(w) {
  return { key: w[0], word: w, buf: Buffer.from("buf-" + w) };
}

function tag(e) {
  return { ...e, pid: process.pid, syncAt: Date.now() };
}

async function slowUpper(e) {
  await new Promise((r) => setTimeout(r, 50));
  return { ...e, word: e.word.toUpperCase(), asyncDone: true, bufType: describe(e.buf) };
}

function writeGroup(outFile, kv) {
  const line = JSON.stringify({
    key: kv.key,
    n: kv.value.length,
    values: kv.value.map((v) => ({ word: v.word, asyncDone: v.asyncDone, bufTypeAfterAsync: v.bufType, bufTypeAfterGbk: describe(v.buf), bufContent: v.buf && v.buf.buffer ? Buffer.from(v.buf.buffer).toString() : String(v.buf), pid: v.pid })),
    writerPid: process.pid,
  });
  fs.appendFileSync(outFile, line + "\n");
  return line;
}

module.exports = { toRecord, describe, tag, slowUpper, writeGroup };
requireForSerialization(NAME, module.exports);

// Pub/Sub: with withAttributes the Java read emits serialized google.pubsub.v1.PubsubMessage bytes.
const pubsubForBeam = require(require.resolve("@google-cloud/pubsub", { paths: [require.resolve("apache-beam")] }));
function decodeMessage(bytes) {
  const m = pubsubForBeam.protos.google.pubsub.v1.PubsubMessage.decode(bytes);
  return { key: m.attributes.k || "none", data: Buffer.from(m.data).toString(), attributes: { ...m.attributes }, messageId: m.messageId, receivedAt: new Date().toISOString() };
}
function writeWindowed(outFile, kv, win, ts) {
  const line = JSON.stringify({ key: kv.key, n: kv.value.length, values: kv.value, window: win && win.start !== undefined ? [new Date(Number(win.start)).toISOString(), new Date(Number(win.end)).toISOString()] : String(win), firedAt: new Date().toISOString() });
  fs.appendFileSync(outFile, line + "\n");
  return line;
}
module.exports.decodeMessage = decodeMessage;
module.exports.writeWindowed = writeWindowed;
requireForSerialization(NAME, module.exports);
