/**
 * Profiles one server of the load benchmark under wrk load and prints where the time (and, on Deno, the
 * allocation) goes.
 *
 *     ./node_modules/.bin/deno run -A bench/server/profile.ts --runtime=deno --scenario=hello
 *     ./node_modules/.bin/deno run -A bench/server/profile.ts --runtime=bun --scenario=echo --server=ours
 *
 * Options: `--server=FILE` a file stem in `servers/` (default `ours`), `--runtime=deno|bun` (default deno),
 * `--scenario=hello|echo` (default hello), `--duration=S` of profiled load (default 8), `--top=N` rows per
 * list (default 25), `--out=DIR` where the raw profiles go (default `/tmp/wire-http-profiles`; open them in
 * Chrome DevTools).
 *
 * Deno: the server runs with `--inspect` on a free port; over the inspector protocol this script starts
 * the V8 CPU profiler (250 µs sampling) and the sampling heap profiler (objects collected by GC included,
 * so it shows allocation, not retention) after a 2 s warm-up, and stops both when wrk is done.
 * Bun: the server runs with `bun --cpu-prof` and `BENCH_PROFILE=1` (SIGTERM then ends it through
 * `process.exit`, which writes the profile); that profile covers start-up and warm-up too.
 *
 * Reported: self time per function, inclusive time per function, self time per source file, and on Deno
 * allocated bytes per function (also per request). Profiling slows the server; compare shares, not req/s.
 *
 * @module
 */

import {
  BUN,
  freePort,
  type Runtime,
  type ServerSpec,
  sleep,
  start,
  type Started,
  stop,
  waitUntilAnswering,
  wrk,
  wrkAvailable,
  type WrkResult,
} from "./_harness.ts";
import type { Scenario } from "./shared.ts";

function option(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  const arg = Deno.args.find((a) => a.startsWith(prefix));
  return arg === undefined ? fallback : arg.slice(prefix.length);
}

const RUNTIME: Runtime = option("runtime", "deno") === "bun" ? "bun" : "deno";
const SCENARIO: Scenario = option("scenario", "hello") === "echo" ? "echo" : "hello";
const SERVER = option("server", "ours").replace(/\.ts$/, "");
const DURATION_S = Number(option("duration", "8"));
const TOP = Number(option("top", "25"));
const OUT = option("out", "/tmp/wire-http-profiles");
const ROOT = decodeURIComponent(new URL("../../", import.meta.url).pathname);

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

interface HeapProfile {
  head: HeapNode;
}

function shortUrl(url: string): string {
  let u = url.replace(/^file:\/\//, "");
  if (u.startsWith(ROOT)) u = u.slice(ROOT.length);
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
    console.log(`  ${pct(value, whole)}  ${unit(value).padStart(9)}  ${key}`);
  }
}

function summarizeCpu(profile: CpuProfile): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hits = new Map<number, number>();
  if (profile.samples?.length) {
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  } else {
    for (const n of profile.nodes) if (n.hitCount) hits.set(n.id, n.hitCount);
  }
  const total = [...hits.values()].reduce((a, b) => a + b, 0);
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, total);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const files = new Map<string, number>();
  let idle = 0;
  for (const [id, count] of hits) {
    const node = byId.get(id);
    if (!node) continue;
    const name = node.callFrame.functionName;
    if (name === "(idle)") {
      idle += count;
      continue;
    }
    const key = frameKey(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + count);
    const file = node.callFrame.url ? shortUrl(node.callFrame.url) : name.startsWith("(") ? name : "(native)";
    files.set(file, (files.get(file) ?? 0) + count);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || frame.functionName === "(root)") continue;
      const k = frameKey(frame);
      if (!seen.has(k)) {
        seen.add(k);
        inclusive.set(k, (inclusive.get(k) ?? 0) + count);
      }
    }
  }
  const busy = total - idle;
  const ms = (n: number) => `${(n * msPerSample).toFixed(0)} ms`;
  console.log(
    `\nCPU: ${total} samples over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s; ` +
      `idle ${pct(idle, total).trim()}; percentages below are of the ${busy} busy samples`,
  );
  printList("Self time by function:", [...self], busy, ms);
  printList("Inclusive time by function:", [...inclusive], busy, ms);
  printList("Self time by file:", [...files], busy, ms);
}

function summarizeHeap(profile: HeapProfile, requests: number): void {
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
  walk(profile.head);
  const perRequest = (n: number) => `${(n / Math.max(1, requests)).toFixed(0)} B/req`;
  console.log(
    `\nAllocation (sampled, GC'd objects included): ${
      (total / 1e6).toFixed(0)
    } MB for ${requests} requests ` +
      `= ${(total / Math.max(1, requests)).toFixed(0)} bytes per request`,
  );
  printList("Allocated bytes by function:", [...self], total, perRequest);
  printList("Allocated bytes by file:", [...files], total, perRequest);
}

// ---------------------------------------------------------------------------------------------------------
// A minimal inspector-protocol client

class Inspector {
  #ws: WebSocket;
  #next = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (event) => {
      const msg = JSON.parse(String(event.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      const waiter = msg.id === undefined ? undefined : this.#pending.get(msg.id);
      if (!waiter || msg.id === undefined) return;
      this.#pending.delete(msg.id);
      if (msg.error) waiter.reject(new Error(msg.error.message));
      else waiter.resolve(msg.result);
    };
  }

  static async connect(port: number): Promise<Inspector> {
    let targets: { webSocketDebuggerUrl: string }[] = [];
    for (let i = 0; i < 100 && targets.length === 0; i++) {
      try {
        targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      } catch {
        await sleep(50);
      }
    }
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error("no inspector target");
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error(`cannot open ${url}`));
    });
    return new Inspector(ws);
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.#next++;
    this.#ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) =>
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
    );
  }

  close(): void {
    this.#ws.close();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Main

if (!(await wrkAvailable())) {
  console.error("wrk is not installed. Install it with:\n\n    apt-get install -y wrk\n");
  Deno.exit(1);
}
await Deno.mkdir(OUT, { recursive: true });
const spec: ServerSpec = {
  name: `${SERVER} on ${RUNTIME}`,
  runtime: RUNTIME,
  kind: "ours",
  file: `${SERVER}.ts`,
};
const port = freePort();
const stamp = `${SERVER}-${RUNTIME}-${SCENARIO}-${new Date().toISOString().replace(/[:.]/g, "-")}`;
console.log(`profiling ${spec.name}, scenario ${SCENARIO}, ${DURATION_S} s of wrk load (port ${port})`);

let started: Started | null = null;
let result: WrkResult;
try {
  if (RUNTIME === "deno") {
    const inspectPort = freePort();
    started = await start(spec, port, SCENARIO, { flags: [`--inspect=127.0.0.1:${inspectPort}`] });
    await waitUntilAnswering(port, SCENARIO);
    await wrk(port, SCENARIO, 2);
    const inspector = await Inspector.connect(inspectPort);
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: 250 });
    await inspector.send("HeapProfiler.enable");
    await inspector.send("HeapProfiler.startSampling", {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await inspector.send("Profiler.start");
    result = await wrk(port, SCENARIO, DURATION_S);
    const { profile } = await inspector.send<{ profile: CpuProfile }>("Profiler.stop");
    const heap = await inspector.send<{ profile: HeapProfile }>("HeapProfiler.stopSampling");
    inspector.close();
    await Deno.writeTextFile(`${OUT}/${stamp}.cpuprofile`, JSON.stringify(profile));
    await Deno.writeTextFile(`${OUT}/${stamp}.heapprofile`, JSON.stringify(heap.profile));
    console.log(`wrk under profiler: ${Math.round(result.rps)} req/s ${result.errors}`);
    console.log(`raw profiles: ${OUT}/${stamp}.cpuprofile, .heapprofile`);
    summarizeCpu(profile);
    summarizeHeap(heap.profile, result.requests);
  } else {
    const dir = `${OUT}/${stamp}`;
    await Deno.mkdir(dir, { recursive: true });
    started = await start(spec, port, SCENARIO, {
      flags: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
      env: { BENCH_PROFILE: "1" },
    });
    await waitUntilAnswering(port, SCENARIO);
    await wrk(port, SCENARIO, 2);
    result = await wrk(port, SCENARIO, DURATION_S);
    await stop(started, 10_000);
    started = null;
    const files = [...Deno.readDirSync(dir)].filter((f) => f.name.endsWith(".cpuprofile"));
    if (!files[0]) throw new Error(`bun wrote no .cpuprofile into ${dir} (${BUN})`);
    const file = `${dir}/${files[0].name}`;
    console.log(`wrk under profiler: ${Math.round(result.rps)} req/s ${result.errors}`);
    console.log(`raw profile: ${file}`);
    summarizeCpu(JSON.parse(await Deno.readTextFile(file)));
  }
} finally {
  if (started) await stop(started);
}
