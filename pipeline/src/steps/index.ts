/**
 * What each step of the pipeline does to one element, built from the stage
 * modules. Every function takes and returns plain JSON-like data (no
 * Buffers, no undefined: real runners encode elements with BSON) and never
 * throws for a problem with one video: it returns a Failure, which the graph
 * routes to the dead letter. The Beam layer (beam/pipeline.ts) only wires these.
 */
export * from "./video";
export { planSegmentTasks, probe, segmentSecondsFor } from "./probe";
export { processSegment } from "./segment";
export { assemble, checkDecoded } from "./assemble";
export type { ProbedVideo, SegmentDone, SegmentTask, VideoFacts } from "./video-elements";
export * from "./notifications";
export * from "./outcomes";
export * from "./inputs";
