/**
 * The demo (`make demo`): the whole flow on one machine. Starts the local
 * stack (Pub/Sub and Cloud Storage emulators, the bucket's notifications), the
 * local model (OpenCV's people detector over the prediction REST shape) and
 * `videoflow listen` sending it 2 frames a second, uploads sample videos,
 * waits for each manifest, prints where each result is and how long it took
 * from upload to manifest, copies the results to out/demo/ (the previews show
 * the predicted boxes), and stops everything.
 */
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { ListenerProcess, LogEvent } from "./listener-process";
import { startModelServer } from "./model-server";
import { startLocalStack } from "./stack";

const INPUT_BUCKET = "videoflow-demo-uploads";
const OUTPUT_BUCKET = "videoflow-demo-results";
const OUTPUT = `gs://${OUTPUT_BUCKET}/videoflow`;

async function main(): Promise<void> {
  const repoRoot = path.resolve(__dirname, "..", "..", "..");
  const videos = process.argv.slice(2);
  if (videos.length === 0) throw new Error("usage: demo <video...>");
  process.stderr.write("starting the local stack (Pub/Sub emulator, Cloud Storage emulator with the uploads bucket's notifications)\n");
  const stack = await startLocalStack({ inputBuckets: [INPUT_BUCKET], buckets: [OUTPUT_BUCKET] });
  const model = await startModelServer();
  process.stderr.write(`local model (people detector) at ${model.predictUrl}\n`);
  const listener = new ListenerProcess(
    [
      "--inputSubscription",
      stack.subscription,
      "--output",
      OUTPUT,
      "--deadLetterTopic",
      stack.deadLetterTopic,
      "--predictionEndpoint",
      model.predictUrl,
      "--inferenceFps",
      "2",
      "--inferenceSize",
      "384x288",
    ],
    stack.env,
    (e) => e.event !== "skipped" && process.stderr.write(`  listener: ${e.message}\n`),
  );
  try {
    await listener.waitFor((e) => e.event === "listening", "the listener");
    for (const video of videos) {
      const name = `uploads/${path.basename(video)}`;
      process.stderr.write(`uploading ${video} to gs://${INPUT_BUCKET}/${name}\n`);
      await stack.storage.bucket(INPUT_BUCKET).upload(video, { destination: name });
    }
    const objects = videos.map((v) => `gs://${INPUT_BUCKET}/uploads/${path.basename(v)}`);
    const finished = (o: string) => (e: LogEvent) =>
      (e.event === "processed" && e.object === o) || (e.event === "dead letter" && String(e.source).startsWith(`${o}#`));
    const results = await Promise.all(objects.map((o) => listener.waitFor(finished(o), `the result of ${o}`, 600000)));
    const out = path.join(repoRoot, "out", "demo");
    mkdirSync(out, { recursive: true });
    process.stdout.write("\nvideo | result | processing s | upload to manifest s\n---|---|---|---\n");
    for (const [i, object] of objects.entries()) {
      const e = results[i];
      if (e.event !== "processed") {
        process.stdout.write(`${object} | dead letter: ${e.reason} | | \n`);
        continue;
      }
      process.stdout.write(`${object} | ${e.manifest} | ${e.processingSec} | ${Number(e.latencySec).toFixed(2)}\n`);
      // A local copy of the results, to look at.
      const folder = path.join(out, path.basename(object));
      mkdirSync(folder, { recursive: true });
      const match = /^gs:\/\/([^/]+)\/(.*)manifest\.json$/.exec(String(e.manifest))!;
      for (const file of ["gray.mp4", "preview.jpg", "predictions.jsonl", "manifest.json"]) {
        await stack.storage
          .bucket(match[1])
          .file(`${match[2]}${file}`)
          .download({ destination: path.join(folder, file) });
      }
    }
    process.stdout.write(
      `\nlocal copies of the results: ${path.relative(process.cwd(), out)}/<video>/{gray.mp4,preview.jpg,predictions.jsonl,manifest.json}\n`,
    );
  } finally {
    await listener.stop();
    await model.stop();
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : err}\n`);
    process.exit(1);
  },
);
