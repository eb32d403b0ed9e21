import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { bindingLoadFailure, drawContactSheet, formatTimestamp, makeThumbnail, opencv, thumbnailSize } from "../src/video/vision";

function gradient(width: number, height: number): Buffer {
  const frame = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) frame[y * width + x] = Math.floor((255 * x) / (width - 1));
  return frame;
}

describe("vision (OpenCV)", () => {
  it("scales a gray frame to a thumbnail that keeps its picture", () => {
    const thumb = makeThumbnail(gradient(640, 360), 640, 360, 42, 1.4);
    assert.equal(thumb.width, 320);
    assert.equal(thumb.height, 180);
    const cv = opencv();
    const decoded = cv.imdecode(Buffer.from(thumb.jpegBase64, "base64"), cv.IMREAD_GRAYSCALE);
    assert.equal(decoded.cols, 320);
    assert.ok(decoded.at(90, 5) < 20, "left edge stays dark");
    assert.ok(decoded.at(90, 315) > 235, "right edge stays bright");
  });

  it("never scales a small frame up", () => {
    const thumb = makeThumbnail(gradient(161, 91), 161, 91, 0, 0);
    assert.deepEqual([thumb.width, thumb.height], [161, 91]);
  });

  it("sizes thumbnails to at most 320 wide, keeping the shape, so ffmpeg can hand samples over at that size", () => {
    assert.deepEqual(thumbnailSize({ width: 768, height: 576 }), { width: 320, height: 240 });
    assert.deepEqual(thumbnailSize({ width: 1919, height: 1081 }), { width: 320, height: 180 });
    assert.deepEqual(thumbnailSize({ width: 5000, height: 3 }), { width: 320, height: 1 }, "never 0 high");
    assert.deepEqual(thumbnailSize({ width: 200, height: 100 }), { width: 200, height: 100 });
    // A frame already at its thumbnail's size is encoded as it is.
    const thumb = makeThumbnail(gradient(320, 240), 320, 240, 7, 0.7);
    assert.deepEqual([thumb.width, thumb.height], [320, 240]);
  });

  it("draws a contact sheet in frame order with a label under each frame", () => {
    const thumbs = [30, 10, 20, 40, 50].map((frame) => makeThumbnail(Buffer.alloc(200 * 100, frame), 200, 100, frame, frame / 10));
    const cv = opencv();
    const sheet = cv.imdecode(drawContactSheet(thumbs, 4), cv.IMREAD_GRAYSCALE);
    // 4 columns of 200 + 5 gaps of 4; 2 rows of (100 + 22 label) + 3 gaps.
    assert.equal(sheet.cols, 4 * 200 + 5 * 4);
    assert.equal(sheet.rows, 2 * 122 + 3 * 4);
    // Cells hold frames 10, 20, 30, 40 in that order (each thumbnail is flat at its frame number).
    for (const [i, frame] of [10, 20, 30, 40].entries()) assert.ok(Math.abs(sheet.at(50, 4 + i * 204 + 100) - frame) < 6);
    // The label strip of the first cell has white text on black.
    const label = sheet.getRegion(new cv.Rect(4, 4 + 100, 200, 22));
    assert.ok(label.countNonZero() > 30, "label text drawn");
    // A cell no frame fills is black (the sheet's fill), inside a JPEG block's reach of its neighbours' edges.
    const empty = sheet.getRegion(new cv.Rect(4 + 3 * 204 + 8, 4 + 126 + 8, 200 - 16, 122 - 16));
    assert.equal(empty.countNonZero(), 0, "an empty cell is black");
  });

  it("keeps Mats' memory away from V8's garbage collector, which crashed on it", () => {
    // The binding's allocator reported Mats' memory to V8 from inside garbage collections: under
    // --stress-incremental-marking this work crashed 2 runs in 10, and the model server's detections 9 in 10.
    assert.equal(opencv().isCustomMatAllocatorEnabled(), false);
    const work = `
      const { makeThumbnail, prepareForInference, drawContactSheet } = require(${JSON.stringify(path.resolve(__dirname, "../src/video/vision"))});
      const frame = Buffer.alloc(640 * 360, 77);
      const thumbs = [];
      for (let i = 0; i < 1500; i++) {
        thumbs[i % 12] = makeThumbnail(frame, 640, 360, i, i / 25);
        prepareForInference(frame, 640, 360, { width: 320, height: 180 }, i % 2 === 0);
        if (i % 100 === 0) drawContactSheet(thumbs, 4, () => [{ xMin: 0.1, xMax: 0.5, yMin: 0.1, yMax: 0.5, score: 0.9, label: "x" }]);
      }`;
    for (let run = 0; run < 3; run++) {
      const child = spawnSync(process.execPath, ["--stress-incremental-marking", "-e", work], { encoding: "utf8" });
      assert.equal(child.signal, null, `run ${run + 1}: ${child.signal}\n${child.stderr.slice(-2000)}`);
      assert.equal(child.status, 0, child.stderr.slice(-2000));
    }
  });

  it("loads the stand-ins for GDAL and GDCM with the binding, never the libraries, and still encodes and decodes JPEGs", () => {
    // Arrange: a fresh process that loads the binding (scripts/setup-native.js made the stand-ins its dependencies).
    const work = `
      const { makeThumbnail, opencv } = require(${JSON.stringify(path.resolve(__dirname, "../src/video/vision"))});
      const thumb = makeThumbnail(Buffer.alloc(64 * 48, 200), 64, 48, 0, 0);
      const cv = opencv();
      const decoded = cv.imdecode(Buffer.from(thumb.jpegBase64, "base64"), cv.IMREAD_GRAYSCALE);
      const mapped = require("node:fs").readFileSync("/proc/self/maps", "utf8").split("\\n")
        .map((line) => line.split(/\\s+/).pop()).filter((file) => /libgdal|libgdcm/.test(file));
      console.log(JSON.stringify({ mapped: [...new Set(mapped)].sort(), pixel: decoded.at(10, 10) }));`;
    // Act
    const child = spawnSync(process.execPath, ["-e", work], { encoding: "utf8" });
    // Assert
    assert.equal(child.status, 0, child.stderr);
    const { mapped, pixel } = JSON.parse(child.stdout);
    const names = mapped.map((file: string) => path.basename(file));
    assert.deepEqual(names, ["libgdal.so.32", "libgdcmDSED.so.3.0", "libgdcmMSFF.so.3.0"], `mapped: ${mapped.join(", ")}`);
    for (const file of mapped) assert.match(file, /opencv4nodejs\/build\/Release\//, `the stand-in beside the binding: ${file}`);
    assert.ok(Math.abs(pixel - 200) <= 2, `the JPEG round trip keeps the picture: ${pixel}`);
  });

  it("says when the binding was built for another Node, and when it was never built", () => {
    // What Node 20 said loading the binding built for Node 22, and what Node says of a binding of another ABI it recognises.
    const other = [
      "Module did not self-register: '/app/node_modules/@u4/opencv4nodejs/build/Release/opencv4nodejs.node'.",
      "The module '/app/build/Release/opencv4nodejs.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 127. This version of Node.js requires\nNODE_MODULE_VERSION 115.",
    ];
    for (const message of other) {
      const said = bindingLoadFailure(message, "v20.20.2");
      assert.match(said, /built for another Node than this one \(v20\.20\.2\)/);
      assert.match(said, /\.node-version/);
      assert.doesNotMatch(said, /not built/);
    }
    const missing = bindingLoadFailure("Cannot find module '/app/build/Release/opencv4nodejs.node'", "v22.23.5");
    assert.match(missing, /^the OpenCV binding is not built \(Cannot find module .*\); run `make deps`$/);
  });

  it("formats timestamps as m:ss.cc", () => {
    assert.equal(formatTimestamp(62.5), "1:02.50");
    assert.equal(formatTimestamp(3.3), "0:03.30");
  });
});
