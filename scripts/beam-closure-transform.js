// Beam workaround (see pipeline/src/beam/workarounds.ts): the Beam TS SDK
// serializes DoFns with serialize-closures, which needs every function to
// carry a __closure property written by ts-closure-transform. That transform
// also rewrites code it should not (it drops elements of array destructuring,
// boxes captured `let` variables and then leaks the box through shorthand
// properties, turns `import type` into require()), so it is applied only to
// the Beam layer: the files that define DoFns. The stage modules are reached
// through a module registered for serialization and are never serialized.
"use strict";
const { beforeTransform, afterTransform } = require("ts-closure-transform");

const BEAM_LAYER = /[\\/]pipeline[\\/]src[\\/]beam[\\/][^\\/]+\.ts$/;

function onlyBeamLayer(factory) {
  return (context) => {
    const transform = factory(context);
    return (sourceFile) => (BEAM_LAYER.test(sourceFile.fileName) ? transform(sourceFile) : sourceFile);
  };
}

module.exports.before = () => onlyBeamLayer(beforeTransform());
module.exports.after = () => onlyBeamLayer(afterTransform());
