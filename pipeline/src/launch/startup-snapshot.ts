/**
 * videoflow's start-up snapshot (scripts/build-snapshot.js writes it; bin/videoflow starts Node from it): where it
 * is and whether it is current. bin/videoflow applies the same rule in shell: it starts from the snapshot only when
 * the snapshot is newer than the compiled entry script, and from that script otherwise.
 */
import { existsSync, statSync } from "node:fs";
import * as path from "node:path";

const repoRoot = path.resolve(__dirname, "..", "..", "..", "..");
export const STARTUP_SNAPSHOT = path.join(repoRoot, ".cache", "snapshot", "videoflow.blob");
const ENTRY_SCRIPT = path.join(repoRoot, "dist", "pipeline", "src", "main.js");

/** Whether bin/videoflow would start from the snapshot: it exists and is newer than the compiled code. */
export function startupSnapshotCurrent(): boolean {
  return existsSync(STARTUP_SNAPSHOT) && statSync(STARTUP_SNAPSHOT).mtimeMs > statSync(ENTRY_SCRIPT).mtimeMs;
}
