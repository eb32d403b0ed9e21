/**
 * `videoflow cost`: what a Dataflow deployment of videoflow costs a month,
 * from the dated price table in pipeline/data/dataflow-prices.json.
 *
 * A month is the price table's hoursPerMonth (24 h x 30 days) of every
 * worker: a streaming job keeps its workers up whether videos arrive or not.
 */
import prices from "../data/dataflow-prices.json";
import type { CostOptions } from "./options";
import { UsageError } from "./options";

export type PriceTable = typeof prices;

export interface Deployment {
  workers: number;
  machineType: string;
  vcpu: number;
  memoryGb: number;
  diskSizeGb: number;
  mode: "streaming" | "streamingEngine" | "batch";
}

export interface CostLine {
  item: string;
  /** How the month's charge is reached, e.g. "4 vCPU x 0.069 USD/h x 720 h". */
  formula: string;
  usd: number;
}

export interface CostEstimate {
  deployment: Deployment;
  lines: CostLine[];
  /** vCPU and memory: what the workers' compute costs. */
  computeUsd: number;
  diskUsd: number;
  totalUsd: number;
  /** With a throughput: the hours of video the deployment processes in a month, and what each costs. */
  perVideoHour?: { framesPerSecond: number; videoFps: number; videoHoursPerMonth: number; usd: number };
}

export function deploymentOf(options: CostOptions, table: PriceTable = prices): Deployment {
  const mode = !options.streaming ? "batch" : options.streamingEngine ? "streamingEngine" : "streaming";
  const machineType = options.machineType ?? table.defaults[mode].machineType;
  const machine = (table.machineTypes as Record<string, { vcpu: number; memoryGb: number }>)[machineType];
  if (!machine) {
    throw new UsageError(
      `--machineType ${machineType} is not in the price table (pipeline/data/dataflow-prices.json): one of ${Object.keys(table.machineTypes).join(", ")}`,
    );
  }
  return { workers: options.workers, machineType, ...machine, diskSizeGb: options.diskSizeGb ?? table.defaults[mode].diskSizeGb, mode };
}

export function estimateCost(options: CostOptions, table: PriceTable = prices): CostEstimate {
  const d = deploymentOf(options, table);
  const hours = table.hoursPerMonth;
  const rates = d.mode === "batch" ? table.perHour.batch : table.perHour.streaming;
  const diskRate = table.perHour.diskGb["pd-standard"];
  const workers = d.workers === 1 ? "" : `${d.workers} workers x `;
  const lines: CostLine[] = [
    { item: "vCPU", formula: `${workers}${d.vcpu} vCPU x ${rates.vcpu} USD/h x ${hours} h`, usd: d.workers * d.vcpu * rates.vcpu * hours },
    {
      item: "memory",
      formula: `${workers}${d.memoryGb} GB x ${rates.memoryGb} USD/GB-h x ${hours} h`,
      usd: d.workers * d.memoryGb * rates.memoryGb * hours,
    },
    {
      item: "persistent disk",
      formula: `${workers}${d.diskSizeGb} GB x ${diskRate} USD/GB-h x ${hours} h`,
      usd: d.workers * d.diskSizeGb * diskRate * hours,
    },
  ];
  const computeUsd = lines[0].usd + lines[1].usd;
  const diskUsd = lines[2].usd;
  const totalUsd = computeUsd + diskUsd;
  const estimate: CostEstimate = { deployment: d, lines, computeUsd, diskUsd, totalUsd };
  if (options.framesPerSecond !== undefined) {
    // One hour of video is videoFps x 3600 frames; the deployment processes workers x framesPerSecond frames a second.
    const videoHoursPerHour = (d.workers * options.framesPerSecond) / options.videoFps;
    const videoHoursPerMonth = videoHoursPerHour * hours;
    estimate.perVideoHour = {
      framesPerSecond: options.framesPerSecond,
      videoFps: options.videoFps,
      videoHoursPerMonth,
      usd: totalUsd / videoHoursPerMonth,
    };
  }
  return estimate;
}

/** The same deployment on other machine types and with Streaming Engine: what changing them does to the month. */
export function alternatives(options: CostOptions, table: PriceTable = prices): { label: string; totalUsd: number }[] {
  const base = estimateCost(options, table);
  const variants: { label: string; options: CostOptions }[] = [];
  if (options.streaming) {
    const engine = !options.streamingEngine;
    variants.push({
      label: engine
        ? `with Streaming Engine (${table.defaults.streamingEngine.machineType}, ${table.defaults.streamingEngine.diskSizeGb} GB disk; plus ${table.streamingEnginePerGbProcessed} USD per GB the engine processes)`
        : `without Streaming Engine (${table.defaults.streaming.machineType}, ${table.defaults.streaming.diskSizeGb} GB disk)`,
      options: { ...options, streamingEngine: engine, machineType: undefined, diskSizeGb: undefined },
    });
  }
  for (const machineType of ["n1-standard-2", "n1-standard-4", "n1-standard-8", "n1-highcpu-8", "e2-standard-4"]) {
    if (machineType !== base.deployment.machineType) variants.push({ label: `on ${machineType}`, options: { ...options, machineType } });
  }
  return variants.map((v) => ({ label: v.label, totalUsd: estimateCost(v.options, table).totalUsd }));
}

const usd = (n: number) => `${n.toFixed(2)} USD`;

/** What `videoflow cost` prints. */
export function formatCost(options: CostOptions, table: PriceTable = prices): string {
  const e = estimateCost(options, table);
  const d = e.deployment;
  const mode = d.mode === "batch" ? "batch" : d.mode === "streaming" ? "streaming" : "streaming with Streaming Engine";
  const out = [
    `Dataflow, ${table.region}, ${mode}: ${d.workers} x ${d.machineType} (${d.vcpu} vCPU, ${d.memoryGb} GB), ${d.diskSizeGb} GB disk each, ${table.hoursPerMonth} h a month`,
    `prices: ${table.dated} (pipeline/data/dataflow-prices.json)`,
    "",
    ...e.lines.map((l) => `  ${l.item.padEnd(16)} ${l.formula.padEnd(50)} ${usd(l.usd).padStart(12)}`),
    `  ${"vCPU + memory".padEnd(16)} ${"".padEnd(50)} ${usd(e.computeUsd).padStart(12)}`,
    `  ${"total".padEnd(16)} ${"".padEnd(50)} ${usd(e.totalUsd).padStart(12)} a month`,
  ];
  if (d.mode === "streamingEngine")
    out.push(
      `  plus Streaming Engine: ${table.streamingEnginePerGbProcessed} USD per GB processed (videoflow shuffles descriptions of segments, not frames)`,
    );
  if (isOriginalDesign(options)) {
    out.push(
      "",
      `The original design's estimate, (0.069 x 4 + 0.003557 x 15 + 0.000054 x 420) x 24 x 30 = 237.14 USD, is the vCPU + memory`,
      `line above: its formula includes the 420 GB disk, but its total leaves it out. With the disk the month is ${usd(e.totalUsd)}.`,
    );
  }
  if (e.perVideoHour) {
    const v = e.perVideoHour;
    out.push(
      "",
      `at ${v.framesPerSecond} frames/s per worker and ${v.videoFps} fps video: up to ${v.videoHoursPerMonth.toFixed(0)} hours of video a month, ${v.usd.toFixed(3)} USD per hour of video when the workers are kept busy`,
    );
  }
  out.push("", "the same month:", ...alternatives(options, table).map((a) => `  ${a.label}: ${usd(a.totalUsd)}`));
  return out.join("\n");
}

function isOriginalDesign(o: CostOptions): boolean {
  return (
    o.workers === 1 &&
    o.streaming &&
    !o.streamingEngine &&
    (o.machineType ?? "n1-standard-4") === "n1-standard-4" &&
    (o.diskSizeGb ?? 420) === 420
  );
}
