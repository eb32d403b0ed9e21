/**
 * The Flex Template's metadata.json, generated from the options (the single
 * source of truth for names, labels, help texts and validation). metadata.json
 * is proto3 JSON (TemplateMetadata), which has no field for a "generated"
 * note: `npm run generate` writes it, and a test fails when the committed
 * file differs from this function's output.
 */
import { ParameterSpec, pipelineParameters, streamingParameters } from "../pipeline/src/options";

/** metadata.json's parameter entries (Dataflow's ParameterMetadata). */
export interface ParameterMetadata {
  name: string;
  label: string;
  helpText: string;
  isOptional: boolean;
  regexes?: string[];
  paramType: string;
  groupName?: string;
  enumOptions?: { value: string; label: string; description?: string }[];
  defaultValue?: string;
}

/** The template's parameters: the pipeline's and the streaming job's, less those of local runtimes and Dataflow's own. */
export function templateParameters(): ParameterSpec[] {
  return ([...pipelineParameters, ...streamingParameters] as readonly ParameterSpec[]).filter((p) => p.inTemplate !== false);
}

export function templateMetadata() {
  return {
    name: "videoflow",
    description:
      "Processes every video uploaded to a Cloud Storage bucket: reads the bucket's notifications from Pub/Sub, " +
      "converts each video to grayscale (gray.mp4), writes a preview picture, per-frame predictions from an optional " +
      "ML endpoint (Vertex AI, AI Platform or TF Serving) and a manifest with metrics under the output directory. " +
      "Videos that cannot be processed get a dead-letter record with the reason.",
    streaming: true,
    // A video's outputs go to paths fixed by its object and generation, with the manifest last as the commit
    // marker: a redelivered notification rewrites the same result, never a second one. So the cheaper
    // at-least-once mode loses nothing, and is the default.
    supportsAtLeastOnce: true,
    supportsExactlyOnce: true,
    defaultStreamingMode: "AT_LEAST_ONCE",
    parameters: templateParameters().map(parameterMetadata),
  };
}

function parameterMetadata(p: ParameterSpec): ParameterMetadata {
  return {
    name: p.name,
    label: p.label,
    helpText: p.helpText,
    isOptional: p.isOptional,
    ...(p.regexes ? { regexes: [...p.regexes] } : {}),
    paramType: p.paramType,
    ...(p.groupName ? { groupName: p.groupName } : {}),
    ...(p.enumOptions ? { enumOptions: p.enumOptions } : {}),
    ...(p.defaultValue !== undefined ? { defaultValue: p.defaultValue } : {}),
  };
}

/** metadata.json's text, as committed. */
export function metadataJson(): string {
  return JSON.stringify(templateMetadata(), null, 2) + "\n";
}
