/**
 * End to end: the formats people upload, each made here the way its source
 * makes it (a browser's MediaRecorder, phones, broadcast, editing suites,
 * cameras, AV1, 4K), through the real `videoflow process`: every frame, as
 * bright as the source, upright as players show it, with its sound.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { ffmpegPath, ffprobePath } from "../src/video/tools";
import { opencv } from "../src/video/vision";
import { CliResult, audioFacts, decodedFrameCount, ffmpeg, grayDistance, runCli, tempDir, videoFacts } from "./helpers";

interface Format {
  name: string;
  /** What makes such files. */
  what: string;
  /** Writes such a clip to `file`, from the test pattern and a tone (see `pattern`). */
  make: (file: string) => void;
  /** The picture as players show it. */
  shown: [number, number];
  rotation: number;
  /** The display matrix flips the picture left to right too. */
  mirrored?: boolean;
  /** gray.mp4's sound: the source's codec where MP4 holds it, else AAC; null: the source has none. */
  sound: string | null;
  /** gray.mp4's field order: an interlaced source stays interlaced, its fields untouched. */
  fieldOrder?: string;
  /** The pixels' shape (anamorphic video), kept in gray.mp4; the preview is stretched to it. */
  sampleAspectRatio?: string;
  /**
   * The file whose first video and sound streams are what players play of the clip, when that is not the clip's own
   * first video stream (the test's ffmpeg reads the first): the clip's `make` wrote it beside the clip.
   */
  played?: (file: string) => string;
  /** The frame rate the manifest says and gray.mp4 plays at, where the source's container does not say it. */
  fps?: number;
}

const pattern = (size: string, seconds: number) => [
  "-f",
  "lavfi",
  "-i",
  `testsrc2=size=${size}:rate=${size === "720x576" ? 25 : 30}`,
  "-f",
  "lavfi",
  "-i",
  "sine=frequency=440:sample_rate=48000",
  "-t",
  String(seconds),
];
const x264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"];

/** Sets a stream's display rotation without re-encoding, as a phone's recorder writes it. */
function rotated(file: string, degrees: number, make: (plain: string) => void): void {
  const plain = `${file}.plain${path.extname(file)}`;
  make(plain);
  ffmpeg(["-display_rotation:v:0", String(degrees), "-i", plain, "-c", "copy", "-y", file]);
}

const formats: Format[] = [
  {
    name: "browser.webm",
    what: "MediaRecorder: VP8 and Opus, streamed, so no duration and no cues",
    make: (file) => {
      // Written to a pipe, as a browser streams it: the muxer cannot go back to write a duration or an index.
      const args = [
        "-hide_banner",
        "-nostdin",
        "-v",
        "error",
        ...pattern("320x240", 3),
        "-c:v",
        "libvpx",
        "-deadline",
        "realtime",
        "-cpu-used",
        "8",
        "-b:v",
        "500k",
        "-c:a",
        "libopus",
        "-f",
        "webm",
        "pipe:1",
      ];
      const result = spawnSync(ffmpegPath(), args, { maxBuffer: 1 << 28 });
      assert.equal(result.status, 0, result.stderr.toString());
      writeFileSync(file, result.stdout);
    },
    shown: [320, 240],
    rotation: 0,
    sound: "opus",
  },
  {
    name: "vp9-opus.webm",
    what: "web downloads: VP9 and Opus",
    make: (file) =>
      ffmpeg([
        ...pattern("320x240", 3),
        "-c:v",
        "libvpx-vp9",
        "-deadline",
        "realtime",
        "-cpu-used",
        "8",
        "-b:v",
        "500k",
        "-c:a",
        "libopus",
        "-y",
        file,
      ]),
    shown: [320, 240],
    rotation: 0,
    sound: "opus",
  },
  {
    name: "android.mp4",
    what: "a phone held upright: H.264 and AAC, turned 90 degrees by its display matrix",
    make: (file) => rotated(file, 90, (plain) => ffmpeg([...pattern("320x240", 3), ...x264, "-c:a", "aac", "-y", plain])),
    shown: [240, 320],
    rotation: 90,
    sound: "aac",
  },
  {
    name: "iphone.mov",
    what: "an iPhone held upright: HEVC and AAC in QuickTime, turned -90 degrees",
    make: (file) =>
      rotated(file, -90, (plain) =>
        ffmpeg([
          ...pattern("320x240", 3),
          "-c:v",
          "libx265",
          "-preset",
          "ultrafast",
          "-x265-params",
          "log-level=error",
          "-tag:v",
          "hvc1",
          "-c:a",
          "aac",
          "-y",
          plain,
        ]),
      ),
    shown: [240, 320],
    rotation: -90,
    sound: "aac",
  },
  {
    name: "upside-down.mp4",
    what: "a phone held upside down: turned 180 degrees",
    make: (file) => rotated(file, 180, (plain) => ffmpeg([...pattern("320x240", 3), ...x264, "-c:a", "aac", "-y", plain])),
    shown: [320, 240],
    rotation: 180,
    sound: "aac",
  },
  {
    name: "mirrored.mp4",
    what: "a selfie mirrored by its display matrix and turned a quarter (an editor's flip, without re-encoding)",
    make: (file) => {
      const plain = `${file}.plain.mp4`;
      ffmpeg([...pattern("320x240", 3), ...x264, "-c:a", "aac", "-y", plain]);
      ffmpeg(["-display_rotation:v:0", "90", "-display_hflip:v:0", "-i", plain, "-c", "copy", "-y", file]);
    },
    shown: [240, 320],
    rotation: 90,
    mirrored: true,
    sound: "aac",
  },
  {
    name: "download.mkv",
    what: "a download with its cover picture as a Matroska track before the video (not default): H.264 and AAC",
    make: (file) => {
      // One keyframe (x264's default interval is 250 frames): every 1-second segment after the first depends on a seek.
      const video = `${file}.video.mp4`;
      const cover = `${file}.cover.jpg`;
      ffmpeg([...pattern("320x240", 3), ...x264, "-c:a", "aac", "-y", video]);
      ffmpeg(["-f", "lavfi", "-i", "testsrc=size=160x120", "-frames:v", "1", "-y", cover]);
      ffmpeg(["-i", cover, "-i", video, "-map", "0", "-map", "1", "-c", "copy", "-disposition:v:0", "0", "-y", file]);
    },
    shown: [320, 240],
    rotation: 0,
    sound: "aac",
    played: (file) => `${file}.video.mp4`,
  },
  {
    name: "authoring.m2v",
    what: "a bare MPEG-2 elementary stream, as DVD authoring exports it (no container, no sound): decoded in one piece",
    make: (file) =>
      ffmpeg([...pattern("720x576", 3), "-map", "0:v", "-c:v", "mpeg2video", "-g", "12", "-bf", "2", "-f", "mpeg2video", "-y", file]),
    shown: [720, 576],
    rotation: 0,
    sound: null,
  },
  {
    name: "camera.h264",
    what: "a raw H.264 stream, as a Raspberry Pi camera records it (no container, no timestamps; here with B-frames): decoded in one piece",
    make: (file) => ffmpeg([...pattern("320x240", 3), "-map", "0:v", ...x264, "-bf", "2", "-f", "h264", "-y", file]),
    shown: [320, 240],
    rotation: 0,
    sound: null,
    fps: 30,
  },
  {
    name: "hdr10.mp4",
    what: "HDR10 from a phone or camera: HEVC 10-bit, PQ, with mastering display and light level metadata, and AAC",
    make: (file) =>
      ffmpeg([
        ...pattern("320x240", 3),
        "-vf",
        "format=yuv420p10le",
        "-c:v",
        "libx265",
        "-x265-params",
        "log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:max-cll=1000,400:" +
          "master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1)",
        "-tag:v",
        "hvc1",
        "-c:a",
        "aac",
        "-y",
        file,
      ]),
    shown: [320, 240],
    rotation: 0,
    sound: "aac",
  },
  {
    name: "trimmed.mp4",
    what: "trimmed without re-encoding (LosslessCut, a phone's trim, `-c copy`): its edit list hides the packets back to the keyframe",
    make: (file) => {
      const whole = `${file}.whole.mp4`;
      ffmpeg([...pattern("320x240", 6), ...x264, "-g", "60", "-c:a", "aac", "-y", whole]);
      ffmpeg(["-ss", "1.7", "-i", whole, "-c", "copy", "-y", file]);
    },
    shown: [320, 240],
    rotation: 0,
    sound: "aac",
  },
  {
    name: "two-languages.mp4",
    what: "a second sound track marked default (a dub, a commentary, a camera's second microphone) after an unmarked one",
    make: (file) => {
      // What players play: the video and the default track (AAC); the first track, unmarked, is MP3.
      const played = `${file}.played.mp4`;
      ffmpeg([...pattern("320x240", 3), ...x264, "-c:a", "aac", "-y", played]);
      ffmpeg(
        ["-i", played, "-f", "lavfi", "-t", "3", "-i", "sine=frequency=300", "-map", "0:v", "-map", "1:a", "-map", "0:a"].concat([
          "-c:v",
          "copy",
          "-c:a:0",
          "libmp3lame",
          "-c:a:1",
          "copy",
          "-disposition:a:0",
          "0",
          "-disposition:a:1",
          "default",
          "-y",
          file,
        ]),
      );
    },
    shown: [320, 240],
    rotation: 0,
    sound: "aac",
    played: (file) => `${file}.played.mp4`,
  },
  {
    name: "editing.mkv",
    what: "Matroska from an editor or OBS: H.264 and FLAC",
    make: (file) => ffmpeg([...pattern("320x240", 3), ...x264, "-c:a", "flac", "-y", file]),
    shown: [320, 240],
    rotation: 0,
    sound: "aac",
  },
  {
    name: "broadcast.ts",
    what: "broadcast: interlaced MPEG-2 (top field first) and MP2 in MPEG-TS",
    make: (file) =>
      ffmpeg([
        ...pattern("720x576", 3),
        "-c:v",
        "mpeg2video",
        "-flags",
        "+ilme+ildct",
        "-top",
        "1",
        "-b:v",
        "4M",
        "-c:a",
        "mp2",
        "-f",
        "mpegts",
        "-y",
        file,
      ]),
    shown: [720, 576],
    rotation: 0,
    sound: "aac",
    fieldOrder: "tt",
  },
  {
    name: "XDCAM.MXF",
    what: "a broadcast camera or playout server: XDCAM HD422 (interlaced 4:2:2 MPEG-2) and 4 mono PCM tracks in MXF",
    make: (file) =>
      ffmpeg([
        ...pattern("1920x1080", 2),
        "-filter_complex",
        "[1:a]asplit=4[a1][a2][a3][a4]",
        "-map",
        "0:v",
        ...["[a1]", "[a2]", "[a3]", "[a4]"].flatMap((track) => ["-map", track]),
        "-c:v",
        "mpeg2video",
        "-pix_fmt",
        "yuv422p",
        "-b:v",
        "50M",
        "-flags",
        "+ilme+ildct",
        "-top",
        "1",
        "-c:a",
        "pcm_s24le",
        "-f",
        "mxf",
        "-y",
        file,
      ]),
    shown: [1920, 1080],
    rotation: 0,
    // The first track, as players play it.
    sound: "aac",
    fieldOrder: "tt",
  },
  {
    name: "hdv.m2t",
    what: "an HDV camcorder: anamorphic 1440x1080 (shown 1920 wide), interlaced MPEG-2 and MP2 in MPEG-TS",
    make: (file) =>
      ffmpeg([
        ...pattern("1440x1080", 1),
        ...["-vf", "setsar=4/3", "-c:v", "mpeg2video", "-flags", "+ilme+ildct", "-top", "1", "-b:v", "25M"],
        ...["-c:a", "mp2", "-f", "mpegts", "-y", file],
      ]),
    shown: [1440, 1080],
    rotation: 0,
    sound: "aac",
    fieldOrder: "tt",
    sampleAspectRatio: "4:3",
  },
  {
    name: "prores.mov",
    what: "an editing suite's master: ProRes 422, 10-bit, and PCM",
    make: (file) => ffmpeg([...pattern("320x240", 3), "-c:v", "prores_ks", "-profile:v", "2", "-c:a", "pcm_s16le", "-y", file]),
    shown: [320, 240],
    rotation: 0,
    sound: "aac",
  },
  {
    name: "camera.avi",
    what: "a camera or webcam: Motion JPEG (full range) and PCM in AVI",
    make: (file) =>
      ffmpeg([...pattern("320x240", 3), "-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj422p", "-c:a", "pcm_s16le", "-y", file]),
    shown: [320, 240],
    rotation: 0,
    sound: "aac",
  },
  {
    name: "av1.mp4",
    what: "AV1 and Opus in MP4",
    make: (file) =>
      ffmpeg([...pattern("320x240", 3), "-c:v", "libsvtav1", "-preset", "10", "-svtav1-params", "lp=2", "-c:a", "libopus", "-y", file]),
    shown: [320, 240],
    rotation: 0,
    sound: "opus",
  },
  {
    name: "4k.mp4",
    what: "4K: 3840x2160 H.264 and AAC",
    make: (file) =>
      ffmpeg([...pattern("3840x2160", 1), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-y", file]),
    shown: [3840, 2160],
    rotation: 0,
    sound: "aac",
  },
];

function streamEntry(file: string, stream: string, entry: string): string {
  const result = spawnSync(ffprobePath(), [
    "-v",
    "error",
    "-select_streams",
    stream,
    "-show_entries",
    `stream=${entry}`,
    "-of",
    "csv=p=0",
    file,
  ]);
  return result.stdout.toString().trim().replace(/,$/, "");
}

describe("the formats people upload: every frame, upright, with its sound", () => {
  const dir = tempDir();
  const out = path.join(dir, "out");
  const sources = new Map<string, string>();
  let run: CliResult;

  before(() => {
    // Arrange: one clip of each kind, made as its source makes it.
    for (const f of formats) {
      const file = path.join(dir, f.name);
      f.make(file);
      sources.set(f.name, file);
    }
    assert.equal(streamEntry(sources.get("browser.webm")!, "v:0", "duration"), "N/A", "the browser's WebM declares no duration");
    // Act: one run over all of them, each cut into 1-second segments that are joined again.
    run = runCli(["process", ...sources.values(), "--output", out, "--segmentSeconds", "1", "--previewFrames", "4"]);
  });

  it("processes every one", () => {
    assert.equal(run.code, 0, run.stdout.slice(-4000) + run.stderr);
    assert.equal(run.events.filter((e) => e.event === "video done").length, formats.length);
  });

  for (const f of formats) {
    it(`${f.name} (${f.what})`, () => {
      const source = f.played ? f.played(sources.get(f.name)!) : sources.get(f.name)!;
      const folder = path.join(out, f.name);
      const grayVideo = path.join(folder, "gray.mp4");
      const manifest = JSON.parse(readFileSync(path.join(folder, "manifest.json"), "utf8"));
      const [width, height] = f.shown;
      // Assert: every frame ffmpeg decodes from the source, at the size players show it.
      const frames = decodedFrameCount(source);
      assert.equal(manifest.video.frames, frames);
      assert.equal(videoFacts(grayVideo).frames, frames);
      assert.deepEqual(
        [manifest.video.width, manifest.video.height, manifest.video.rotation, manifest.video.mirrored],
        [width, height, f.rotation, f.mirrored ?? false],
      );
      assert.deepEqual([videoFacts(grayVideo).width, videoFacts(grayVideo).height], [width, height], "gray.mp4 is upright");
      // Pixel by pixel the picture a player shows of the source (ffmpeg's decode turns it upright too), as bright.
      const distances = grayDistance(source, grayVideo, width, height, 5);
      assert.equal(distances.length, 5);
      distances.forEach((d, i) => assert.ok(d < 4, `frame ${i}: ${d.toFixed(2)} levels from the source's on average`));
      // The sound, all of it.
      const sound = audioFacts(grayVideo);
      if (f.sound === null) {
        assert.equal(sound, null, "no sound in, none out");
        assert.equal(manifest.audio, null);
      } else {
        assert.equal(sound?.codec, f.sound);
        assert.ok(Math.abs(sound!.durationSec - audioFacts(source)!.durationSec) < 0.1, `sound lasts ${sound!.durationSec} s`);
        // The manifest says what the source's sound was and what gray.mp4 holds, as ffprobe finds them.
        assert.deepEqual(manifest.audio, { codec: audioFacts(source)!.codec, grayVideoCodec: sound!.codec });
      }
      if (f.fps) {
        assert.equal(manifest.video.fps, f.fps);
        assert.equal(streamEntry(grayVideo, "v:0", "avg_frame_rate"), `${f.fps}/1`, "gray.mp4 plays at that rate");
        assert.ok(Math.abs(manifest.video.durationSec - frames / f.fps) < 1e-3, `${manifest.video.durationSec} s`);
      }
      if (f.fieldOrder) assert.equal(streamEntry(grayVideo, "v:0", "field_order"), f.fieldOrder, "still interlaced, fields in order");
      // The pixels' shape, said and kept.
      const sampleAspectRatio = f.sampleAspectRatio ?? "1:1";
      assert.equal(manifest.video.sampleAspectRatio, sampleAspectRatio);
      if (f.sampleAspectRatio) assert.equal(streamEntry(grayVideo, "v:0", "sample_aspect_ratio"), f.sampleAspectRatio);
      // The preview's thumbnails are of the upright picture as players show it (4 in a row, at most 320 wide each):
      // anamorphic video in square pixels, so a thumbnail is as much less tall as the picture is wider.
      const preview = opencv().imread(path.join(folder, "preview.jpg"));
      const [a, b] = sampleAspectRatio.split(":").map(Number);
      const shownWidth = Math.round((width * a) / b);
      assert.equal(preview.cols, 4 * Math.min(320, shownWidth) + 5 * 4);
      const thumbnailHeight = Math.round(height * Math.min(1, 320 / shownWidth));
      assert.equal(preview.rows, thumbnailHeight + 22 + 2 * 4, "one row of thumbnails, each with its label");
    });
  }
});
