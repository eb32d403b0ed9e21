/**
 * Video keys: the folder under the output directory that holds a video's
 * results, derived from its source. Every path segment is sanitised, so an
 * object name can never climb out of the output directory or make an odd path.
 */
import * as path from "node:path";
import { isGcsUri, parseGcsUri } from "./storage";

/** A path segment's limit in bytes: file systems allow 255; room is left for the suffixes a stage adds. */
const maxSegmentBytes = 200;
/** A segment sanitiseSegment keeps as it is: ASCII letters, digits, `.`, `_` and `-`, no leading dot, within the limit. */
const SAFE_ASCII = new RegExp(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,${maxSegmentBytes - 1}}$`);

/**
 * One path segment of a key: letters and digits of any script (with their
 * combining marks, without which Devanagari or Thai names fall apart), `.`,
 * `_` and `-` are kept; every other run of characters (separators, spaces,
 * punctuation, control and bidirectional formatting characters) becomes one
 * `_`, and a leading dot too, so no segment is `.`, `..` or hidden. Unicode
 * names stay distinct: `動画.mp4` and `視頻.mp4` are two folders.
 */
export function sanitiseSegment(segment: string): string {
  // Most names are already safe ASCII, unchanged by the rules below: those skip the Unicode expression, whose
  // first use in a process (ICU's tables) took 3-4 ms of every `process` before its first video could start.
  if (SAFE_ASCII.test(segment)) return segment;
  const cleaned = segment
    .normalize("NFKC")
    .replace(/[^\p{L}\p{M}\p{N}._-]+/gu, "_")
    .replace(/^\.+/, "_");
  return truncateUtf8(cleaned, maxSegmentBytes) || "_";
}

/** The longest prefix of `text` that fits in `bytes` bytes of UTF-8, never splitting a character. */
function truncateUtf8(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  let used = 0;
  let end = 0;
  for (const char of text) {
    used += Buffer.byteLength(char);
    if (used > bytes) break;
    end += char.length;
  }
  return text.slice(0, end);
}

/** `gs://b/uploads/My Clip.mp4` -> `uploads/My_Clip.mp4`; `/data/vtest.avi` -> `vtest.avi`. */
export function videoKey(source: string): string {
  const name = isGcsUri(source) ? parseGcsUri(source).name : path.basename(source);
  const segments = name.split("/").filter((s) => s.length > 0);
  if (segments.length === 0) return "_";
  return segments.map(sanitiseSegment).join("/");
}
