/**
 * Vision: the per-frame image work, done with OpenCV (@u4/opencv4nodejs
 * against the system's libopencv). Frames arrive as raw gray buffers from the
 * decoder; what leaves this module is small JPEG data, never raw frames.
 */
// A type query, not `import type`: ts-closure-transform turns even type-only
// imports into require() calls, and loading the binding is not free.
type CV = typeof import("@u4/opencv4nodejs");
import * as path from "node:path";
import type { Box } from "../inference/inference";
import { openNativeAddon } from "../util/native-addon";

let cvModule: CV | undefined;

/**
 * Loads the OpenCV binding on first use, with a clear error when it was never
 * built. It loads the native module itself, not the package's entry: that
 * entry first loads the package's builder (@u4/opencv-build, with its Deno
 * shims and file tools: about 0.6 s of every process's start) only to find
 * this file, then adds JavaScript helpers videoflow does not use (the
 * promisified xxxAsync methods it does use are applied here).
 */
export function opencv(): CV {
  if (!cvModule) {
    // The binding's own allocator tells V8 about every Mat's memory, also when a Mat is freed inside a garbage
    // collection (its weak callback) or at exit, after V8 has torn the heap down: that crashed test processes
    // (SIGSEGV in AdjustAmountOfExternalAllocatedMemory, "Check failed: marking_done_"), 9 runs in 10 under
    // --stress-incremental-marking, and a process doing only this module's work 2 in 10. Without it V8 does not
    // see Mats' memory, so this module frees each Mat itself when done with it (freeMats).
    process.env.OPENCV4NODEJS_DISABLE_EXTERNAL_MEM_TRACKING = "1";
    const lib = path.dirname(require.resolve("@u4/opencv4nodejs"));
    try {
      const binding = openNativeAddon(path.join(lib, "..", "..", "build", "Release", "opencv4nodejs.node"));
      // The package's own promisify (plain JavaScript, in the start-up snapshot): its xxxAsync methods return
      // Promises, as typed.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when first needed (see above)
      cvModule = require(path.join(lib, "promisify.js")).default(binding) as CV;
    } catch (err) {
      throw new Error(bindingLoadFailure((err as Error).message, process.version), { cause: err });
    }
  }
  return cvModule;
}

/**
 * Why the binding did not load, and what to do. A binding built for another
 * Node (another ABI: videoflow started by a Node other than the project's,
 * .node-version) says "did not self-register" or names NODE_MODULE_VERSION;
 * anything else means it was never built.
 */
export function bindingLoadFailure(message: string, nodeVersion: string): string {
  const first = message.split("\n")[0];
  if (/did not self-register|NODE_MODULE_VERSION/.test(message)) {
    return (
      `the OpenCV binding was built for another Node than this one (${nodeVersion}): run videoflow with the Node it was ` +
      `built for, the project's (.node-version), which \`make\` fetches into .cache/node and puts first on PATH (${first})`
    );
  }
  return `the OpenCV binding is not built (${first}); run \`make deps\``;
}

export interface Thumbnail {
  frame: number;
  timeSec: number;
  width: number;
  height: number;
  /** JPEG, base64: a string survives every Beam coder, a Buffer inside an element does not. */
  jpegBase64: string;
}

/** The widest a preview thumbnail is. */
export const THUMBNAIL_WIDTH = 320;

/** A thumbnail's size: the picture scaled to fit `maxWidth`, never up. */
export function thumbnailSize(size: { width: number; height: number }, maxWidth = THUMBNAIL_WIDTH): { width: number; height: number } {
  const scale = Math.min(1, maxWidth / size.width);
  return { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) };
}

/**
 * Scales a gray frame to its thumbnailSize and JPEG-encodes it. A frame that
 * already has that size (ffmpeg scales samples that only feed the preview)
 * is only encoded.
 */
export function makeThumbnail(
  gray: Buffer,
  width: number,
  height: number,
  frame: number,
  timeSec: number,
  maxWidth = THUMBNAIL_WIDTH,
): Thumbnail {
  const cv = opencv();
  const mat = new cv.Mat(gray, height, width, cv.CV_8UC1);
  const { width: w, height: h } = thumbnailSize({ width, height }, maxWidth);
  const small = w !== width || h !== height ? mat.resize(h, w, 0, 0, cv.INTER_AREA) : mat;
  try {
    const jpeg = cv.imencode(".jpg", small, [cv.IMWRITE_JPEG_QUALITY, 85]);
    return { frame, timeSec, width: w, height: h, jpegBase64: jpeg.toString("base64") };
  } finally {
    freeMats(mat, small);
  }
}

/** Frees Mats' pixels now (see opencv()): what leaves this module is Buffers, never Mats. */
function freeMats(...mats: Array<InstanceType<CV["Mat"]>>): void {
  for (const mat of mats) mat.release();
}

/**
 * A gray frame made ready for a prediction request: resized to `size` when
 * given, and JPEG-encoded unless the raw pixels are wanted.
 */
export function prepareForInference(
  gray: Buffer,
  width: number,
  height: number,
  size: { width: number; height: number } | undefined,
  wantJpeg: boolean,
): { jpeg?: Buffer; gray?: Buffer; width: number; height: number } {
  const cv = opencv();
  const whole = new cv.Mat(gray, height, width, cv.CV_8UC1);
  const mat = size && (size.width !== width || size.height !== height) ? whole.resize(size.height, size.width, 0, 0, cv.INTER_AREA) : whole;
  try {
    if (wantJpeg) return { jpeg: cv.imencode(".jpg", mat, [cv.IMWRITE_JPEG_QUALITY, 90]), width: mat.cols, height: mat.rows };
    return { gray: mat.getData(), width: mat.cols, height: mat.rows };
  } finally {
    freeMats(whole, mat);
  }
}

/** "1:02.50" for 62.5 seconds. */
export function formatTimestamp(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds - minutes * 60;
  return `${minutes}:${rest.toFixed(2).padStart(5, "0")}`;
}

const LABEL_HEIGHT = 22;
const GAP = 4;

/**
 * A contact sheet: the thumbnails in frame order on a grid, each labelled with
 * its frame number and timestamp, with the boxes predicted for that frame
 * drawn on it. Returns the JPEG bytes.
 */
export function drawContactSheet(thumbnails: Thumbnail[], columns = 4, boxesOf: (frame: number) => Box[] = () => []): Buffer {
  if (thumbnails.length === 0) throw new Error("no frames to draw a preview from");
  const cv = opencv();
  const sorted = [...thumbnails].sort((a, b) => a.frame - b.frame);
  const cellW = Math.max(...sorted.map((t) => t.width));
  const cellH = Math.max(...sorted.map((t) => t.height)) + LABEL_HEIGHT;
  const cols = Math.min(columns, sorted.length);
  const rows = Math.ceil(sorted.length / cols);
  // Filled by setTo: the binding's fill-value constructor sets pixel by pixel (22 ms for a 1300x800 sheet, against 0.6).
  const sheet = new cv.Mat(rows * cellH + (rows + 1) * GAP, cols * cellW + (cols + 1) * GAP, cv.CV_8UC1);
  sheet.setTo(0);
  sorted.forEach((thumb, i) => {
    const x = GAP + (i % cols) * (cellW + GAP);
    const y = GAP + Math.floor(i / cols) * (cellH + GAP);
    const image = cv.imdecode(Buffer.from(thumb.jpegBase64, "base64"), cv.IMREAD_GRAYSCALE);
    const [imageW, imageH] = [image.cols, image.rows];
    const cell = sheet.getRegion(new cv.Rect(x, y, imageW, imageH));
    image.copyTo(cell);
    freeMats(image, cell);
    for (const box of boxesOf(thumb.frame)) {
      const clamp = (v: number, max: number) => Math.round(Math.min(max - 1, Math.max(0, v * max)));
      const p1 = new cv.Point2(x + clamp(box.xMin, imageW), y + clamp(box.yMin, imageH));
      const p2 = new cv.Point2(x + clamp(box.xMax, imageW), y + clamp(box.yMax, imageH));
      sheet.drawRectangle(p1, p2, new cv.Vec3(255, 255, 255), 2);
      const text = box.label ? `${box.label} ${box.score.toFixed(2)}` : box.score.toFixed(2);
      sheet.putText(
        text,
        new cv.Point2(p1.x + 2, Math.max(y + 10, p1.y - 3)),
        cv.FONT_HERSHEY_SIMPLEX,
        0.35,
        new cv.Vec3(255, 255, 255),
        1,
        cv.LINE_AA,
      );
    }
    const label = `#${thumb.frame}  ${formatTimestamp(thumb.timeSec)}`;
    sheet.putText(label, new cv.Point2(x + 3, y + imageH + 16), cv.FONT_HERSHEY_SIMPLEX, 0.45, new cv.Vec3(255, 255, 255), 1, cv.LINE_AA);
  });
  try {
    return cv.imencode(".jpg", sheet, [cv.IMWRITE_JPEG_QUALITY, 90]);
  } finally {
    freeMats(sheet);
  }
}
