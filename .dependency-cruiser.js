// dependency-cruiser (`npm run lint`): the code's layers, checked. Files may
// import only from their own layer or the layers below; no file imports
// itself round a circle. LAYERS lists them bottom to top (paths under
// pipeline/src/ unless they say otherwise): a folder is one layer, so no two
// folders can import each other either.
"use strict";

const src = (p) => `^pipeline/src/${p}`;
const LAYERS = [
  { name: "base", paths: [src("model\\.ts$"), src("errors\\.ts$"), src("log\\.ts$"), src("failure-policy\\.ts$"), src("util/")] },
  { name: "io", paths: [src("io/")] },
  { name: "inference", paths: [src("inference/")] },
  { name: "video", paths: [src("video/")] },
  { name: "output", paths: [src("output/")] },
  { name: "options", paths: [src("options/"), src("cost\\.ts$")] },
  { name: "steps", paths: [src("steps/")] },
  { name: "beam", paths: [src("beam/")] },
  { name: "launch", paths: [src("launch/")] },
  { name: "runtimes", paths: [src("runtimes/")] },
  { name: "commands", paths: [src("commands/"), src("main\\.ts$")] },
  { name: "template", paths: ["^template/[^/]+\\.ts$"] },
  { name: "dev", paths: ["^pipeline/dev/"] },
  { name: "tests", paths: ["^pipeline/test/", "^pipeline/bench/", "^template/test/"] },
];

const upward = LAYERS.flatMap((lower, i) =>
  LAYERS.slice(i + 1).map((higher) => ({
    name: `${lower.name}-imports-${higher.name}`,
    comment: `${lower.name} is below ${higher.name}: it may not import it`,
    severity: "error",
    from: { path: lower.paths },
    to: { path: higher.paths },
  })),
);

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "an import circle: one of its modules belongs lower",
      severity: "error",
      from: { path: "^(pipeline|template)/" },
      to: { circular: true },
    },
    {
      name: "every-file-in-a-layer",
      comment: "a new file or folder: give it its place in LAYERS (.dependency-cruiser.js)",
      severity: "error",
      from: { path: "^(pipeline|template)/.*\\.ts$", pathNot: LAYERS.flatMap((l) => l.paths) },
      to: {},
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules|^dist/" },
    // Type-only imports count: a type is part of a module's interface.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
