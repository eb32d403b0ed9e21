/**
 * Dataflow's own parameters, for `listen --runner dataflow`: what the Flex
 * Template launcher passes (and gcloud's flags set), not the template's.
 */
import type { ParameterSpec } from "./spec";
import { gcsOrAbsolutePath, matching, projectId } from "./rules";

export const dataflowParameters = [
  {
    name: "project",
    paramType: "TEXT",
    inTemplate: false,
    label: "Google Cloud project",
    helpText: "The Google Cloud project the Dataflow job runs in (its id, like my-project-123). Required with --runner dataflow.",
    ...projectId(),
    isOptional: true,
  },
  {
    name: "region",
    paramType: "TEXT",
    inTemplate: false,
    label: "Dataflow region",
    helpText: "The region the Dataflow job runs in, like us-central1. Required with --runner dataflow.",
    ...matching("[a-z]+-[a-z]+[0-9]+", "must be a region like us-central1"),
    isOptional: true,
  },
  {
    name: "tempLocation",
    paramType: "TEXT",
    inTemplate: false,
    label: "Temporary location",
    helpText:
      "Where Dataflow keeps temporary files: gs://bucket/path (or, for an offline check, an absolute local path). Required with --runner dataflow, unless --stagingLocation is given (then the same).",
    ...gcsOrAbsolutePath(),
    isOptional: true,
  },
  {
    name: "stagingLocation",
    paramType: "TEXT",
    inTemplate: false,
    label: "Staging location",
    helpText:
      "Where the job's pipeline is staged for the workers: gs://bucket/path (or, for an offline check, an absolute local path). Defaults to --tempLocation.",
    ...gcsOrAbsolutePath(),
    isOptional: true,
  },
  {
    name: "sdkContainerImage",
    paramType: "TEXT",
    inTemplate: false,
    label: "Worker image",
    helpText:
      "The Docker image the Dataflow workers run (videoflow's image, which is also the template's launcher), like us-docker.pkg.dev/my-project/videoflow/videoflow:1.0. Required with --runner dataflow; a template launch defaults to the template's own image.",
    ...matching(
      "[a-z0-9.-]+(:[0-9]+)?\\/[^\\s:@]+(:[\\w.-]+|@sha256:[0-9a-f]{64})",
      "must be a full image name, like us-docker.pkg.dev/p/repo/image:tag",
    ),
    isOptional: true,
  },
  {
    name: "jobName",
    paramType: "TEXT",
    inTemplate: false,
    label: "Job name",
    helpText:
      "The Dataflow job's name: lowercase letters, digits and hyphens, starting with a letter. Defaults to videoflow-<date and time>.",
    ...matching("[a-z]([-a-z0-9]*[a-z0-9])?", "must be lowercase letters, digits and hyphens, starting with a letter"),
    isOptional: true,
  },
  {
    name: "templateLocation",
    paramType: "TEXT",
    inTemplate: false,
    label: "Where to write the job request",
    helpText:
      "Writes the Dataflow job request (JSON) here instead of creating the job: how a Flex Template launcher collects a job, and how it is checked offline. gs://bucket/path or an absolute local path.",
    ...gcsOrAbsolutePath(),
    isOptional: true,
  },
  {
    name: "dataflowEndpoint",
    paramType: "TEXT",
    inTemplate: false,
    label: "Dataflow API endpoint",
    helpText: "The Dataflow API's root URL, for a stand-in (tests use a loopback server, http://127.0.0.1:PORT). Empty: Google's.",
    ...matching("https?:\\/\\/[^\\s]+", "must be an http(s):// URL"),
    isOptional: true,
  },
] as const satisfies readonly ParameterSpec[];
