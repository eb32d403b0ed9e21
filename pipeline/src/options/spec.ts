/**
 * What a parameter is (ParameterSpec), how the command line's and a template
 * launch's raw values become typed options (parseParameters), and the error a
 * command line videoflow cannot run gets. The parameters themselves are in
 * this folder, one file per group; each one's rule (rules.ts) gives both its
 * check and the template form's regex.
 */
import type { z } from "zod";

/**
 * A command line videoflow cannot run. `showUsage`: the command line's shape
 * is wrong (no command, an unknown one, an unknown option), so the usage text
 * helps; a wrong value gets its one line only.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly showUsage = false,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

export interface ParameterSpec {
  name: string;
  /** Shorter CLI spelling accepted as well as --name. */
  cliAlias?: string;
  label: string;
  helpText: string;
  /** Validates and converts the value as given on a command line or in a template form. */
  schema: z.ZodType;
  isOptional: boolean;
  defaultValue?: string;
  regexes?: readonly string[];
  /** How the template form shows it (metadata.json's paramType). */
  paramType: ParamType;
  /** The choices of an ENUM, with what the form shows for each. */
  enumOptions?: { value: string; label: string; description?: string }[];
  /** The template form's section. */
  groupName?: string;
  /** false: not a template parameter (a local runtime's only, or one the launcher and gcloud set). */
  inTemplate?: boolean;
}

/** The paramTypes videoflow's parameters use (the Flex Template metadata's names). */
export type ParamType = "TEXT" | "NUMBER" | "BOOLEAN" | "ENUM" | "GCS_WRITE_FOLDER" | "PUBSUB_SUBSCRIPTION" | "PUBSUB_TOPIC";

/** Whether a parameter has a value after parsing: it is required, or has a default. */
type AlwaysSet<P> = P extends { isOptional: false } ? true : P extends { defaultValue: string } ? true : false;

/** The options a list of parameters parses into, typed from their schemas: what parseParameters returns. */
export type OptionsOf<S extends readonly ParameterSpec[]> = {
  -readonly [P in S[number] as AlwaysSet<P> extends true ? P["name"] : never]: z.output<P["schema"]>;
} & {
  -readonly [P in S[number] as AlwaysSet<P> extends true ? never : P["name"]]?: z.output<P["schema"]>;
};

/** snake_case (as Dataflow's launchers and Python write parameters) to camelCase (as videoflow names them). */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Validates raw parameter values (strings from argv or a template launch)
 * against `specs`, applying defaults. Throws a UsageError naming each bad
 * parameter and what is wrong with it.
 */
export function parseParameters<const S extends readonly ParameterSpec[]>(raw: Record<string, string | undefined>, specs: S): OptionsOf<S> {
  const known = new Set<string>(specs.map((p) => p.name));
  const unknown = Object.keys(raw).filter((k) => !known.has(k) && raw[k] !== undefined);
  if (unknown.length > 0)
    throw new UsageError(`unknown parameter${unknown.length > 1 ? "s" : ""}: ${unknown.map((k) => `--${k}`).join(", ")}`);
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const p of specs) {
    const given = raw[p.name] ?? p.defaultValue;
    if (given === undefined || given === "") {
      if (!p.isOptional) problems.push(`--${p.name}${p.cliAlias ? ` (--${p.cliAlias})` : ""} is required: ${p.label.toLowerCase()}`);
      continue;
    }
    const result = p.schema.safeParse(given);
    if (result.success) values[p.name] = result.data;
    else problems.push(`--${p.name} ${result.error.issues.map((i) => i.message).join(", ")} (got "${given}")`);
  }
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return values as OptionsOf<S>;
}
