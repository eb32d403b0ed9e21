import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { VideoError } from "../src/errors";
import { clockSeconds, countFrames, declaredLengthSec, describeFrames, parseProbe, probeVideo } from "../src/video/probe";
import { parsePacketScan } from "../src/video/timeline";
import { displayMirrored, displayRotation, squarePixelSize } from "../src/video/picture";
import { firstLocalInput } from "../src/commands/early-probes";
import { HEADERS, PACKETS, ffprobeArgs, probeEarly } from "../src/video/probe-commands";
import { ffprobePath, runEarly, runTool } from "../src/video/tools";
import { ffmpeg, makeClip, recordingWrapper, runCli, tempDir } from "./helpers";

describe("parseProbe (ffprobe's JSON)", () => {
  it("reads the video stream and notices audio", () => {
    const info = parseProbe(
      {
        streams: [
          { index: 0, codec_type: "audio", codec_name: "aac" },
          {
            index: 1,
            codec_type: "video",
            codec_name: "h264",
            width: 640,
            height: 360,
            pix_fmt: "yuv420p",
            r_frame_rate: "30000/1001",
            avg_frame_rate: "30000/1001",
            nb_frames: "1798",
            duration: "59.993267",
            time_base: "1/30000",
          },
        ],
        format: { duration: "60.0", start_time: "0.000000" },
      },
      "a.mp4",
    );
    assert.deepEqual(info, {
      container: "unknown",
      codec: "h264",
      width: 640,
      height: 360,
      sampleAspectRatio: "1:1",
      rotation: 0,
      streamIndex: 1,
      seeksByAnotherStream: false,
      fpsFraction: "30000/1001",
      fps: 30000 / 1001,
      timeBase: { num: 1, den: 30000 },
      originSec: 0,
      recordedFrames: 1798,
      declaredSec: 59.993267,
      streamEndSec: 59.993267,
      pixelFormat: "yuv420p",
      colorRange: "unknown",
      audioCodec: "aac",
      audioStreamIndex: 0,
      mirrored: false,
      constantRate: true,
      interlaced: false,
    });
  });

  it("takes MPEG-1 video's average rate where ffprobe doubles its nominal one (VCD), and no other codec's", () => {
    const stream = (codec: string) =>
      parseProbe(
        {
          streams: [
            {
              codec_type: "video",
              codec_name: codec,
              width: 352,
              height: 240,
              r_frame_rate: "60000/1001",
              avg_frame_rate: "30000/1001",
              time_base: "1/90000",
            },
          ],
        },
        "vcd.mpg",
      );
    const vcd = stream("mpeg1video");
    assert.deepEqual([vcd.fpsFraction, vcd.constantRate], ["30000/1001", true]);
    const phone = stream("h264");
    assert.deepEqual([phone.fpsFraction, phone.constantRate], ["60000/1001", false], "a phone's variable rate stays variable");
  });

  it("flags variable frame rate, skips cover art, and declares no length of its own when only the file has one", () => {
    const info = parseProbe(
      {
        streams: [
          { index: 0, codec_type: "video", codec_name: "mjpeg", width: 300, height: 300, disposition: { attached_pic: 1 } },
          {
            index: 1,
            codec_type: "video",
            codec_name: "h264",
            width: 1280,
            height: 720,
            r_frame_rate: "60/1",
            avg_frame_rate: "2400/91",
            time_base: "1/1000",
          },
          { index: 2, codec_type: "audio", codec_name: "opus" },
        ],
        format: { duration: "12.5" },
      },
      "phone.webm",
    );
    assert.equal(info.width, 1280);
    assert.equal(info.streamIndex, 1);
    assert.equal(info.constantRate, false);
    assert.equal(info.declaredSec, null, "the file's 12.5 s may be its sound's");
  });

  it("takes the sound players play: the default audio track, else the first", () => {
    const video = { index: 0, codec_type: "video", codec_name: "h264", width: 64, height: 48, r_frame_rate: "25/1", time_base: "1/25" };
    const audio = (index: number, codec_name: string, isDefault: number) => ({
      index,
      codec_type: "audio",
      codec_name,
      disposition: { default: isDefault },
    });
    const chosen = (streams: object[]) => {
      const info = parseProbe({ streams, format: {} }, "x.mp4");
      return [info.audioStreamIndex, info.audioCodec];
    };
    assert.deepEqual(chosen([video, audio(1, "mp3", 0), audio(2, "aac", 1)]), [2, "aac"]);
    assert.deepEqual(chosen([video, audio(1, "mp3", 0), audio(2, "aac", 0)]), [1, "mp3"]);
    assert.deepEqual(chosen([video]), [null, null]);
  });

  it("takes the video stream players show: the default track, then one with frames over a lone picture", () => {
    const stream = (index: number, over: object) => ({
      index,
      codec_type: "video",
      codec_name: "h264",
      width: 640,
      height: 360,
      r_frame_rate: "25/1",
      avg_frame_rate: "25/1",
      time_base: "1/12800",
      ...over,
    });
    const still = { codec_name: "mjpeg", width: 300, height: 300, nb_frames: "1" };
    const chosen = (streams: object[]) => parseProbe({ streams, format: {} }, "x.mkv").streamIndex;
    assert.equal(chosen([stream(0, { ...still, disposition: { default: 0 } }), stream(1, { disposition: { default: 1 } })]), 1);
    assert.equal(
      chosen([stream(0, { ...still, disposition: { default: 1 } }), stream(1, { nb_frames: "250", disposition: { default: 1 } })]),
      1,
    );
    assert.equal(chosen([stream(0, { disposition: { default: 1 } }), stream(1, { disposition: { default: 0 } })]), 0);
    assert.equal(chosen([stream(0, {}), stream(1, {})]), 0, "nothing to tell them apart: the first");
  });

  it("takes a fixed-rate container's listed frames as its declared length (AVI)", () => {
    const info = parseProbe(
      {
        streams: [
          {
            codec_type: "video",
            codec_name: "mpeg4",
            width: 320,
            height: 240,
            r_frame_rate: "15/1",
            avg_frame_rate: "15/1",
            nb_frames: "166",
            duration: "6.33",
            time_base: "1/15",
          },
        ],
      },
      "capture.avi",
    );
    // Its own duration; with its listed frames it declares 166 / 15 s, and 101 frames read are a truncated file.
    assert.equal(info.declaredSec, 6.33);
    assert.ok(Math.abs(declaredLengthSec(info, 166)! - 166 / 15) < 1e-9);
    const pts = Array.from({ length: 101 }, (_, i) => `${i},${i},1,1000`).join("\n");
    assert.throws(() => describeFrames(info, parsePacketScan(pts), "capture.avi"), /only 6.7 s of the 11.1 s it declares/);
  });

  it("does not call an MP4 cut without re-encoding truncated: the packets its edit list leaves out are not its length", () => {
    // `ffmpeg -ss 1.3 -i long.mp4 -t 4 -c copy`: 161 packets listed, the first 39 (back to the keyframe) discarded.
    const cut = parseProbe(
      {
        streams: [{ codec_type: "video", codec_name: "h264", width: 640, height: 360, r_frame_rate: "30/1", avg_frame_rate: "30/1" }].map(
          (s) => ({ ...s, nb_frames: "161", duration: "4.066016", time_base: "1/15360" }),
        ),
      },
      "cut.mp4",
    );
    const lines = Array.from({ length: 161 }, (_, i) => {
      const pts = (i - 39) * 512;
      return `${pts},${pts - 1024},512,1000,${i === 0 ? "K" : "_"}${i < 39 ? "D" : "_"}`;
    });
    const info = describeFrames(cut, parsePacketScan(lines.join("\n")), "cut.mp4");
    assert.equal(info.frames, 122);
    assert.equal(info.framesListed, 122);
    // A third of it gone is still truncated.
    assert.throws(() => describeFrames(cut, parsePacketScan(lines.slice(0, 120).join("\n")), "cut.mp4"), /only 2.7 s of the 4.1 s/);
  });

  it("says what is missing", () => {
    const audioOnly = { streams: [{ codec_type: "audio", codec_name: "mp3" }] };
    assert.throws(
      () => parseProbe(audioOnly, "song.mp3"),
      (e: VideoError) => e.stage === "probe" && /song.mp3 has no video stream \(it has: audio\)/.test(e.reason),
    );
    assert.throws(() => parseProbe({ streams: [] }, "x"), /no streams at all/);
    assert.throws(
      () => parseProbe({ streams: [{ codec_type: "video", width: 10, height: 10, r_frame_rate: "0/0" }] }, "x"),
      /no usable frame rate/,
    );
  });
});

describe("displayRotation (phones record sideways and say so)", () => {
  it("takes whole quarter turns, as ffmpeg turns the frames, and swaps the shown size for a quarter turn", () => {
    const turns = [
      undefined,
      [],
      [{ rotation: 90 }],
      [{ rotation: -90 }],
      [{ rotation: 270 }],
      [{ rotation: -180 }],
      [{ rotation: 45 }],
      [{ rotation: 89.9999 }],
    ];
    assert.deepEqual(turns.map(displayRotation), [0, 0, 90, -90, -90, 180, 0, 90]);
    // Mirrored (ffmpeg's -display_hflip): ffprobe calls a plain mirror -180 and a quarter turn mirrored 90.
    const matrix = (a: number, b: number, c: number, d: number) =>
      `\n00000000: ${a} ${b} 0\n00000001: ${c} ${d} 0\n00000002: 0 0 1073741824\n`;
    const mirror = [{ rotation: -180, displaymatrix: matrix(-65536, 0, 0, 65536) }];
    const turnedMirror = [{ rotation: 90, displaymatrix: matrix(0, -65536, -65536, 0) }];
    const turned = [{ rotation: 90, displaymatrix: matrix(0, -65536, 65536, 0) }];
    assert.deepEqual([mirror, turnedMirror, turned].map(displayRotation), [0, 90, 90]);
    assert.deepEqual([mirror, turnedMirror, turned, undefined].map(displayMirrored), [true, true, false, false]);
    const phone = parseProbe(
      {
        streams: [
          {
            codec_type: "video",
            codec_name: "hevc",
            width: 1920,
            height: 1080,
            r_frame_rate: "30/1",
            avg_frame_rate: "30/1",
            time_base: "1/600",
            side_data_list: [{ side_data_type: "Display Matrix", rotation: -90 }],
          },
        ],
      },
      "IMG_0001.MOV",
    );
    assert.deepEqual([phone.width, phone.height, phone.rotation], [1080, 1920, -90]);
  });

  it("says the shape of the pixels, of the upright picture, and the size players show it at in square pixels", () => {
    const stream = (sar: string | undefined, rotation = 0) =>
      parseProbe(
        {
          streams: [
            {
              codec_type: "video",
              codec_name: "mpeg2video",
              width: 1440,
              height: 1080,
              r_frame_rate: "25/1",
              time_base: "1/90000",
              ...(sar === undefined ? {} : { sample_aspect_ratio: sar }),
              ...(rotation ? { side_data_list: [{ rotation }] } : {}),
            },
          ],
        },
        "hdv.m2t",
      );
    const hdv = stream("4:3");
    assert.equal(hdv.sampleAspectRatio, "4:3");
    assert.deepEqual(squarePixelSize(hdv), { width: 1920, height: 1080 });
    // Unknown or square: as coded. Reduced: 8:6 is 4:3.
    for (const unknown of [undefined, "0:1", "N/A", "1:1"]) assert.equal(stream(unknown).sampleAspectRatio, "1:1");
    assert.equal(stream("8:6").sampleAspectRatio, "4:3");
    // Turned a quarter, the pixel is 3 wide to 4 tall: the upright 1080x1440 picture is shown 810 wide.
    const turned = stream("4:3", 90);
    assert.deepEqual([turned.width, turned.height, turned.sampleAspectRatio], [1080, 1440, "3:4"]);
    assert.deepEqual(squarePixelSize(turned), { width: 810, height: 1440 });
    // Widescreen PAL DVD, and NTSC DV 4:3 (narrower pixels): to even widths.
    assert.deepEqual(squarePixelSize({ width: 720, height: 576, sampleAspectRatio: "64:45" }), { width: 1024, height: 576 });
    assert.deepEqual(squarePixelSize({ width: 720, height: 480, sampleAspectRatio: "8:9" }), { width: 640, height: 480 });
    assert.deepEqual(squarePixelSize({ width: 321, height: 240, sampleAspectRatio: "1:1" }), { width: 321, height: 240 });
  });
});

describe("describeFrames (headers and packets)", () => {
  const avi = parseProbe(
    {
      streams: [
        {
          codec_type: "video",
          codec_name: "mpeg4",
          width: 320,
          height: 240,
          r_frame_rate: "15/1",
          avg_frame_rate: "15/1",
          nb_frames: "166",
          duration: "11.066667",
          time_base: "1/15",
        },
      ],
    },
    "capture.avi",
  );
  const packets = (pts: number[]) => pts.map((t) => `${t},${t},1,1000`).join("\n");

  it("counts a fixed-rate container's empty entries as held frames", () => {
    // 54 pictures: 6 of every 20 slots, over 166 slots.
    const pts = Array.from({ length: 166 }, (_, i) => i).filter((i) => i % 20 < 6);
    const info = describeFrames(avi, parsePacketScan(packets(pts)), "capture.avi");
    assert.equal(info.frames, 54);
    assert.equal(info.framesListed, 166);
    assert.equal(info.framesHeld, 112);
    assert.ok(Math.abs(info.durationSec - 166 / 15) < 1e-9);
  });

  it("calls a video truncated when what can be read ends well before its declared length, and says how much was readable", () => {
    const pts = Array.from({ length: 101 }, (_, i) => i);
    assert.throws(
      () => describeFrames(avi, parsePacketScan(packets(pts)), "gs://b/cut.avi"),
      (e: VideoError) =>
        e.stage === "probe" &&
        e.reason === "gs://b/cut.avi is truncated: only 6.7 s of the 11.1 s it declares could be read (101 of 166 frames)",
    );
    // Within a second (or 5 %) of the declared length is not truncated: containers round.
    assert.equal(describeFrames(avi, parsePacketScan(packets(Array.from({ length: 160 }, (_, i) => i))), "x").frames, 160);
  });

  it("ends the last picture where the stream's declared span ends when that comes before its packet's end (an MP4 edit list)", () => {
    const mp4 = (duration: string) =>
      parseProbe(
        {
          streams: [
            {
              codec_type: "video",
              codec_name: "h264",
              width: 160,
              height: 120,
              r_frame_rate: "30/1",
              avg_frame_rate: "13/1",
              duration,
              time_base: "1/15360",
            },
          ],
        },
        "vfr.mp4",
      );
    // The last picture at 5.9 s; its packet lasts 0.1 s, the edit list shows it for 1/30 s.
    const scan = parsePacketScan([`0,0,1536,100,K_`, `90624,90624,1536,100,__`].join("\n"));
    assert.ok(Math.abs(describeFrames(mp4("5.933333"), scan, "vfr.mp4").durationSec - 5.933333) < 1e-4);
    // A declared end before the last picture is not believed: the packets say more.
    assert.equal(describeFrames(mp4("5.5"), scan, "vfr.mp4").durationSec, 6);
    // MPEG-TS and PS declare no end (ffprobe estimates one without the last frame's duration): the packets say.
    assert.equal(describeFrames({ ...mp4("5.933333"), container: "mpegts" }, scan, "vfr.ts").durationSec, 6);
  });

  it("rejects a stream without frames or without timestamps", () => {
    assert.throws(() => describeFrames(avi, parsePacketScan("0,0,1,0"), "x"), /has no frames/);
    assert.throws(() => describeFrames(avi, parsePacketScan("N/A,N/A,N/A,10"), "x"), /no timestamps/);
  });
});

describe("probeVideo (real ffprobe)", () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });

  it("probes H.264 in MP4 with audio", async () => {
    const file = makeClip(path.join(dir, "a.mp4"), { width: 426, height: 240, rate: "25", seconds: 2, audio: true });
    const info = await probeVideo(file, file);
    assert.equal(info.codec, "h264");
    assert.equal(info.width, 426);
    assert.equal(info.height, 240);
    assert.equal(info.fps, 25);
    assert.equal(info.frames, 50);
    assert.equal(info.framesHeld, 0);
    assert.equal(info.audioCodec, "aac");
  });

  it("places the frames of the video stream, not of another video stream or sound before it", async () => {
    // Arrange: sound at index 0, the video (2 s at 25 fps) at 1, a second video (3 s at 30 fps) at 2.
    const first = makeClip(path.join(dir, "first.mp4"), { width: 160, height: 120, rate: "25", seconds: 2, audio: true });
    const second = makeClip(path.join(dir, "second.mp4"), { width: 96, height: 64, rate: "30", seconds: 3 });
    const file = path.join(dir, "two-videos.mkv");
    ffmpeg(["-i", first, "-i", second, "-map", "0:a", "-map", "0:v", "-map", "1:v", "-c", "copy", "-y", file]);
    // Act
    const info = await probeVideo(file, file);
    // Assert
    assert.equal(info.streamIndex, 1);
    assert.equal(info.frames, 50);
    assert.equal(info.width, 160);
  });

  it("passes over cover art stored as a Matroska track before the video", async () => {
    // Arrange: a picture as the first video track (Matroska keeps no attached_pic flag for a track), not default.
    const video = makeClip(path.join(dir, "covered-src.mp4"), { width: 160, height: 120, rate: "25", seconds: 2, audio: true });
    const cover = path.join(dir, "cover.jpg");
    ffmpeg(["-f", "lavfi", "-i", "testsrc=size=300x300", "-frames:v", "1", "-y", cover]);
    const file = path.join(dir, "cover-first.mkv");
    ffmpeg(["-i", cover, "-i", video, "-map", "0", "-map", "1", "-c", "copy", "-disposition:v:0", "0", "-y", file]);
    // Act
    const info = await probeVideo(file, file);
    // Assert
    assert.equal(info.streamIndex, 1);
    assert.equal(info.codec, "h264");
    assert.equal(info.frames, 50);
    assert.equal(info.timeline.seeksByAnotherStream, true, "ffmpeg's seek goes by the picture's track");
  });

  it("reads an AVI written to a pipe, whose header keeps its placeholders, as the same AVI written to a file", async () => {
    // Arrange: ffmpeg cannot go back to finish the header of an AVI it streams (2^30 frames, 1853 s declared).
    const piped = path.join(dir, "piped.avi");
    const written = path.join(dir, "written.avi");
    const lavfi = ["-f", "lavfi", "-t", "3", "-i", "testsrc2=size=160x120:rate=25", "-f", "lavfi", "-t", "3", "-i", "sine"];
    const codecs = ["-c:v", "mpeg4", "-c:a", "libmp3lame"];
    writeFileSync(piped, ffmpeg([...lavfi, ...codecs, "-f", "avi", "-"]));
    ffmpeg([...lavfi, ...codecs, "-y", written]);
    // Act
    const fromPipe = await probeVideo(piped, piped);
    const fromFile = await probeVideo(written, written);
    // Assert: not "truncated", and the same frames and length
    assert.equal(fromPipe.frames, 75);
    assert.deepEqual(
      [fromPipe.frames, fromPipe.framesHeld, fromPipe.durationSec],
      [fromFile.frames, fromFile.framesHeld, fromFile.durationSec],
    );
  });

  it("times a raw H.264 or HEVC stream's frames one frame apart, at the rate its timing information gives, else 25 fps", async () => {
    // Arrange: no timestamps in any of them; x264 writes timing information (B-frames too), OpenH264 writes none.
    const lavfi = ["-f", "lavfi", "-t", "2", "-i", "testsrc2=size=160x120:rate=30000/1001"];
    const raws = [
      { name: "pi.h264", codec: ["-c:v", "libx264", "-bf", "2"], fps: "30000/1001", frames: 60 },
      { name: "dvr.hevc", codec: ["-c:v", "libx265", "-x265-params", "log-level=error"], fps: "30000/1001", frames: 60 },
      { name: "untimed.264", codec: ["-c:v", "libopenh264", "-f", "h264"], fps: "25/1", frames: 60 },
    ];
    for (const raw of raws) {
      const file = path.join(dir, raw.name);
      ffmpeg([...lavfi, ...raw.codec, "-y", file]);
      // Act
      const info = await probeVideo(file, file);
      // Assert: every frame, on an even grid from 0, as ffplay plays it; decoded one piece, retimed to that grid.
      const step = Math.round(info.timeline.timeBase.den / (info.fps * info.timeline.timeBase.num));
      assert.equal(info.fpsFraction, raw.fps, raw.name);
      assert.equal(info.frames, raw.frames, raw.name);
      assert.deepEqual(info.timeline.pictures, [[0, step, raw.frames]], raw.name);
      assert.equal(info.timeline.rawFrameTicks, step, raw.name);
      assert.equal(info.timeline.bareStream, true, raw.name);
      assert.ok(Math.abs(info.durationSec - raw.frames / info.fps) < 1e-6, `${raw.name}: ${info.durationSec} s`);
    }
  });

  it("counts a file's packets when its stream carries side data (HDR10's mastering display, kept in gray.mp4)", async () => {
    // Arrange: HDR10 from a camera, then encoded again as gray.mp4 is: the side data goes along.
    const hdr = path.join(dir, "hdr10.mp4");
    const again = path.join(dir, "hdr10-again.mp4");
    const hdr10 =
      "log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:max-cll=1000,400:" +
      "master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1)";
    ffmpeg([
      "-f",
      "lavfi",
      "-t",
      "1",
      "-i",
      "testsrc2=size=160x120:rate=25",
      "-vf",
      "format=yuv420p10le",
      "-c:v",
      "libx265",
      "-x265-params",
      hdr10,
      "-y",
      hdr,
    ]);
    ffmpeg(["-i", hdr, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", again]);
    // Act + Assert
    assert.equal(await countFrames(again), 25);
    assert.equal(await countFrames(hdr), 25);
  });

  it("calls a Matroska file cut short truncated, by its tracks' DURATION tags (Matroska has no stream duration)", async () => {
    // Arrange: H.264 and AAC in MKV, as ffmpeg and mkvmerge write it, and its first half alone (an upload cut off).
    const whole = path.join(dir, "whole.mkv");
    const half = path.join(dir, "half.mkv");
    ffmpeg([
      "-f",
      "lavfi",
      "-t",
      "6",
      "-i",
      "testsrc2=size=160x120:rate=25",
      "-f",
      "lavfi",
      "-t",
      "6",
      "-i",
      "sine",
      "-c:v",
      "libx264",
      "-c:a",
      "aac",
      "-y",
      whole,
    ]);
    const bytes = readFileSync(whole);
    writeFileSync(half, bytes.subarray(0, Math.floor(bytes.length / 2)));
    // Act + Assert
    assert.equal((await probeVideo(whole, whole)).frames, 150);
    await assert.rejects(probeVideo(half, "half.mkv"), /half.mkv is truncated: only \d\.\d s of the 6\.0 s it declares could be read/);
    assert.equal(clockSeconds("00:01:02.500000000"), 62.5);
    assert.equal(clockSeconds("soon"), undefined);
  });

  it("counts the frames of WebM, which does not record them", async () => {
    const file = makeClip(path.join(dir, "b.webm"), { width: 320, height: 180, rate: "30000/1001", seconds: 2, codec: "vp9" });
    const info = await probeVideo(file, file);
    assert.equal(info.codec, "vp9");
    assert.equal(info.fpsFraction, "30000/1001");
    assert.equal(info.frames, 60);
  });

  it("rejects what is not a video, with ffprobe's reason", async () => {
    const text = path.join(dir, "notes.mp4");
    writeFileSync(text, "these are not the frames you are looking for\n".repeat(100));
    await assert.rejects(probeVideo(text, "gs://b/notes.mp4"), (e: VideoError) => {
      assert.equal(e.stage, "probe");
      assert.equal(e.reason, "gs://b/notes.mp4 is not a readable video: moov atom not found");
      assert.ok(!e.reason.includes(dir), "the reason names the source, not a local path");
      return true;
    });
    const junk = path.join(dir, "junk.bin");
    writeFileSync(junk, Buffer.alloc(4096, 7));
    await assert.rejects(probeVideo(junk, junk), /is not a readable video: .*Invalid data found/);
    const song = path.join(dir, "song.m4a");
    ffmpeg(["-f", "lavfi", "-i", "sine", "-t", "1", "-c:a", "aac", "-y", song]);
    await assert.rejects(probeVideo(song, song), /has no video stream \(it has: audio\)/);
  });
});

describe("probing before the command loads (commands/early-probes.ts, tools.ts runEarly)", () => {
  let dir: string;
  let clip: string;
  before(() => {
    dir = tempDir();
    clip = path.join(dir, "clip.mp4");
    writeFileSync(clip, "only its name is read here");
  });

  it("finds a process command line's first input, read as parseCommandLine reads it", () => {
    assert.equal(firstLocalInput(["process", clip, "--output", "out"]), clip);
    assert.equal(firstLocalInput(["process", "--output", dir, clip]), clip, "a flag's value is no input");
    assert.equal(firstLocalInput(["process", "--output=out", "--writeGrayVideo", "false", clip]), clip);
    assert.equal(firstLocalInput(["process", "--runner", "direct", clip]), clip);
    assert.equal(firstLocalInput(["process", "--runner=direct", clip]), clip);
  });

  it("leaves alone other commands, other runners, gs:// objects and names that are no file", () => {
    assert.equal(firstLocalInput(["listen", clip]), undefined);
    assert.equal(firstLocalInput(["process", "--runner", "flink", clip]), undefined, "Flink workers probe it themselves");
    assert.equal(firstLocalInput(["process", clip, "--runner=flink"]), undefined);
    assert.equal(firstLocalInput(["process", "gs://bucket/a.mp4", clip]), undefined);
    assert.equal(firstLocalInput(["process", path.join(dir, "missing.mp4")]), undefined);
    assert.equal(firstLocalInput(["process", dir]), undefined, "a folder");
    assert.equal(firstLocalInput(["process", "--output", "out"]), undefined);
  });

  it("gives a run started early to the first identical call, once, and runs later calls afresh", async () => {
    const stamp = [process.execPath, "-e", "process.stdout.write(String(Date.now()))"];
    runEarly(stamp[0], stamp.slice(1));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const askedAt = Date.now();
    const early = Number((await runTool(stamp[0], stamp.slice(1), "probe")).stdout);
    const fresh = Number((await runTool(stamp[0], stamp.slice(1), "probe")).stdout);
    assert.ok(early < askedAt, "the first call took the run started before it");
    assert.ok(fresh >= askedAt, "the next one ran the program again");
    const other = await runTool(stamp[0], ["-e", "process.stdout.write('other')"], "probe");
    assert.equal(other.stdout, "other", "a different command line is not given an early run");
  });

  it("reports a program that is not there as not installed, early or not", async () => {
    // A program that fails to start emits "error", then "close": its output file is closed once, not twice.
    const missing = path.join(dir, "no-such-ffprobe");
    runEarly(missing, ["-version"]);
    await assert.rejects(runTool(missing, ["-version"], "probe"), /no-such-ffprobe is not installed/);
    await assert.rejects(runTool(missing, ["-version"], "probe"), /no-such-ffprobe is not installed/);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the "close" after each "error"
  });

  it("gives probeVideo the early probe's result, the same as probing then", async () => {
    const video = makeClip(path.join(dir, "early.mp4"), { width: 96, height: 64, rate: "25", seconds: 1 });
    probeEarly(video);
    const early = await probeVideo(video, "early.mp4");
    assert.deepEqual(early, await probeVideo(video, "early.mp4"));
    assert.equal(early.frames, 25);
  });
});

describe("bin/videoflow's probe ahead (commands/early-probes.ts, probe-commands.ts adoptProbesAhead)", () => {
  /** Runs `process` on a 1-second clip with a recording ffprobe; returns the probes' log lines and the manifest's frames. */
  function processWithRecordedProbes(dir: string, args: (clip: string, out: string) => string[], env: Record<string, string> = {}) {
    const clip = makeClip(path.join(dir, "clip.mp4"), { width: 96, height: 64, rate: "25", seconds: 1 });
    const log = path.join(dir, "probes.log");
    const out = path.join(dir, "out");
    const run = runCli(args(clip, out), { VIDEOFLOW_FFPROBE: recordingWrapper(dir, "ffprobe", ffprobePath(), log), ...env });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const probes = readFileSync(log, "utf8").trim().split("\n");
    const frames = JSON.parse(readFileSync(path.join(out, "clip.mp4", "manifest.json"), "utf8")).video.frames;
    return { clip, probes, frames };
  }

  it("probes the first local input in the shell while Node starts, and Node takes both runs", () => {
    // Arrange
    const dir = tempDir();
    const scratch = path.join(dir, "scratch");
    // Act: the input after a flag's value, as argv.ts splits it
    const { clip, probes, frames } = processWithRecordedProbes(
      dir,
      (clip, out) => ["process", "--output", out, "--runner=direct", clip, "--writeGrayVideo", "false"],
      { VIDEOFLOW_SCRATCH: scratch },
    );
    // Assert: two runs, by the shell, with probe-commands.ts's arguments; none again by Node
    assert.equal(probes.length, 2, probes.join("\n"));
    for (const line of probes) assert.match(line, /^ffprobe: \/bin\/sh \S+ process /, "run by bin/videoflow's shell");
    assert.deepEqual(
      probes.map((line) => line.split(" | args ")[1]),
      [ffprobeArgs(clip, PACKETS).join(" "), ffprobeArgs(clip, HEADERS).join(" ")],
    );
    assert.equal(frames, 25);
    assert.deepEqual(readdirSync(path.join(scratch, "probes")), [], "the runs' folder is gone");
  });

  it("probes in Node when the shell cannot make its folder", () => {
    // Arrange: a file where the shell's folders go
    const dir = tempDir();
    const scratch = path.join(dir, "scratch");
    mkdirSync(scratch);
    writeFileSync(path.join(scratch, "probes"), "not a folder");
    // Act
    const { probes, frames } = processWithRecordedProbes(dir, (clip, out) => ["process", clip, "--output", out], {
      VIDEOFLOW_SCRATCH: scratch,
    });
    // Assert
    assert.equal(probes.length, 2, probes.join("\n"));
    for (const line of probes) assert.match(line, /^ffprobe: \S*node .*process /, "run by Node");
    assert.equal(frames, 25);
  });

  it("takes no runs from a folder that is not the one it would name, and leaves that folder alone", () => {
    // Arrange: a made-up probe ahead, handed to Node directly (not through bin/videoflow), that says 99 frames
    const dir = tempDir();
    const clip = makeClip(path.join(dir, "clip.mp4"), { width: 96, height: 64, rate: "25", seconds: 1 });
    const planted = path.join(dir, "planted");
    mkdirSync(planted);
    for (const name of ["packets", "headers"]) {
      writeFileSync(path.join(planted, `${name}.code`), "0\n");
      writeFileSync(path.join(planted, `${name}.err`), "");
    }
    writeFileSync(path.join(planted, "packets.out"), "0,0,0,1,100,K__\n".repeat(99));
    writeFileSync(path.join(planted, "headers.out"), "{}");
    const main = path.resolve(__dirname, "..", "src", "main.js");
    // Act
    const run = spawnSync(process.execPath, [main, "process", clip, "--output", path.join(dir, "out"), "--writeGrayVideo", "false"], {
      env: {
        ...process.env,
        VIDEOFLOW_JSON_LOGS: "1",
        VIDEOFLOW_SCRATCH: path.join(dir, "scratch"),
        VIDEOFLOW_PROBES_AHEAD_PID: String(process.pid),
        VIDEOFLOW_PROBES_AHEAD_DIR: planted,
        VIDEOFLOW_PROBES_AHEAD_INPUT: clip,
      },
    });
    // Assert
    assert.equal(run.status, 0, run.stderr.toString());
    const manifest = JSON.parse(readFileSync(path.join(dir, "out", "clip.mp4", "manifest.json"), "utf8"));
    assert.equal(manifest.video.frames, 25, "probed by Node itself");
    assert.ok(existsSync(path.join(planted, "packets.out")), "the folder it was handed is still there");
  });
});
