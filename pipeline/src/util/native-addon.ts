/**
 * Opens a native addon (.node file) by its path with process.dlopen, as
 * Node's loader does for one, without the loader: no resolving of a path
 * already known, and, in a run from the start-up snapshot, no first use of
 * the loader, which hands it every module the snapshot holds
 * (scripts/snapshot-entry.js: 7 ms of CPU beside the decoders).
 */
export function openNativeAddon(file: string): unknown {
  const module = { exports: {} };
  process.dlopen(module, file);
  return module.exports;
}
