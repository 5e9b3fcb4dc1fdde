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
import { BUN, killChildren, path, ROOT, runCellsChild, startServer } from "./_children.ts";

function option(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return Deno.args.find((a) => a.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

const CLIENT = option("client", "ours") as Client;
const KIND = option("kind", "rate") as Kind;
if (!CLIENTS.includes(CLIENT) || !KINDS.includes(KIND)) {
  console.error(`--client must be one of ${CLIENTS.join("|")}, --kind one of ${KINDS.join("|")}`);
  Deno.exit(2);
}
const RUNTIME = option("runtime", "deno") === "bun" ? "bun" : "deno";
const TOP = Number(option("top", "25"));
const OUT = option("out", "/tmp/wire-http-client-profiles");
const ROOT_PATH = path(ROOT);
/** Units of work in the measured runs: requests, or MB. */
const WORK = KIND === "rate" ? RUNS * REQUESTS : RUNS * DOWNLOAD_BYTES / 1e6;
const PER = KIND === "rate" ? "req" : "MB";

// ---------------------------------------------------------------------------------------------------------
// Profile formats (Chrome DevTools)

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

interface HeapNode {
  id: number;
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

function shortUrl(url: string): string {
  let u = url.replace(/^file:\/\//, "");
  if (u.startsWith(ROOT_PATH)) u = u.slice(ROOT_PATH.length);
  return u || "(native)";
}

function frameKey(frame: CallFrame): string {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return name;
  return `${name}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

function pct(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1).padStart(5)}%`;
}

function printList(title: string, entries: [string, number][], whole: number, unit: (n: number) => string) {
  console.log(`\n${title}`);
  for (const [key, value] of entries.sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`  ${pct(value, whole)}  ${unit(value).padStart(13)}  ${key}`);
  }
}

function summarizeCpu(profile: CpuProfile): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Time per sample from timeDeltas (exact), else the average.
  const time = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    // timeDeltas[i] is the time before sample i: charge it to the sample it leads to... V8 attributes the
    // interval ending at sample i+1 to sample i, so shift by one.
    for (let i = 0; i < samples.length; i++) {
      const us = deltas[i + 1] ?? 0;
      time.set(samples[i]!, (time.get(samples[i]!) ?? 0) + us);
    }
  } else {
    const total = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
    const us = (profile.endTime - profile.startTime) / Math.max(1, total);
    for (const n of profile.nodes) if (n.hitCount) time.set(n.id, n.hitCount * us);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const files = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, us] of time) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const name = node.callFrame.functionName;
    if (name === "(idle)") {
      idle += us;
      continue;
    }
    const key = frameKey(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + us);
    const file = node.callFrame.url ? shortUrl(node.callFrame.url) : name.startsWith("(") ? name : "(native)";
    files.set(file, (files.get(file) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || frame.functionName === "(root)") continue;
      const k = frameKey(frame);
      if (!seen.has(k)) {
        seen.add(k);
        inclusive.set(k, (inclusive.get(k) ?? 0) + us);
      }
    }
  }
  const busy = total - idle;
  const ms = (us: number) => `${(us / 1000).toFixed(0)} ms`;
  console.log(
    `\nCPU profile: ${(total / 1e6).toFixed(1)} s sampled, idle ${pct(idle, total).trim()} ` +
      `(idle = the JS thread waiting for I/O); percentages below are of the ${ms(busy)} busy`,
  );
  printList("Self time by function:", [...self], busy, ms);
  printList("Inclusive time by function:", [...inclusive], busy, ms);
  printList("Self time by file:", [...files], busy, ms);
}

function summarizeHeap(head: HeapNode): void {
  const self = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode) => {
    if (node.selfSize) {
      const key = frameKey(node.callFrame);
      self.set(key, (self.get(key) ?? 0) + node.selfSize);
      const file = node.callFrame.url ? shortUrl(node.callFrame.url) : "(native)";
      files.set(file, (files.get(file) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const c of node.children) walk(c);
  };
  walk(head);
  const per = (n: number) => `${(n / WORK).toFixed(KIND === "rate" ? 0 : 1)} B/${PER}`;
  console.log(
    `\nAllocation over the measured runs (sampled, GC'd objects included): ${(total / 1e6).toFixed(0)} MB ` +
      `= ${per(total)}`,
  );
  printList("Allocated bytes by function:", [...self], total, per);
  printList("Allocated bytes by file:", [...files], total, per);
}

// ---------------------------------------------------------------------------------------------------------
// Main

const cpuFile = option("profile", "");
const heapFile = option("heap", "");
if (cpuFile || heapFile) {
  if (cpuFile) summarizeCpu(JSON.parse(await Deno.readTextFile(cpuFile)));
  if (heapFile) summarizeHeap(JSON.parse(await Deno.readTextFile(heapFile)).head);
  Deno.exit(0);
}

const stamp = `${CLIENT}-${KIND}-${new Date().toISOString().replace(/[:.]/g, "-")}`;
const dir = `${OUT}/${stamp}`;
await Deno.mkdir(dir, { recursive: true });
const server = await startServer();
console.error(
  `profiling ${RUNTIME} ${CLIENT} ${KIND}; server on 127.0.0.1:${server.port}; raw profiles in ${dir}`,
);
const cellArgs = [`--port=${server.port}`, `--only=${CLIENT}:${KIND}`, `--server-pid=${server.child.pid}`];
try {
  const cpu = await runCellsChild(
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
  for (const [what, outcome] of [["CPU-profiled", cpu], ["heap-sampled", heap]] as const) {
    const r = outcome.results[0];
    if (outcome.error) console.log(`${what} run: ERROR ${outcome.error}`);
    else if (r) {
      console.log(
        `${what} run: median ${r.median?.toFixed(KIND === "rate" ? 0 : 1)} ${r.unit} ` +
          `(${r.runs.map((s) => s.value.toFixed(0)).join(" / ")})${r.error ? `, FAILED ${r.error}` : ""}`,
      );
    }
  }
  const profiles = [...Deno.readDirSync(dir)].filter((f) => f.name.endsWith(".cpuprofile"));
  if (profiles[0]) {
    console.log(`CPU profile: ${dir}/${profiles[0].name}`);
    summarizeCpu(JSON.parse(await Deno.readTextFile(`${dir}/${profiles[0].name}`)));
  } else console.log(`no .cpuprofile in ${dir}`);
  try {
    const heapProfile = JSON.parse(await Deno.readTextFile(heapPath)) as { head: HeapNode };
    console.log(`\nheap profile: ${heapPath}`);
    summarizeHeap(heapProfile.head);
  } catch (err) {
    console.log(`no heap profile: ${(err as Error).message}`);
  }
} finally {
  killChildren();
}
Deno.exit(0);
