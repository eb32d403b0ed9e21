/**
 * Video keys: the folder under the output directory that holds a video's
 * results, derived from its source. Every path segment is sanitised, so an
 * object name can never climb out of the output directory or make an odd path.
 */
import * as path from "node:path";
import { isGcsUri, parseGcsUri } from "./storage";

export function sanitiseSegment(segment: string): string {
  const cleaned = segment
    .normalize("NFKC")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^\.+/, "_")
    .slice(0, 200);
  return cleaned || "_";
}

/** `gs://b/uploads/My Clip.mp4` -> `uploads/My_Clip.mp4`; `/data/vtest.avi` -> `vtest.avi`. */
export function videoKey(source: string): string {
  const name = isGcsUri(source) ? parseGcsUri(source).name : path.basename(source);
  const segments = name.split("/").filter((s) => s.length > 0);
  if (segments.length === 0) return "_";
  return segments.map(sanitiseSegment).join("/");
}
