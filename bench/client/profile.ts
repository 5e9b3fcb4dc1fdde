/**
 * Profiles one client cell and prints where the time (and, on Deno, the allocation) goes.
 *
 *     ./node_modules/.bin/deno run -A bench/client/profile.ts                 # ours, request rate
 *     ./node_modules/.bin/deno run -A bench/client/profile.ts --client=node --kind=download
 *
 * Options: `--runtime=deno|bun` (default deno), `--client=ours|fetch|node` (default ours), `--kind=rate|download|upload` (default rate),
 * `--top=N` rows per list (default 25), `--out=DIR` where the raw profiles go (default
 * `/tmp/wire-http-client-profiles`; open them in Chrome DevTools), `--profile=FILE` only summarize an
 * existing `.cpuprofile` (or `--heap=FILE` a `.heapprofile`).
 *
 * Starts the target server (`server.ts`), then runs the cell twice in child processes:
 * 1. `deno run -A --cpu-prof --cpu-prof-interval=250 run_cells.ts --only=CLIENT:KIND`: the whole child
 *    (start-up, warm-up, 3 measured runs) under V8's CPU profiler, 250 µs sampling.
 *    On Bun: `bun --cpu-prof run_cells.ts ...` (Bun's sampling interval), and no heap profile.
 * 2. `deno run -A run_cells.ts --heap-profile=FILE`: V8's sampling heap profiler over the measured runs
 *    only (objects collected by GC included, so allocation, not retention).
 *
 * Reported: self time per function, inclusive time per function, self time per source file; allocated
 * bytes per function and per file, per request (rate) or per MB (transfers). Profiling slows the client:
 * compare shares, not rates.
 *
 * @module
 */

import { type Client, CLIENTS, type Kind, KINDS, RUNS } from "./cells.ts";
import { DOWNLOAD_BYTES, REQUESTS } from "./shared.ts";
import { runCellsChild, startTargetServer } from "./_children.ts";
import { BUN, killChildren } from "../_lib/children.ts";
import { option } from "../_lib/args.ts";
import {
  type CpuProfile,
  findCpuProfile,
  type HeapNode,
  type HeapOptions,
  type ListOptions,
  summarizeCpu,
  summarizeHeap,
} from "../_lib/profile.ts";

const CLIENT = option("client", "ours") as Client;
const KIND = option("kind", "rate") as Kind;
if (!CLIENTS.includes(CLIENT) || !KINDS.includes(KIND)) {
  console.error(`--client must be one of ${CLIENTS.join("|")}, --kind one of ${KINDS.join("|")}`);
  Deno.exit(2);
}
const RUNTIME = option("runtime", "deno") === "bun" ? "bun" : "deno";
const OUT = option("out", "/tmp/wire-http-client-profiles");
/** Units of work in the measured runs: requests, or MB. */
const WORK = KIND === "rate" ? RUNS * REQUESTS : RUNS * DOWNLOAD_BYTES / 1e6;
const PER = KIND === "rate" ? "req" : "MB";
const LIST: ListOptions = { top: Number(option("top", "25")), unitWidth: 13 };

function cpu(profile: CpuProfile): void {
  summarizeCpu(profile, { ...LIST, weigh: "time" });
}

const per = (n: number) => `${(n / WORK).toFixed(KIND === "rate" ? 0 : 1)} B/${PER}`;
const HEAP: HeapOptions = {
  ...LIST,
  headline: (total) =>
    `Allocation over the measured runs (sampled, GC'd objects included): ${(total / 1e6).toFixed(0)} MB ` +
    `= ${per(total)}`,
  per,
};

// ---------------------------------------------------------------------------------------------------------
// Main

const cpuFile = option("profile", "");
const heapFile = option("heap", "");
if (cpuFile || heapFile) {
  if (cpuFile) cpu(JSON.parse(await Deno.readTextFile(cpuFile)));
  if (heapFile) summarizeHeap(JSON.parse(await Deno.readTextFile(heapFile)).head, HEAP);
  Deno.exit(0);
}

const stamp = `${CLIENT}-${KIND}-${new Date().toISOString().replace(/[:.]/g, "-")}`;
const dir = `${OUT}/${stamp}`;
await Deno.mkdir(dir, { recursive: true });
const server = await startTargetServer();
console.error(
  `profiling ${RUNTIME} ${CLIENT} ${KIND}; server on 127.0.0.1:${server.port}; raw profiles in ${dir}`,
);
const cellArgs = [`--port=${server.port}`, `--only=${CLIENT}:${KIND}`, `--server-pid=${server.child.pid}`];
try {
  const cpuRun = await runCellsChild(
    RUNTIME === "bun" ? BUN : Deno.execPath(),
    RUNTIME === "bun"
      ? ["--cpu-prof", `--cpu-prof-dir=${dir}`]
      : ["run", "-A", "--cpu-prof", `--cpu-prof-dir=${dir}`, "--cpu-prof-interval=250"],
    cellArgs,
    180_000,
  );
  const heapPath = `${dir}/${stamp}.heapprofile`;
  const heap = RUNTIME === "bun"
    ? { version: "", results: [], error: "no heap sampling on Bun" }
    : await runCellsChild(
      Deno.execPath(),
      ["run", "-A"],
      [...cellArgs, `--heap-profile=${heapPath}`],
      180_000,
    );
  for (const [what, outcome] of [["CPU-profiled", cpuRun], ["heap-sampled", heap]] as const) {
    const r = outcome.results[0];
    if (outcome.error) console.log(`${what} run: ERROR ${outcome.error}`);
    else if (r) {
      console.log(
        `${what} run: median ${r.median?.toFixed(KIND === "rate" ? 0 : 1)} ${r.unit} ` +
          `(${r.runs.map((s) => s.value.toFixed(0)).join(" / ")})${r.error ? `, FAILED ${r.error}` : ""}`,
      );
    }
  }
  const profile = findCpuProfile(dir);
  if (profile) {
    console.log(`CPU profile: ${profile}`);
    cpu(JSON.parse(await Deno.readTextFile(profile)));
  } else console.log(`no .cpuprofile in ${dir}`);
  try {
    const heapProfile = JSON.parse(await Deno.readTextFile(heapPath)) as { head: HeapNode };
    console.log(`\nheap profile: ${heapPath}`);
    summarizeHeap(heapProfile.head, HEAP);
  } catch (err) {
    console.log(`no heap profile: ${(err as Error).message}`);
  }
} finally {
  killChildren();
}
Deno.exit(0);
