/**
 * Work the start-up snapshot's build does once (scripts/snapshot-entry.js),
 * so that a run started from the snapshot finds it done: the probe's reading
 * of a small made-up video's ffprobe output. zod builds a schema's checking
 * code on its first parse and V8 compiles a function on its first call: in
 * a run of `process`, parseProbe took 3-8 ms between the probes' end and the
 * first ffmpeg, 0.3-0.6 ms once warmed here.
 * Only pure functions belong here: a module that keeps what it reads from
 * the environment or the machine (video/decode.ts keeps the core count)
 * would keep the build's.
 */
import { VideoInfo, describeScanned, parseProbe } from "../video/probe";

/** ffprobe's headers of a 2 s, 25 fps H.264 and AAC MP4 (the fields the probe reads). */
const HEADERS = {
  streams: [
    {
      index: 0,
      codec_type: "video",
      codec_name: "h264",
      width: 320,
      height: 240,
      pix_fmt: "yuv420p",
      color_range: "tv",
      field_order: "progressive",
      sample_aspect_ratio: "1:1",
      r_frame_rate: "25/1",
      avg_frame_rate: "25/1",
      nb_frames: "50",
      duration: "2.000000",
      start_time: "0.000000",
      time_base: "1/12800",
      disposition: { default: 1, attached_pic: 0 },
      tags: {},
    },
    {
      index: 1,
      codec_type: "audio",
      codec_name: "aac",
      nb_frames: "95",
      duration: "2.000000",
      start_time: "0.000000",
      time_base: "1/48000",
      disposition: { default: 1, attached_pic: 0 },
      tags: {},
    },
  ],
  format: { format_name: "mov,mp4,m4a,3gp,3g2,mj2", duration: "2.000000", start_time: "0.000000" },
};

/** Its packet scan: 50 frames of 512 ticks, a keyframe each second. */
const PACKETS = Array.from({ length: 50 }, (_, i) => `0,${i * 512},${i * 512},512,1000,${i % 25 === 0 ? "K__" : "___"}`).join("\n");

/** Reads the made-up video's probe as probeVideo reads a real one's; returns what it found. */
export function warmUpForSnapshot(): VideoInfo {
  return describeScanned(parseProbe(HEADERS, "snapshot warm-up"), PACKETS, "snapshot warm-up");
}
