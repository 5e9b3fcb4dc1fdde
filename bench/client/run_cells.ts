/**
 * Runs the benchmark cells in whichever runtime runs this file and prints them as one JSON line on stdout
 * (progress goes to stderr): `bun bench/client/run_cells.ts --port=N [--only=TEXT,...] [--runs=N]
 * [--requests=N] [--server-pid=PID] [--heap-profile=FILE]`. `run.ts` spawns it under Bun; `profile.ts` under `deno --cpu-prof`.
 *
 * @module
 */

import { writeFile } from "node:fs/promises";
import process from "node:process";
import { option } from "../_lib/args.ts";
import { heapSampler } from "../_lib/profile.ts";
import { type CellsOptions, loadBaseline, runCells } from "./cells.ts";

/**
 * `--heap-profile=FILE`: V8's sampling heap profiler (Deno only) over the measured runs, objects
 * collected by GC included, so it shows what was allocated, not what was kept.
 */
async function heapHooks(file: string): Promise<Pick<CellsOptions, "beforeMeasured" | "afterMeasured">> {
  const sampler = await heapSampler();
  return {
    beforeMeasured: () => sampler.start(),
    afterMeasured: async () => {
      await writeFile(file, JSON.stringify(await sampler.stop()));
    },
  };
}

const runtime = (globalThis as { Bun?: unknown }).Bun !== undefined ? "bun" : "deno";
const versions = process.versions as Record<string, string | undefined>;
const port = Number(option("port"));
if (!Number.isInteger(port) || port <= 0) {
  console.error(
    "usage: run_cells.ts --port=N [--only=TEXT,...] [--runs=N] [--requests=N] [--server-pid=PID]",
  );
  process.exit(2);
}
const runs = option("runs");
const requests = option("requests");
const serverPid = option("server-pid");
const heapProfile = option("heap-profile");
const baselineDir = option("baseline");
const results = await runCells({
  runtime,
  port,
  only: (option("only") ?? "").split(",").filter((s) => s !== ""),
  log: (line) => console.error(line),
  ...(runs !== undefined ? { runs: Number(runs) } : {}),
  ...(requests !== undefined ? { requests: Number(requests) } : {}),
  ...(serverPid !== undefined ? { serverPid: Number(serverPid) } : {}),
  ...(baselineDir !== undefined ? { baseline: await loadBaseline(baselineDir) } : {}),
  ...(heapProfile !== undefined ? await heapHooks(heapProfile) : {}),
});
const version = runtime === "bun" ? versions.bun : versions.deno;
console.log(JSON.stringify({ runtime, version: version ?? "?", results }));
process.exit(0);
