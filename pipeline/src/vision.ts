/**
 * Vision: the per-frame image work, done with OpenCV (@u4/opencv4nodejs
 * against the system's libopencv). Frames arrive as raw gray buffers from the
 * decoder; what leaves this module is small JPEG data, never raw frames.
 */
// A type query, not `import type`: ts-closure-transform turns even type-only
// imports into require() calls, and loading the binding is not free.
type CV = typeof import("@u4/opencv4nodejs");

let cvModule: CV | undefined;

/** Loads the OpenCV binding on first use, with a clear error when it was never built. */
export function opencv(): CV {
  if (!cvModule) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      silenceLoaderLog();
      const loaded = require("@u4/opencv4nodejs");
      cvModule = (loaded.default ?? loaded) as CV;
    } catch (err) {
      throw new Error(
        `the OpenCV binding is not built (${(err as Error).message.split("\n")[0]}); run \`make deps\``,
      );
    }
  }
  return cvModule;
}

/**
 * The binding's loader logs its configuration to stdout on every load, which
 * would break JSON log lines. Its logger (in @u4/opencv-build, installed
 * beside it) has a switch.
 */
function silenceLoaderLog(): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require("@u4/opencv-build").Log.silence = true;
  } catch {
    // Not fatal: only the log lines stay.
  }
}

export interface Thumbnail {
  frame: number;
  timeSec: number;
  width: number;
  height: number;
  /** JPEG, base64: a string survives every Beam coder, a Buffer inside an element does not. */
  jpegBase64: string;
}

/** Scales a gray frame to fit `maxWidth` (never up) and JPEG-encodes it. */
export function makeThumbnail(
  gray: Buffer,
  width: number,
  height: number,
  frame: number,
  timeSec: number,
  maxWidth = 320,
): Thumbnail {
  const cv = opencv();
  const mat = new cv.Mat(gray, height, width, cv.CV_8UC1);
  const scale = Math.min(1, maxWidth / width);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const small = scale < 1 ? mat.resize(h, w, 0, 0, cv.INTER_AREA) : mat;
  const jpeg = cv.imencode(".jpg", small, [cv.IMWRITE_JPEG_QUALITY, 85]);
  return { frame, timeSec, width: w, height: h, jpegBase64: jpeg.toString("base64") };
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
 * its frame number and timestamp. Returns the JPEG bytes.
 */
export function drawContactSheet(thumbnails: Thumbnail[], columns = 4): Buffer {
  if (thumbnails.length === 0) throw new Error("no frames to draw a preview from");
  const cv = opencv();
  const sorted = [...thumbnails].sort((a, b) => a.frame - b.frame);
  const cellW = Math.max(...sorted.map((t) => t.width));
  const cellH = Math.max(...sorted.map((t) => t.height)) + LABEL_HEIGHT;
  const cols = Math.min(columns, sorted.length);
  const rows = Math.ceil(sorted.length / cols);
  const sheet = new cv.Mat(rows * cellH + (rows + 1) * GAP, cols * cellW + (cols + 1) * GAP, cv.CV_8UC1, 0);
  sorted.forEach((thumb, i) => {
    const x = GAP + (i % cols) * (cellW + GAP);
    const y = GAP + Math.floor(i / cols) * (cellH + GAP);
    const image = cv.imdecode(Buffer.from(thumb.jpegBase64, "base64"), cv.IMREAD_GRAYSCALE);
    image.copyTo(sheet.getRegion(new cv.Rect(x, y, image.cols, image.rows)));
    const label = `#${thumb.frame}  ${formatTimestamp(thumb.timeSec)}`;
    sheet.putText(label, new cv.Point2(x + 3, y + image.rows + 16), cv.FONT_HERSHEY_SIMPLEX, 0.45, new cv.Vec3(255, 255, 255), 1, cv.LINE_AA);
  });
  return cv.imencode(".jpg", sheet, [cv.IMWRITE_JPEG_QUALITY, 90]);
}
