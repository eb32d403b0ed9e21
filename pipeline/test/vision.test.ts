import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { drawContactSheet, formatTimestamp, makeThumbnail, opencv } from "../src/video/vision";

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
  });

  it("formats timestamps as m:ss.cc", () => {
    assert.equal(formatTimestamp(62.5), "1:02.50");
    assert.equal(formatTimestamp(3.3), "0:03.30");
  });
});
