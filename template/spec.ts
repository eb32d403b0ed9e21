#!/usr/bin/env node
/**
 * The Flex Template spec file: gcloud's, completed.
 *
 * `gcloud dataflow flex-template build` (Cloud SDK 528, googlecloudsdk
 * api_lib/dataflow/apis.py `_BuildTemplateMetadata`) copies only name,
 * description, parameters and yamlDefinition from metadata.json into the spec
 * it writes: `streaming`, `supportsAtLeastOnce`, `supportsExactlyOnce` and
 * `defaultStreamingMode` are dropped, so the Console would offer no streaming
 * mode. cloudbuild.yaml therefore has gcloud print the spec (`--print-only
 * --format=json`, which is exactly what it would upload), puts the dropped
 * fields back with this program, and copies the result to Cloud Storage.
 *
 *   gcloud dataflow flex-template build ... --print-only --format=json | node dist/template/spec.js metadata.json > spec.json
 */
import { readFileSync } from "node:fs";

const STREAMING_FIELDS = ["streaming", "supportsAtLeastOnce", "supportsExactlyOnce", "defaultStreamingMode"] as const;

/** gcloud's printed spec (a JSON string holding the spec's JSON, or the JSON itself) with metadata.json's streaming fields. */
export function completeSpec(printed: string, metadataJson: string): Record<string, unknown> {
  let spec: unknown = JSON.parse(printed);
  if (typeof spec === "string") spec = JSON.parse(spec);
  const s = spec as { image?: string; metadata?: Record<string, unknown> };
  if (!s.image || !s.metadata) throw new Error("not a Flex Template spec: it needs image and metadata");
  const metadata = JSON.parse(metadataJson) as Record<string, unknown>;
  if (s.metadata.name !== metadata.name)
    throw new Error(`the spec is of template "${s.metadata.name}", the metadata of "${metadata.name}"`);
  for (const field of STREAMING_FIELDS) if (metadata[field] !== undefined) s.metadata[field] = metadata[field];
  return s;
}

if (require.main === module) {
  const metadataFile = process.argv[2];
  if (!metadataFile) {
    process.stderr.write(
      "usage: gcloud dataflow flex-template build ... --print-only --format=json | node dist/template/spec.js metadata.json > spec.json\n",
    );
    process.exit(2);
  }
  const spec = completeSpec(readFileSync(0, "utf8"), readFileSync(metadataFile, "utf8"));
  process.stdout.write(JSON.stringify(spec, null, 4) + "\n");
}
