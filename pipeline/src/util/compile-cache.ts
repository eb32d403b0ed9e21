/**
 * Node's on-disk compile cache (node:module enableCompileCache, Node 22.1+),
 * turned on by each entry point before it loads anything else. Every
 * videoflow process loads about 200 modules (Beam, its protobuf code, zod)
 * and compiling them is a large part of its start: with the cache, `process`
 * on a short clip took 1.086x less time in paired runs (docs/performance-log.md).
 * The cache lives where NODE_COMPILE_CACHE says, else in the system's temporary
 * folder; the image fills it at build time. Where the folder cannot be
 * written Node runs without it, and nothing else changes.
 */
import * as nodeModule from "node:module";
import { startupSnapshot } from "node:v8";

// Not while the start-up snapshot is built (scripts/build-snapshot.js): its main turns the cache on when it starts.
if (!startupSnapshot?.isBuildingSnapshot()) nodeModule.enableCompileCache?.();
