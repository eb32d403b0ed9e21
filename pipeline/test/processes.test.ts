/**
 * The runners' helper processes (services.ts): a JVM or Python service that
 * outlived videoflow would go on running a job (reading a subscription) with
 * nobody to stop it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "./helpers";

const services = path.resolve(__dirname, "..", "src", "util", "processes.js");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("ProcessService", () => {
  it("stops its service when the process that started it is killed outright (SIGKILL)", async () => {
    // Arrange: a Node process that starts a service (a server on the chosen port, writing its pid to a file).
    const pidFile = path.join(tempDir(), "service.pid");
    const service = `require("fs").writeFileSync(process.argv[2], String(process.pid)); require("net").createServer().listen(Number(process.argv[1]), "127.0.0.1")`;
    const parent = spawn(
      process.execPath,
      [
        "-e",
        `const { ProcessService } = require(${JSON.stringify(services)});
       new ProcessService({ name: "probe", command: process.execPath, args: ["-e", ${JSON.stringify(service)}, "{{PORT}}", ${JSON.stringify(pidFile)}] })
         .start().then(() => console.log("started"));
       setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => parent.stdout!.on("data", (d: Buffer) => d.toString().includes("started") && resolve()));
    const pid = Number(readFileSync(pidFile, "utf8"));
    assert.ok(alive(pid), "the service runs");
    // Act
    parent.kill("SIGKILL");
    // Assert
    const deadline = Date.now() + 10000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(pid), false, "the service outlived the process that started it");
  });
});
