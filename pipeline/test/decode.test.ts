import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { createHash } from "node:crypto";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { audioPlan, concatList, joinSegments } from "../src/video/assemble";
import {
  CoreBudget,
  GrayPlan,
  LUMA_ONLY_DECODERS,
  SegmentJob,
  decodeSegment,
  grayPlan,
  segmentArgs,
  showinfoPts,
  sumOf,
} from "../src/video/decode";
import { VideoError } from "../src/errors";
import { probeVideo } from "../src/video/probe";
import { ffprobePath, interruption } from "../src/video/tools";
import { endsEvenly, pictureOf, planSegments, sampleWindows } from "../src/video/segment";
import { ptsAt, secondsOf, timeOf } from "../src/video/timeline";
import { decodedFrameCount, ffmpeg, frameTimes, lumaMeans, makeClip, rangeOf, tempDir } from "./helpers";

const job = (over: Partial<SegmentJob>): SegmentJob => ({
  input: "a",
  streamIndex: 0,
  seekSec: 0,
  fromPts: 0,
  trimStart: false,
  untilPts: null,
  drop: [],
  samples: [],
  width: 2,
  height: 2,
  output: "o",
  ...over,
});

describe("sumOf", () => {
  it("nests long sums in groups, short ones stay flat", () => {
    assert.equal(sumOf(["a", "b", "c"]), "a+b+c");
    assert.equal(sumOf(["a", "b", "c", "d", "e"], 2), "((a+b)+(c+d))+((e))");
    const big = sumOf(Array.from({ length: 3000 }, (_, i) => `t${i}`));
    assert.equal(big.split("+").length, 3000);
    assert.ok(big.startsWith("((t0+t1"), big.slice(0, 20));
  });
});

describe("CoreBudget", () => {
  /** Runs jobs of the given core counts through a budget; returns the most cores and the most jobs at once, and the order they started in. */
  async function trace(cores: number, jobs: number[]) {
    const budget = new CoreBudget(cores);
    let busy = 0,
      running = 0,
      mostCores = 0,
      mostJobs = 0;
    const started: number[] = [];
    await Promise.all(
      jobs.map((n, i) =>
        budget.run(n, async () => {
          started.push(i);
          const share = Math.min(n, cores);
          busy += share;
          running++;
          mostCores = Math.max(mostCores, busy);
          mostJobs = Math.max(mostJobs, running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          busy -= share;
          running--;
        }),
      ),
    );
    return { mostCores, mostJobs, started };
  }

  it("runs encodes (two cores each) one at a time on two cores, decodes (one each) side by side", async () => {
    assert.deepEqual(await trace(2, [2, 2, 2]), { mostCores: 2, mostJobs: 1, started: [0, 1, 2] });
    assert.deepEqual(await trace(2, [1, 1, 1, 1]), { mostCores: 2, mostJobs: 2, started: [0, 1, 2, 3] });
    assert.equal((await trace(4, [2, 2, 2])).mostJobs, 2);
  });

  it("starts jobs in the order they came, a decode waiting behind a queued encode", async () => {
    assert.deepEqual((await trace(2, [1, 2, 1])).started, [0, 1, 2]);
    // A job wanting more cores than there are takes them all rather than wait forever.
    assert.deepEqual(await trace(1, [2, 1]), { mostCores: 1, mostJobs: 1, started: [0, 1] });
  });

  it("frees its cores when a job fails", async () => {
    const budget = new CoreBudget(2);
    await assert.rejects(
      budget.run(2, async () => Promise.reject(new Error("ffmpeg failed"))),
      /ffmpeg failed/,
    );
    assert.equal(await budget.run(2, async () => "ran"), "ran");
  });
});

describe("segmentArgs", () => {
  it("reads from a few pictures early, trims to the segment's timestamps, grays, encodes and hands samples to Node", () => {
    const args = segmentArgs(
      job({
        input: "/in/a b.mp4",
        streamIndex: 1,
        seekSec: 9.9,
        fromPts: 128000,
        trimStart: true,
        untilPts: 256000,
        drop: [[300000, 300512]],
        samples: [
          [128512, 129024],
          [200000, 200512],
        ],
        width: 640,
        height: 360,
        output: "/tmp/s.mp4",
      }),
    );
    const joined = args.join(" ");
    assert.ok(joined.includes("-noaccurate_seek -ss 9.900000 -copyts -i /in/a b.mp4"), joined);
    assert.equal(args[args.indexOf("-i") + 1], "/in/a b.mp4", "the path is one argument, never parsed by a shell");
    assert.ok(
      joined.includes(
        "[0:1]trim=start_pts=128000:end_pts=256000,select='(isnan(prev_selected_pts)+gt(pts\\,prev_selected_pts))*not(between(pts\\,300000\\,300512))',format=gray,split=2[gray][smp];" +
          "[gray]setpts=PTS-128000[enc];[smp]select='between(pts\\,128512\\,129023)+between(pts\\,200000\\,200511)',showinfo,scale=640:360[samples]",
      ),
      joined,
    );
    assert.match(joined, /-map \[enc\] -vsync vfr -sn -dn -an -c:v libx264 -preset veryfast -color_range pc -f mp4 -y \/tmp\/s.mp4/);
    assert.match(joined, /-map \[samples\] -vsync passthrough -c:v rawvideo -pix_fmt gray -thread_queue_size 12 -f rawvideo pipe:1$/);
    assert.ok(args.includes("level+info"), "showinfo's lines are info");
  });

  it("takes the luma plane as it is where it is the gray picture, and converts only the samples", () => {
    const gray = grayPlan("h264", "yuv420p", "unknown");
    assert.deepEqual(gray, { lumaOnly: true, extractLuma: true, range: "tv", decodedGray: false, stretchSamples: false });
    const joined = segmentArgs(job({ samples: [[5, 6]], gray })).join(" ");
    assert.match(joined, /-flags gray -copyts -i a /);
    assert.match(
      joined,
      /,split=2\[dec\]\[smp\];\[dec\]extractplanes=y,setpts=PTS-0\[enc\];\[smp\]select='between\(pts\\,5\\,5\)',format=gray,showinfo,scale=2:2\[samples\]/,
    );
    assert.match(joined, /-color_range tv -f mp4/);
    assert.match(segmentArgs(job({ gray })).join(" "), /\[0:0\]select='[^']*',extractplanes=y,setpts=PTS-0\[enc\]/);
  });

  it("chooses by codec, pixel format and range", () => {
    const plan = (lumaOnly: boolean, extractLuma: boolean, range: "tv" | "pc", decodedGray = false, stretchSamples = false) => ({
      lumaOnly,
      extractLuma,
      range,
      decodedGray,
      stretchSamples,
    });
    assert.deepEqual(grayPlan("mjpeg", "yuvj422p", "pc"), plan(false, true, "pc"));
    assert.deepEqual(grayPlan("vp9", "yuv420p", "pc"), plan(false, true, "pc"));
    assert.deepEqual(grayPlan("hevc", "yuv420p10le", "tv"), plan(false, false, "pc"), "10-bit: converted");
    assert.deepEqual(grayPlan("png", "rgb24", "unknown"), plan(false, false, "pc"), "RGB: converted");
    assert.deepEqual(grayPlan("h264", "nv12", "tv"), plan(false, false, "pc"), "not planar: converted");
    assert.deepEqual(grayPlan("msmpeg4v3", "yuv420p", "unknown"), plan(true, true, "tv", true, true), "decoded to gray: samples stretched");
    assert.deepEqual(grayPlan("mpeg4", "yuv420p", "pc"), plan(true, true, "pc", true), "decoded to full-range gray: as it is");
  });

  it("passes frames a decoder outputs gray as they are, with no plane copied out of them", () => {
    const gray = grayPlan("mpeg4", "yuv420p", "tv");
    assert.match(segmentArgs(job({ samples: [[5, 6]], gray })).join(" "), /split=2\[dec\]\[smp\];\[dec\]format=gray,setpts=PTS-0\[enc\]/);
    assert.match(segmentArgs(job({ gray })).join(" "), /\[0:0\]select='[^']*',format=gray,setpts=PTS-0\[enc\]/);
  });

  it("deinterlaces the samples of interlaced video, stretches anamorphic video's to square pixels, and keeps every one the size asked for", () => {
    const args = (over: Partial<SegmentJob>) => segmentArgs(job({ samples: [[5, 6]], width: 1440, height: 1080, ...over })).join(" ");
    assert.match(args({ interlaced: true }), /showinfo,yadif=mode=send_frame:parity=auto:deint=interlaced,scale=1440:1080\[samples\]/);
    assert.match(args({ sampleSize: { width: 1920, height: 1080 } }), /showinfo,scale=1920:1080,setsar=1\[samples\]/);
    assert.match(args({ sampleSize: { width: 1440, height: 1080 } }), /showinfo,scale=1440:1080\[samples\]/, "square pixels: no setsar");
    // Thumbnails (smaller both ways) are scaled by area, as OpenCV's INTER_AREA would; a stretch keeps ffmpeg's default.
    assert.match(args({ sampleSize: { width: 320, height: 240 } }), /showinfo,scale=320:240:flags=area,setsar=1\[samples\]/);
    assert.match(args({ sampleSize: { width: 1280, height: 1080 } }), /showinfo,scale=1280:1080,setsar=1\[samples\]/);
  });

  it("passes every frame without a select when every frame is wanted", () => {
    assert.match(segmentArgs(job({ samples: "all" })).join(" "), /\[smp\]showinfo,scale=2:2\[samples\]/);
  });

  it("writes a video's whole gray.mp4 in its only segment's pass: the sound, the times, the end, the index first", () => {
    const whole = { startSec: 1.4, endSec: 4.4, audio: { originSec: 1.4, plan: "aac" as const, stream: 2 } };
    const joined = segmentArgs(job({ output: "/tmp/g.mp4", whole })).join(" ");
    assert.match(joined, /-copyts -i a -itsoffset -2\.800000 -i a -filter_complex /, "the sound from the source again, shifted back");
    assert.match(joined, /-map \[enc\] -vsync vfr -sn -dn -c:v libx264 /, "no -an");
    assert.match(
      joined,
      /-map 1:2 -c:a aac -b:a 128k -bsf:v setts=[^ ]+ -output_ts_offset 1\.400000 -movflags \+faststart -f mp4 -y \/tmp\/g\.mp4/,
    );
    const silent = segmentArgs(job({ output: "/tmp/g.mp4", whole: { startSec: 0, endSec: null, audio: null } })).join(" ");
    assert.match(silent, /-sn -dn -an .* -output_ts_offset 0\.000000 -movflags \+faststart -f mp4/);
    assert.equal(silent.split(" -i ").length, 2, "one input");
    assert.ok(!silent.includes("setts"), "the end as encoded");
  });

  it("decodes to the null muxer, with no encoder, when no gray video is written", () => {
    const joined = segmentArgs(job({ samples: [[3, 4]], output: null })).join(" ");
    assert.match(joined, /-map \[enc\] -vsync vfr -sn -dn -an -f null - -map \[samples\]/);
    assert.ok(!joined.includes("libx264"));
  });

  it("has no sample output, no seek and no trim for a whole video without samples", () => {
    const args = segmentArgs(job({}));
    assert.ok(!args.includes("-ss") && !args.includes("pipe:1") && !args.join(" ").includes("trim"));
    assert.ok(args.includes("level+warning"));
  });

  it("writes frames off the nominal rate's grid in their own time base, others on the grid", () => {
    const args = (keepTimes: boolean) => segmentArgs(job({ keepTimes })).join(" ");
    assert.match(args(true), /-c:v libx264 .*-enc_time_base:v filter/);
    assert.ok(!args(false).includes("enc_time_base"));
  });

  it("calls a tool stopped from outside (a signal, or ffmpeg's exit 255 after one) an interruption, to be tried again", () => {
    const stopped = interruption("segment", "/opt/ffmpeg/ffmpeg", { code: 255, signal: null });
    assert.equal(stopped?.retryable, true);
    assert.match(stopped!.reason, /^ffmpeg was stopped by a signal \(exit 255\)/);
    assert.equal(
      interruption("probe", "ffprobe", { code: null, signal: "SIGTERM" })?.reason.startsWith("ffprobe was stopped by SIGTERM"),
      true,
    );
    assert.equal(interruption("segment", "ffmpeg", { code: 254, signal: null }), null, "its own errors are the video's");
    assert.equal(interruption("segment", "ffmpeg", { code: 0, signal: null }), null);
  });

  it("times a raw stream's frames on its grid before anything else sees them", () => {
    const graph = segmentArgs(job({ rawFrameTicks: 40040, untilPts: 400400, samples: [[0, 1]] }));
    const complex = graph[graph.indexOf("-filter_complex") + 1];
    assert.ok(complex.startsWith("[0:0]setpts=N*40040,trim=end_pts=400400,"), complex);
    assert.ok(!segmentArgs(job({})).join(" ").includes("setpts=N"), "other streams keep their own times");
  });

  it("reads showinfo's timestamps", () => {
    assert.equal(showinfoPts("[Parsed_showinfo_3 @ 0x119519c0] [info] n:   0 pts:     20 pts_time:1.33333 pos: 42088 fmt:gray"), 20);
    assert.equal(showinfoPts("[Parsed_showinfo_3 @ 0x119519c0] [info] config in time_base: 1/15, frame_rate: 15/1"), null);
  });

  it("lists segments for the concat demuxer, each with its span", () => {
    assert.equal(
      concatList([
        { path: "/w/s0.mp4", spanSec: 2.666667 },
        { path: "/w/it's.mp4", spanSec: null },
      ]),
      "file '/w/s0.mp4'\ninpoint 0\nduration 2.666667\nfile '/w/it'\\''s.mp4'\ninpoint 0\n",
    );
  });
});

describe("segments decoded and joined", () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });

  /** Decodes `source` in segments of `seconds` and joins them, as assemble does; returns the joined file and the frames decoded. */
  async function segmentAndJoin(
    source: string,
    name: string,
    seconds: number,
    plan = true,
  ): Promise<{ joined: string; decoded: number; segments: number }> {
    const video = await probeVideo(source, source);
    // The plan the pipeline takes (grayPlan), or conversion (the way for every other source).
    const gray: GrayPlan | undefined = plan ? grayPlan(video.codec, video.pixelFormat, video.colorRange) : undefined;
    const segments = planSegments(video.timeline, seconds);
    const files = [];
    let decoded = 0;
    for (const s of segments) {
      const output = path.join(dir, `${name}-${seconds}-${s.index}.mp4`);
      decoded += await decodeSegment(
        job({
          input: source,
          streamIndex: video.streamIndex,
          seekSec: s.seekSec,
          fromPts: s.fromPts,
          trimStart: s.index > 0,
          untilPts: s.untilPts,
          width: video.width,
          height: video.height,
          output,
          gray,
        }),
      );
      const span = s.untilPts === null ? null : secondsOf(s.untilPts - s.fromPts, video.timeline.timeBase);
      files.push({ path: output, spanSec: span });
    }
    const joined = path.join(dir, `${name}-${seconds}-joined.mp4`);
    await joinSegments(files, joined, { startSec: timeOf(segments[0].fromPts, video.timeline), endSec: null });
    return { joined, decoded, segments: segments.length };
  }

  it("writes a video of one segment whole as its join would be: the same frames, sound and times", async () => {
    // Arrange: a broadcast stream starting at 1.4 s with MPEG audio (re-encoded to AAC), a phone-like MP4 with
    // AAC (copied), and a variable-rate clip whose end is uneven (encoded without B-frames, its end set).
    const ts = path.join(dir, "whole-broadcast.ts");
    ffmpeg(
      ["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25", "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000"].concat([
        "-t",
        "3",
        "-c:v",
        "mpeg2video",
        "-c:a",
        "mp2",
        "-output_ts_offset",
        "1.4",
        "-f",
        "mpegts",
        "-y",
        ts,
      ]),
    );
    const phone = makeClip(path.join(dir, "whole-phone.mp4"), { width: 96, height: 64, rate: "30", seconds: 3, audio: true });
    const vfr = path.join(dir, "whole-vfr.mp4");
    ffmpeg(
      ["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=30,setpts='if(lt(N,30),N,N*2-30)/30/TB'", "-t", "3"].concat([
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        "-fps_mode",
        "vfr",
        "-y",
        vfr,
      ]),
    );
    for (const source of [ts, phone, vfr]) {
      const video = await probeVideo(source, source);
      const [segment] = planSegments(video.timeline, 0);
      const bFrames = endsEvenly(video.timeline);
      const startSec = timeOf(segment.fromPts, video.timeline);
      const endSec = bFrames ? null : timeOf(video.timeline.endPts, video.timeline);
      const plan = audioPlan(video.audioCodec);
      const base = job({
        input: source,
        streamIndex: video.streamIndex,
        fromPts: segment.fromPts,
        width: video.width,
        height: video.height,
        bFrames,
        gray: grayPlan(video.codec, video.pixelFormat, video.colorRange),
      });
      const encoded = path.join(dir, `${path.basename(source)}-segment.mp4`);
      const joined = path.join(dir, `${path.basename(source)}-joined.mp4`);
      const whole = path.join(dir, `${path.basename(source)}-whole.mp4`);

      // Act
      await decodeSegment({ ...base, output: encoded });
      const sound = plan ? { originSec: video.timeline.originSec, plan, stream: video.audioStreamIndex! } : null;
      const audio = sound ? { ...sound, source } : null;
      await joinSegments([{ path: encoded, spanSec: null }], joined, { startSec, endSec }, audio);
      await decodeSegment({
        ...base,
        output: whole,
        whole: { startSec, endSec, audio: sound },
      });

      // Assert: every stream's frames and samples, with their times (framemd5), and the index at the front.
      const frames = (file: string) =>
        ffmpeg(["-i", file, "-map", "0", "-f", "framemd5", "-"])
          .toString()
          .replace(/^#.*\n/gm, "");
      assert.equal(frames(whole), frames(joined), path.basename(source));
      assert.ok(
        plan === null ||
          frames(whole)
            .split("\n")
            .some((l) => l.startsWith("1,")),
        `${path.basename(source)} has its sound`,
      );
      const bytes = readFileSync(whole);
      assert.ok(bytes.indexOf("moov") < bytes.indexOf("mdat"), "the index before the media: the file plays as it downloads");
    }
  });

  for (const [rate, plan] of [
    ["24", true],
    ["25", true],
    ["30000/1001", true],
    ["30", true],
    ["25", false],
  ] as const) {
    it(`are frame exact at ${rate} fps, with cuts off keyframes, timed as the source and as bright (${plan ? "luma extracted" : "converted"})`, async () => {
      const name = `idx-${rate.replace("/", "_")}-${plan}`;
      const source = makeClip(path.join(dir, `${name}.mp4`), { width: 64, height: 48, rate, seconds: 7, indexed: true });
      const { joined, decoded, segments } = await segmentAndJoin(source, name, 1.3, plan);
      assert.ok(segments >= 4);
      assert.equal(decoded, decodedFrameCount(source));
      assert.equal(decodedFrameCount(joined), decoded);
      // The gray video is flagged with the range of its values: a player shows each frame as bright as the source's.
      assert.equal(rangeOf(joined), plan ? "tv" : "pc");
      const want = lumaMeans(source, 64, 48);
      const got = lumaMeans(joined, 64, 48);
      assert.equal(got.length, want.length);
      for (let i = 0; i < want.length; i++)
        assert.ok(Math.abs(got[i] - want[i]) < 3, `frame ${i}: mean ${got[i].toFixed(1)}, the source's ${want[i].toFixed(1)}`);
      const times = frameTimes(joined);
      frameTimes(source).forEach((t, i) => assert.ok(Math.abs(times[i] - t) < 0.001, `frame ${i} at ${times[i]}, the source's at ${t}`));
    });
  }

  // -flags gray is an optimisation only where it changes nothing: each decoder it is used with gives the same luma with
  // it. And it is one only where the decoder then skips chroma, which takes an FFmpeg configured with --enable-gray
  // (scripts/setup-ffmpeg.sh): other builds ignore the flag and decode every plane.
  for (const codec of LUMA_ONLY_DECODERS) {
    it(`${codec}: decoding luma only skips chroma and gives the same luma, bit for bit`, () => {
      const file = path.join(dir, `luma-only-${codec}.${codec === "h264" ? "mp4" : "avi"}`);
      const pixFmt = codec === "mjpeg" ? "yuvj422p" : "yuv420p";
      const encoder = codec === "msmpeg4v3" ? "msmpeg4" : codec; // ffprobe's name for what the msmpeg4 encoder writes
      ffmpeg([
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25,noise=alls=30:allf=t",
        "-t",
        "4",
        "-c:v",
        encoder,
        "-pix_fmt",
        pixFmt,
        ...(codec === "h264" ? ["-preset", "veryfast"] : ["-q:v", "5"]),
        "-y",
        file,
      ]);
      assert.equal(
        JSON.parse(spawnSync(ffprobePath(), ["-v", "error", "-show_streams", "-of", "json", file]).stdout.toString()).streams[0].codec_name,
        codec,
      );
      const luma = (flags: string[]) =>
        ffmpeg([...flags, "-i", file, "-vf", "extractplanes=y", "-f", "framemd5", "-"])
          .toString()
          .split("\n")
          .filter((l) => l && !l.startsWith("#"));
      const full = luma([]);
      assert.equal(full.length, 100);
      assert.deepEqual(luma(["-flags", "gray"]), full);
      if (grayPlan(codec, pixFmt, "unknown").decodedGray) {
        // Its frames are the gray picture already: format=gray passes on the same bytes extractplanes=y copies out.
        const passed = ffmpeg(["-flags", "gray", "-i", file, "-vf", "format=gray", "-f", "framemd5", "-"]).toString();
        assert.deepEqual(
          passed.split("\n").filter((l) => l && !l.startsWith("#")),
          full,
        );
      }
      const planes = (flags: string[]) => ffmpeg([...flags, "-i", file, "-f", "framemd5", "-"]).toString();
      assert.notEqual(planes(["-flags", "gray"]), planes([]), "with -flags gray the decoder leaves chroma out");
    });
  }

  it("hands exactly the sampled frames to Node, whole, with their timestamps", async () => {
    const sourceFile = makeClip(path.join(dir, "samples.mp4"), { width: 64, height: 48, rate: "25", seconds: 4, indexed: true });
    const video = await probeVideo(sourceFile, sourceFile);
    const [, second] = planSegments(video.timeline, 2);
    const chosen = [50, 57, 99];
    const seen: Array<{ picture: number; bytes: number; mean: number; timeSec: number }> = [];
    await decodeSegment(
      job({
        input: sourceFile,
        seekSec: second.seekSec,
        fromPts: second.fromPts,
        trimStart: true,
        untilPts: second.untilPts,
        samples: sampleWindows(second, chosen, video.timeline.endPts),
        width: 64,
        height: 48,
        output: path.join(dir, "s.mp4"),
      }),
      {
        onSample: (pts, gray) =>
          void seen.push({
            picture: pictureOf(second, pts),
            bytes: gray.length,
            mean: gray.reduce((a, b) => a + b, 0) / gray.length,
            timeSec: timeOf(pts, video.timeline),
          }),
      },
    );
    assert.deepEqual(
      seen.map((s) => s.picture),
      chosen,
    );
    assert.ok(seen.every((s) => s.bytes === 64 * 48));
    assert.deepEqual(
      seen.map((s) => s.timeSec),
      chosen.map((p) => p / 25),
    );
    // Samples are full-range gray, as lumaMeans decodes them.
    const source = lumaMeans(sourceFile, 64, 48);
    for (const s of seen) assert.ok(Math.abs(s.mean - source[s.picture]) < 3, `picture ${s.picture}`);
    assert.equal(ptsAt(second.pictures, 0), second.fromPts);
  });

  it("hands over the same full-range samples, bit for bit, when the decoder skips chroma and outputs gray", async () => {
    // Arrange: MPEG-4 part 2, whose decoder gives limited-range gray frames with -flags gray (YUV without).
    const sourceFile = makeClip(path.join(dir, "gray-out.avi"), { width: 64, height: 48, rate: "25", seconds: 2, codec: "mpeg4" });
    const video = await probeVideo(sourceFile, sourceFile);
    const [whole] = planSegments(video.timeline, 10);
    const samplesOf = async (gray: GrayPlan) => {
      const seen: Buffer[] = [];
      const samples = sampleWindows(whole, [3, 20, 41], video.timeline.endPts);
      await decodeSegment(job({ input: sourceFile, samples, width: 64, height: 48, output: null, gray }), {
        onSample: (_pts, frame) => void seen.push(Buffer.from(frame)),
      });
      return seen;
    };
    const plan = grayPlan("mpeg4", "yuv420p", video.colorRange);
    assert.equal(plan.stretchSamples, true);
    // Act
    const lumaOnly = await samplesOf(plan);
    const fromYuv = await samplesOf({ ...plan, lumaOnly: false, decodedGray: false, stretchSamples: false });
    // Assert
    assert.equal(lumaOnly.length, 3);
    assert.deepEqual(lumaOnly, fromYuv);
    assert.ok(Math.min(...fromYuv.flatMap((f) => [...f])) === 0, "full range: the darkest pixels are 0, not 16");
  });

  it("deinterlaces an interlaced video's samples: nearer the picture than the frames as decoded, and without combing", async () => {
    // Arrange: 50 progressive pictures a second woven into 25 interlaced frames (top field first), as a broadcast
    // camera records them: where the picture moves, the two fields of a frame differ.
    const [width, height] = [720, 576];
    const source = path.join(dir, "interlaced.ts");
    const progressive = ["-t", "2", "-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=50`];
    const interlace = ["-vf", "tinterlace=mode=interleave_top,setfield=tff", "-flags", "+ilme+ildct", "-top", "1"];
    ffmpeg([...progressive, ...interlace, "-c:v", "mpeg2video", "-b:v", "8M", "-y", source]);
    const video = await probeVideo(source, source);
    assert.equal(video.interlaced, true);
    const [segment] = planSegments(video.timeline, 60);
    const chosen = [10, 30];
    const frameBytes = width * height;
    const pick = (n: number) => `select='${chosen.map((p) => `eq(n\\,${n * p})`).join("+")}',format=gray`;
    const raw = ["-fps_mode", "passthrough", "-f", "rawvideo", "-"];
    const asShot = ffmpeg([...progressive, "-vf", pick(2), ...raw]); // the moment of each frame's top field
    const asDecoded = ffmpeg(["-i", source, "-vf", pick(1), ...raw]);
    const samples: Buffer[] = [];
    // Act
    await decodeSegment(
      job({
        input: source,
        untilPts: segment.untilPts,
        fromPts: segment.fromPts,
        samples: sampleWindows(segment, chosen, video.timeline.endPts),
        width,
        height,
        output: null,
        interlaced: true,
        gray: grayPlan(video.codec, video.pixelFormat, video.colorRange),
      }),
      { onSample: (_pts, gray) => void samples.push(Buffer.from(gray)) },
    );
    // Assert
    assert.equal(samples.length, chosen.length);
    const frame = (all: Buffer, i: number) => all.subarray(i * frameBytes, (i + 1) * frameBytes);
    const distance = (a: Buffer, b: Buffer) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0) / a.length;
    // Combing: how far each line is from the mean of its neighbours.
    const combing = (f: Buffer) => {
      let sum = 0;
      for (let i = width; i < f.length - width; i++) sum += Math.abs(2 * f[i] - f[i - width] - f[i + width]);
      return sum / (f.length - 2 * width);
    };
    samples.forEach((sample, i) => {
      const decoded = frame(asDecoded, i);
      const shot = frame(asShot, i);
      assert.ok(
        distance(sample, shot) < 0.75 * distance(decoded, shot),
        `picture ${chosen[i]}: ${distance(sample, shot)} from the picture`,
      );
      assert.ok(combing(sample) < 0.5 * combing(decoded), `picture ${chosen[i]}: combing ${combing(sample)} against ${combing(decoded)}`);
    });
  });

  it("hands Node the same samples, byte for byte, whether the gray video's luma is extracted or converted", async () => {
    const source = makeClip(path.join(dir, "same-samples.mp4"), { width: 64, height: 48, rate: "25", seconds: 2 });
    const video = await probeVideo(source, source);
    const gray = grayPlan(video.codec, video.pixelFormat, video.colorRange);
    assert.ok(gray.extractLuma && gray.lumaOnly);
    const samples = async (plan: GrayPlan | undefined) => {
      const frames: string[] = [];
      await decodeSegment(job({ input: source, samples: "all", width: 64, height: 48, output: null, gray: plan }), {
        onSample: (pts, frame) => void frames.push(`${pts} ${createHash("md5").update(frame).digest("hex")}`),
      });
      return frames;
    };
    const converted = await samples(undefined);
    assert.equal(converted.length, 50);
    assert.deepEqual(await samples(gray), converted);
  });

  it("counts the frames without encoding them", async () => {
    const source = makeClip(path.join(dir, "count.mp4"), { width: 64, height: 48, rate: "25", seconds: 2 });
    const seen: number[] = [];
    const decoded = await decodeSegment(
      job({
        input: source,
        samples: [
          [0, 1],
          [49 * 512, 50 * 512],
        ],
        width: 64,
        height: 48,
        output: null,
      }),
      {
        onSample: (pts) => void seen.push(pts),
      },
    );
    assert.equal(decoded, 50);
    assert.equal(seen.length, 2);
  });

  it("runs a lower-priority part's ffmpeg nicer by 10, and others as nice as this process", async () => {
    // Arrange
    const source = makeClip(path.join(dir, "nice.mp4"), { width: 64, height: 48, rate: "25", seconds: 1 });
    /** The niceness (/proc/PID/stat's 19th field) of this process's ffmpeg child reading `source`, once started. */
    const niceness = (): number[] =>
      readdirSync("/proc")
        .filter((pid) => /^\d+$/.test(pid))
        .flatMap((pid) => {
          try {
            const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
            const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            const ours = Number(fields[1]) === process.pid && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(source);
            return ours ? [Number(fields[16])] : [];
          } catch {
            return []; // gone meanwhile
          }
        });
    const seen: Record<string, number[]> = {};
    // Act: each read when ffmpeg has started (onStarted comes after the priority is set)
    for (const lowPriority of [true, false]) {
      const decode = job({ input: source, samples: [], width: 64, height: 48, output: null, lowPriority });
      await decodeSegment(decode, { onStarted: () => (seen[String(lowPriority)] = niceness()) });
    }
    // Assert
    const own = os.getPriority();
    assert.deepEqual(seen, { true: [Math.min(19, own + 10)], false: [own] });
  });

  it("hands over hundreds of sampled frames (ffmpeg 8 parses no chain of over 100 terms)", async () => {
    const source = makeClip(path.join(dir, "many.mp4"), { width: 64, height: 48, rate: "25", seconds: 12 });
    const windows: Array<[number, number]> = Array.from({ length: 250 }, (_, i) => [i * 512, i * 512 + 1]);
    const seen: number[] = [];
    const decoded = await decodeSegment(job({ input: source, samples: windows, width: 64, height: 48, output: null }), {
      onSample: (pts) => void seen.push(pts),
    });
    assert.equal(decoded, 300);
    assert.deepEqual(
      seen,
      windows.map(([from]) => from),
    );
  });

  it("rejects a file nothing can be decoded from, saying so", async () => {
    await assert.rejects(
      decodeSegment(job({ input: path.join(dir, "missing.mp4"), output: null })),
      (e: VideoError) => e.stage === "segment" && /could not decode the segment from 0.000 s \(0 frames decoded\)/.test(e.reason),
    );
  });
});
