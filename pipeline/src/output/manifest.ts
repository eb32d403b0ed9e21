/**
 * What a video's run leaves behind: the output layout, the manifest (written
 * last, the commit marker) and the dead-letter record.
 */
import { Stage } from "../errors";
import type { VideoInfo } from "../video/probe";
import { audioPlan } from "../video/assemble";
import type { InferenceSummary } from "../inference/predict-frames";
import type { OriginalNotification } from "../model";
import { PreconditionFailed, joinUri, removeUri, sizeOf, writeData } from "../io/storage";
import { round } from "../util/numbers";

export const DEAD_LETTER_FOLDER = "_deadletter";
export const WORK_FOLDER = "_work";

export interface OutputLayout {
  folder: string;
  grayVideo: string;
  preview: string;
  predictions: string;
  manifest: string;
  deadLetter: string;
  /** Where segments wait between encoding and assembly. */
  work: string;
}

export function outputLayout(outputDirectory: string, key: string): OutputLayout {
  const folder = joinUri(outputDirectory, key);
  return {
    folder,
    grayVideo: joinUri(folder, "gray.mp4"),
    preview: joinUri(folder, "preview.jpg"),
    predictions: joinUri(folder, "predictions.jsonl"),
    manifest: joinUri(folder, "manifest.json"),
    deadLetter: joinUri(outputDirectory, DEAD_LETTER_FOLDER, `${key}.json`),
    work: joinUri(outputDirectory, WORK_FOLDER, key),
  };
}

/** Whether a video's manifest, written last, exists: the video is done, and another notification of it asks for nothing. */
export async function isCommitted(outputDirectory: string, key: string): Promise<boolean> {
  return (await sizeOf(outputLayout(outputDirectory, key).manifest)) !== undefined;
}

export interface Manifest {
  source: string;
  key: string;
  status: "ok";
  /**
   * width and height as gray.mp4 is (upright); rotation, how far the source had to be turned for that, and mirrored,
   * whether it was also flipped left to right (its display matrix says so);
   * sampleAspectRatio, the shape of its pixels ("1:1" square; players stretch other shapes, and so does the preview);
   * timestampJumps, where recordings joined end to end each restart their clock (MPEG-TS, PS): read as players play them.
   */
  video: Pick<
    VideoInfo,
    | "codec"
    | "width"
    | "height"
    | "sampleAspectRatio"
    | "rotation"
    | "mirrored"
    | "fps"
    | "durationSec"
    | "framesListed"
    | "framesHeld"
    | "timestampJumps"
  > & {
    /** Frames decoded: the frames of gray.mp4. */
    frames: number;
    /** Pictures the container holds that could not be decoded. */
    framesUndecodable: number;
    /** "constant": frames on a fixed grid (held frames are gaps in it); "variable": each frame at its own time. */
    timing: "constant" | "variable";
  };
  /**
   * The source's sound (the audio stream players play: probe.ts, playedAudioStream), and gray.mp4's: the same codec, copied, or AAC where MP4 does not
   * take the source's (PCM, MP2, Vorbis...). grayVideoCodec is absent when gray.mp4 is not written; null: no sound.
   */
  audio: { codec: string; grayVideoCodec?: string } | null;
  /** grayVideo is absent when writeGrayVideo is false, predictions without an endpoint. */
  outputs: { grayVideo?: string; preview: string; manifest: string; predictions?: string };
  segments: number;
  inference?: InferenceSummary;
  metrics: {
    /** From the start of probing to the manifest, in seconds. */
    wallSec: number;
    /** Frames of the video divided by wallSec. */
    framesPerSec: number;
    /** Seconds spent encoding segments, summed over segments (may exceed wallSec when they overlap). */
    segmentSec: number;
    assembleSec: number;
  };
  createdAt: string;
}

export interface DeadLetter {
  source: string;
  key: string;
  status: "failed";
  stage: Stage;
  reason: string;
  /** The failure was not the video's (storage or network): a later attempt may succeed. */
  retryable: boolean;
  failedAt: string;
  /** The notification that asked for the video (streaming runtimes): what `videoflow redrive` sends again. */
  notification?: OriginalNotification;
}

export function buildManifest(args: {
  source: string;
  key: string;
  video: Omit<VideoInfo, "timeline">;
  /** Frames decoded, and pictures that could not be. */
  decoded: number;
  undecodable: number;
  layout: OutputLayout;
  segments: number;
  startedAt: number;
  segmentSec: number;
  assembleSec: number;
  inference?: InferenceSummary;
  /** Whether gray.mp4 was written (default true). */
  grayVideo?: boolean;
  now?: number;
}): Manifest {
  const now = args.now ?? Date.now();
  const wallSec = Math.max(0.001, (now - args.startedAt) / 1000);
  const v = args.video;
  const frames = args.decoded;
  const outputs: Manifest["outputs"] = {
    ...(args.grayVideo === false ? {} : { grayVideo: args.layout.grayVideo }),
    preview: args.layout.preview,
    manifest: args.layout.manifest,
  };
  if (args.inference) outputs.predictions = args.layout.predictions;
  return {
    source: args.source,
    key: args.key,
    status: "ok",
    video: {
      codec: v.codec,
      width: v.width,
      height: v.height,
      sampleAspectRatio: v.sampleAspectRatio,
      rotation: v.rotation,
      mirrored: v.mirrored,
      fps: round(v.fps, 3),
      durationSec: round(v.durationSec, 3),
      frames,
      framesListed: v.framesListed,
      framesHeld: v.framesHeld,
      framesUndecodable: args.undecodable,
      timing: v.constantRate ? "constant" : "variable",
      timestampJumps: v.timestampJumps,
    },
    audio: audioOf(v.audioCodec, args.grayVideo !== false),
    outputs,
    segments: args.segments,
    ...(args.inference ? { inference: args.inference } : {}),
    metrics: {
      wallSec: round(wallSec, 3),
      framesPerSec: round(frames / wallSec, 1),
      segmentSec: round(args.segmentSec, 3),
      assembleSec: round(args.assembleSec, 3),
    },
    createdAt: new Date(now).toISOString(),
  };
}

/** Manifest.audio: what gray.mp4 carries is what joinSegments and the whole-video encode put in it (assemble.ts, audioPlan). */
function audioOf(codec: string | null, grayVideo: boolean): Manifest["audio"] {
  if (codec === null) return null;
  return grayVideo ? { codec, grayVideoCodec: audioPlan(codec) === "copy" ? codec : "aac" } : { codec };
}

/**
 * Writes the manifest (last, as the commit marker) and clears a dead letter
 * left by an earlier failed run. In Cloud Storage, `generation` is the
 * manifest's generation when this attempt looked (0: none): if another
 * attempt wrote it since, this one does not overwrite it and returns false.
 */
export async function writeManifest(manifest: Manifest, layout: OutputLayout, generation: number | null = null): Promise<boolean> {
  try {
    await writeData(
      layout.manifest,
      JSON.stringify(manifest, null, 2) + "\n",
      "application/json",
      generation === null ? {} : { ifGenerationMatch: generation },
    );
  } catch (err) {
    if (err instanceof PreconditionFailed) return false;
    throw err;
  }
  await removeUri(layout.deadLetter);
  return true;
}

export async function writeDeadLetter(record: DeadLetter, layout: OutputLayout): Promise<void> {
  await writeData(layout.deadLetter, JSON.stringify(record, null, 2) + "\n", "application/json");
}
