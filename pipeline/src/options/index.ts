/**
 * Options: the single source of truth for every parameter's name, label,
 * help text and validation. The CLI's flags, the Flex Template's
 * metadata.json and the Dataflow job all read their parameters from here.
 * One file per group of parameters; spec.ts says what a parameter is and how
 * values are parsed, rules.ts the rules values follow.
 */
import type { ParameterSpec } from "./spec";
import { pipelineParameters } from "./pipeline";
import { streamingParameters } from "./streaming";
import { dataflowParameters } from "./dataflow";

export * from "./spec";
export * from "./pipeline";
export * from "./streaming";
export * from "./dataflow";
export * from "./redrive";
export * from "./cost";

/** Every parameter of the pipeline and its runtimes, for documentation and the template. */
export const parameters: readonly ParameterSpec[] = [...pipelineParameters, ...streamingParameters, ...dataflowParameters];
