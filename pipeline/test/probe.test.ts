import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { VideoError } from "../src/errors";
import { parseProbe, probeVideo } from "../src/probe";
import { ffmpeg, makeClip, tempDir } from "./helpers";

describe("parseProbe (ffprobe's JSON)", () => {
  it("reads the video stream and notices audio", () => {
    const info = parseProbe(
      {
        streams: [
          { codec_type: "audio", codec_name: "aac" },
          { codec_type: "video", codec_name: "h264", width: 640, height: 360, pix_fmt: "yuv420p", r_frame_rate: "30000/1001", avg_frame_rate: "30000/1001", nb_frames: "1798", duration: "59.993267" },
        ],
        format: { duration: "60.0" },
      },
      "a.mp4",
    );
    assert.deepEqual(info, {
      codec: "h264", width: 640, height: 360, fpsFraction: "30000/1001", fps: 30000 / 1001, frames: 1798,
      durationSec: 59.993267, pixelFormat: "yuv420p", audioCodec: "aac", variableFrameRate: false,
    });
  });

  it("flags variable frame rate and skips cover art", () => {
    const info = parseProbe(
      {
        streams: [
          { codec_type: "video", codec_name: "mjpeg", width: 300, height: 300, disposition: { attached_pic: 1 } },
          { codec_type: "video", codec_name: "h264", width: 1280, height: 720, r_frame_rate: "60/1", avg_frame_rate: "2400/91" },
        ],
      },
      "phone.mp4",
    );
    assert.equal(info.width, 1280);
    assert.equal(info.variableFrameRate, true);
    assert.equal(info.frames, 0, "no frame count recorded: probeVideo counts packets");
  });

  it("says what is missing", () => {
    const audioOnly = { streams: [{ codec_type: "audio", codec_name: "mp3" }] };
    assert.throws(() => parseProbe(audioOnly, "song.mp3"), (e: VideoError) => e.stage === "probe" && /song.mp3 has no video stream \(it has: audio\)/.test(e.reason));
    assert.throws(() => parseProbe({ streams: [] }, "x"), /no streams at all/);
    assert.throws(() => parseProbe({ streams: [{ codec_type: "video", width: 10, height: 10, r_frame_rate: "0/0" }] }, "x"), /no usable frame rate/);
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
    assert.equal(info.audioCodec, "aac");
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
