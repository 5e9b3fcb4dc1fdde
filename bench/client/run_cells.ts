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
import { type CellsOptions, runCells } from "./cells.ts";

/**
 * `--heap-profile=FILE`: V8's sampling heap profiler (through `node:inspector`, so Deno only) over the
 * measured runs, objects collected by GC included, so it shows what was allocated, not what was kept.
 */
async function heapHooks(file: string): Promise<Pick<CellsOptions, "beforeMeasured" | "afterMeasured">> {
  const { Session } = await import("node:inspector");
  const session = new Session();
  session.connect();
  const post = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(
        method,
        params,
        (err: Error | null, result?: unknown) => err ? reject(err) : resolve(result),
      )
    );
  await post("HeapProfiler.enable");
  return {
    beforeMeasured: async () => {
      await post("HeapProfiler.startSampling", {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    },
    afterMeasured: async () => {
      const { profile } = await post("HeapProfiler.stopSampling") as { profile: unknown };
      await writeFile(file, JSON.stringify(profile));
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
const results = await runCells({
  runtime,
  port,
  only: (option("only") ?? "").split(",").filter((s) => s !== ""),
  log: (line) => console.error(line),
  ...(runs !== undefined ? { runs: Number(runs) } : {}),
  ...(requests !== undefined ? { requests: Number(requests) } : {}),
  ...(serverPid !== undefined ? { serverPid: Number(serverPid) } : {}),
  ...(heapProfile !== undefined ? await heapHooks(heapProfile) : {}),
});
const version = runtime === "bun" ? versions.bun : versions.deno;
console.log(JSON.stringify({ runtime, version: version ?? "?", results }));
process.exit(0);
