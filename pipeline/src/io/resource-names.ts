/**
 * Google Cloud resource names, checked the way the services check them, so
 * that a bad one is refused up front with one line, the same way on every
 * runner and in the template launcher (Java's PubsubIO, which local Flink
 * runs, refuses `projects/demo/...` only at expansion, with a stack trace).
 * The patterns are regex source text: the options build both their
 * validation and metadata.json's regexes from them.
 */

/**
 * A project id: 6 to 30 lowercase letters, digits and hyphens, starting with a
 * letter and not ending with a hyphen; optionally domain-scoped
 * (`example.com:my-project`), as old projects are.
 */
export const PROJECT_ID = "(?:[a-z][a-z0-9.-]{0,61}[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]";
/** A project number (Vertex AI endpoints are often named by it). */
export const PROJECT_NUMBER = "[1-9][0-9]{0,19}";
/** A Pub/Sub topic or subscription id: 3 to 255 characters, starting with a letter (names starting with "goog" are refused separately). */
export const PUBSUB_NAME = "[A-Za-z][A-Za-z0-9._~+%-]{2,254}";

/**
 * A Cloud Storage bucket name, as far as the characters go: 3 to 222 lowercase
 * letters, digits, dots, hyphens and underscores, starting and ending with a
 * letter or digit (Cloud Storage's further rules, on dotted names and words,
 * it checks itself).
 */
export const BUCKET_NAME = "[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]";
/** A Cloud Storage location: gs://<bucket>, optionally with a path. */
export const GCS_LOCATION = `gs:\\/\\/${BUCKET_NAME}(\\/[^\\n\\r]*)?`;

const projectId = new RegExp(`^${PROJECT_ID}$`);
const pubsubName = new RegExp(`^${PUBSUB_NAME}$`);

export const PROJECT_ID_RULE = "6 to 30 lowercase letters, digits and hyphens, starting with a letter";

/** Why `project` is no project id, or null when it is one. */
export function checkProjectId(project: string, { numberAllowed = false } = {}): string | null {
  if (projectId.test(project) || (numberAllowed && new RegExp(`^${PROJECT_NUMBER}$`).test(project))) return null;
  return `"${project}" is not a project id (${PROJECT_ID_RULE}${numberAllowed ? ", or a project number" : ""})`;
}

/** Why `name` is not `projects/<project id>/<kind>/<id>`, or null when it is. */
export function checkResourceName(name: string, kind: "subscriptions" | "topics"): string | null {
  const singular = kind === "topics" ? "topic" : "subscription";
  const parts = /^projects\/([^/]*)\/([^/]*)\/([^/]*)$/.exec(name);
  if (!parts || parts[2] !== kind) return `must be projects/<project>/${kind}/<${singular}>`;
  const project = checkProjectId(parts[1]);
  if (project) return `names a project that cannot exist: ${project}`;
  if (!pubsubName.test(parts[3]) || parts[3].toLowerCase().startsWith("goog")) {
    return `"${parts[3]}" is not a ${singular} id (3 to 255 letters, digits and - . _ ~ + %, starting with a letter, not with "goog")`;
  }
  return null;
}
