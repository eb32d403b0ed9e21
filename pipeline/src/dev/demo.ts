/**
 * The demo (`make demo`): the whole flow on one machine. Starts the local
 * stack (Pub/Sub and Cloud Storage emulators, the notification bridge) and
 * `videoflow listen`, uploads sample videos, waits for each manifest, prints
 * where each result is and how long it took from upload to manifest, copies
 * the results to out/demo/, and stops everything.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { startLocalStack } from "./stack";

const INPUT_BUCKET = "videoflow-demo-uploads";
const OUTPUT = "gs://videoflow-demo-results/videoflow";

interface Event {
  event?: string;
  object?: string;
  manifest?: string;
  processingSec?: number;
  latencySec?: number;
}

async function main(): Promise<void> {
  const repoRoot = path.resolve(__dirname, "..", "..", "..", "..");
  const videos = process.argv.slice(2);
  if (videos.length === 0) throw new Error("usage: demo <video...>");
  process.stderr.write("starting the local stack (Pub/Sub emulator, Cloud Storage emulator, notification bridge)\n");
  const stack = await startLocalStack();
  const listener = spawn(
    process.execPath,
    [path.join(repoRoot, "dist", "pipeline", "src", "main.js"), "listen", "--inputSubscription", stack.subscription, "--output", OUTPUT, "--deadLetterTopic", stack.deadLetterTopic],
    { env: { ...process.env, ...stack.env, VIDEOFLOW_JSON_LOGS: "1" }, stdio: ["ignore", "pipe", "inherit"] },
  );
  const events: Event[] = [];
  const waiters: Array<() => void> = [];
  let buffer = "";
  listener.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines.filter((l) => l.startsWith("{"))) {
      const e = JSON.parse(line);
      events.push(e);
      if (e.event !== "skipped") process.stderr.write(`  listener: ${e.message}\n`);
      waiters.splice(0).forEach((w) => w());
    }
  });
  const until = async (test: () => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 500);
      });
    }
  };
  try {
    await until(() => events.some((e) => e.event === "listening"), 60000, "the listener");
    for (const video of videos) {
      const name = `uploads/${path.basename(video)}`;
      process.stderr.write(`uploading ${video} to gs://${INPUT_BUCKET}/${name}\n`);
      await stack.storage.bucket(INPUT_BUCKET).upload(video, { destination: name });
    }
    const objects = videos.map((v) => `gs://${INPUT_BUCKET}/uploads/${path.basename(v)}`);
    const finished = (o: string) => events.find((e) => (e.event === "processed" || e.event === "dead letter") && (e.object === o || String((e as Record<string, unknown>).source ?? "").startsWith(o)));
    await until(() => objects.every(finished), 600000, "every video");
    const out = path.join(repoRoot, "out", "demo");
    mkdirSync(out, { recursive: true });
    process.stdout.write("\nvideo | result | processing s | upload to manifest s\n---|---|---|---\n");
    for (const object of objects) {
      const e = finished(object)!;
      if (e.event !== "processed") {
        process.stdout.write(`${object} | dead letter: ${(e as Record<string, unknown>).reason} | | \n`);
        continue;
      }
      process.stdout.write(`${object} | ${e.manifest} | ${e.processingSec} | ${e.latencySec?.toFixed(2)}\n`);
      // A local copy of the results, to look at.
      const folder = path.join(out, path.basename(object));
      mkdirSync(folder, { recursive: true });
      const match = /^gs:\/\/([^/]+)\/(.*)manifest\.json$/.exec(String(e.manifest))!;
      for (const file of ["gray.mp4", "preview.jpg", "manifest.json"]) {
        await stack.storage.bucket(match[1]).file(`${match[2]}${file}`).download({ destination: path.join(folder, file) });
      }
    }
    process.stdout.write(`\nlocal copies of the results: ${path.relative(process.cwd(), out)}/<video>/{gray.mp4,preview.jpg,manifest.json}\n`);
  } finally {
    listener.kill("SIGTERM");
    await new Promise((resolve) => listener.once("exit", resolve));
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
