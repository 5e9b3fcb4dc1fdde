/**
 * The benches' profiler: V8 / JavaScriptCore CPU profiles and V8 sampling heap profiles (Chrome DevTools
 * formats) turned into the lists `server/profile.ts` and `client/profile.ts` print: self time, inclusive
 * time and self time per file; allocated bytes per function and per file. Also the inspector-protocol
 * client that profiles a Deno child from outside (`--inspect`), for servers, whose profile must cover the
 * load only; and V8's heap sampler inside this very process (`node:inspector`), for the client cells,
 * whose heap profile must cover the measured runs only.
 *
 * Runtime-neutral at import (the client cells import it on Bun too); what needs Deno says so.
 *
 * @module
 */

/** The repository root as a path: the lists show file names relative to it. */
const ROOT_PATH = decodeURIComponent(new URL("../../", import.meta.url).pathname);

/**
 * V8's sampling heap profiler settings of every heap profile here: one sample per 4 KiB allocated on
 * average, objects already collected by GC included, so the profile shows allocation, not retention.
 */
const HEAP_SAMPLING = {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
};

// ---------------------------------------------------------------------------------------------------------
// Profile formats (Chrome DevTools)

/** Where a profile node's code is. */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/** A `.cpuprofile` (V8's `Profiler.stop`, `deno --cpu-prof`, `bun --cpu-prof`). */
export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

/** A node of a `.heapprofile` (V8's sampling heap profiler). */
export interface HeapNode {
  id: number;
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

/** A `.heapprofile`. */
export interface HeapProfile {
  head: HeapNode;
}

/** The first `.cpuprofile` a runtime wrote into `dir` (`--cpu-prof-dir`), or null. Deno only. */
export function findCpuProfile(dir: string): string | null {
  const found = [...Deno.readDirSync(dir)].find((f) => f.name.endsWith(".cpuprofile"));
  return found ? `${dir}/${found.name}` : null;
}

// ---------------------------------------------------------------------------------------------------------
// Summaries

/** How a summary prints. */
export interface ListOptions {
  /** Rows per list. */
  top: number;
  /** Width the unit column is padded to (`123 ms`, `1,234 B/req`). */
  unitWidth: number;
}

function shortUrl(url: string): string {
  let u = url.replace(/^file:\/\//, "");
  if (u.startsWith(ROOT_PATH)) u = u.slice(ROOT_PATH.length);
  return u || "(native)";
}

/** `name  file:line`, relative to the repository, as the lists show a function. */
function frameKey(frame: CallFrame): string {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return name;
  return `${name}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

function pct(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1).padStart(5)}%`;
}

function printList(
  title: string,
  entries: [string, number][],
  whole: number,
  unit: (n: number) => string,
  options: ListOptions,
): void {
  console.log(`\n${title}`);
  for (const [key, value] of entries.sort((a, b) => b[1] - a[1]).slice(0, options.top)) {
    console.log(`  ${pct(value, whole)}  ${unit(value).padStart(options.unitWidth)}  ${key}`);
  }
}

/** How {@linkcode summarizeCpu} weighs the samples. */
export interface CpuOptions extends ListOptions {
  /**
   * `samples`: every sample counts one, and ms are samples times the mean interval (the server
   * profiler's way; its samples come at a steady 250 µs). `time`: every sample counts the time until the
   * next one, from `timeDeltas` (the client profiler's way: it profiles a whole child, whose start-up
   * and idle waits make the intervals uneven), falling back to hit counts times the mean interval.
   */
  weigh: "samples" | "time";
}

/** Per-sample weights by node id, and how a weight converts to ms. */
function weights(
  profile: CpuProfile,
  weigh: CpuOptions["weigh"],
): { weight: Map<number, number>; toMs: (w: number) => number } {
  const weight = new Map<number, number>();
  if (weigh === "samples") {
    if (profile.samples?.length) {
      for (const id of profile.samples) weight.set(id, (weight.get(id) ?? 0) + 1);
    } else {
      for (const n of profile.nodes) if (n.hitCount) weight.set(n.id, n.hitCount);
    }
    const total = [...weight.values()].reduce((a, b) => a + b, 0);
    const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, total);
    return { weight, toMs: (n) => n * msPerSample };
  }
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    // timeDeltas[i] is the time before sample i; V8 attributes the interval ending at sample i+1 to
    // sample i, so shift by one.
    for (let i = 0; i < samples.length; i++) {
      const us = deltas[i + 1] ?? 0;
      weight.set(samples[i]!, (weight.get(samples[i]!) ?? 0) + us);
    }
  } else {
    const total = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
    const us = (profile.endTime - profile.startTime) / Math.max(1, total);
    for (const n of profile.nodes) if (n.hitCount) weight.set(n.id, n.hitCount * us);
  }
  return { weight, toMs: (us) => us / 1000 };
}

/** Prints a CPU profile: self time by function, inclusive time by function, self time by file. */
export function summarizeCpu(profile: CpuProfile, options: CpuOptions): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const { weight, toMs } = weights(profile, options.weigh);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const files = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, w] of weight) {
    const node = byId.get(id);
    if (!node) continue;
    total += w;
    const name = node.callFrame.functionName;
    if (name === "(idle)") {
      idle += w;
      continue;
    }
    const key = frameKey(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + w);
    const file = node.callFrame.url ? shortUrl(node.callFrame.url) : name.startsWith("(") ? name : "(native)";
    files.set(file, (files.get(file) ?? 0) + w);
    // Inclusive: once per function per sample, however often it recurs on the stack.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || frame.functionName === "(root)") continue;
      const k = frameKey(frame);
      if (!seen.has(k)) {
        seen.add(k);
        inclusive.set(k, (inclusive.get(k) ?? 0) + w);
      }
    }
  }
  const busy = total - idle;
  const ms = (n: number) => `${toMs(n).toFixed(0)} ms`;
  if (options.weigh === "samples") {
    console.log(
      `\nCPU: ${total} samples over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s; ` +
        `idle ${pct(idle, total).trim()}; percentages below are of the ${busy} busy samples`,
    );
  } else {
    console.log(
      `\nCPU profile: ${(total / 1e6).toFixed(1)} s sampled, idle ${pct(idle, total).trim()} ` +
        `(idle = the JS thread waiting for I/O); percentages below are of the ${ms(busy)} busy`,
    );
  }
  printList("Self time by function:", [...self], busy, ms, options);
  printList("Inclusive time by function:", [...inclusive], busy, ms, options);
  printList("Self time by file:", [...files], busy, ms, options);
}

/** What {@linkcode summarizeHeap} prints besides the lists. */
export interface HeapOptions extends ListOptions {
  /** The line above the lists, given the bytes allocated in all. */
  headline: (totalBytes: number) => string;
  /** Bytes as the unit column shows them (per request, per MB). */
  per: (bytes: number) => string;
}

/** Prints a sampling heap profile: allocated bytes by function and by file. */
export function summarizeHeap(head: HeapNode, options: HeapOptions): void {
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
  console.log(`\n${options.headline(total)}`);
  printList("Allocated bytes by function:", [...self], total, options.per, options);
  printList("Allocated bytes by file:", [...files], total, options.per, options);
}

// ---------------------------------------------------------------------------------------------------------
// Profiling a Deno child over the inspector protocol

/** A minimal inspector-protocol client (a child started with `--inspect=127.0.0.1:<port>`). Deno only. */
export class Inspector {
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

  /** Connects to the first target the inspector on `port` lists, retrying for up to ~5 s. */
  static async connect(port: number): Promise<Inspector> {
    let targets: { webSocketDebuggerUrl: string }[] = [];
    for (let i = 0; i < 100 && targets.length === 0; i++) {
      try {
        targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
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

  /** Sends one protocol command and resolves with its result. */
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

/**
 * Runs `during` with V8's CPU profiler (`intervalUs` sampling) and its sampling heap profiler
 * ({@linkcode HEAP_SAMPLING}) running in the Deno process whose inspector listens on `inspectPort`;
 * returns both profiles. Deno only.
 */
export async function profileDuring<T>(
  inspectPort: number,
  during: () => Promise<T>,
  intervalUs = 250,
): Promise<{ result: T; cpu: CpuProfile; heap: HeapProfile }> {
  const inspector = await Inspector.connect(inspectPort);
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: intervalUs });
  await inspector.send("HeapProfiler.enable");
  await inspector.send("HeapProfiler.startSampling", HEAP_SAMPLING);
  await inspector.send("Profiler.start");
  const result = await during();
  const { profile } = await inspector.send<{ profile: CpuProfile }>("Profiler.stop");
  const heap = await inspector.send<{ profile: HeapProfile }>("HeapProfiler.stopSampling");
  inspector.close();
  return { result, cpu: profile, heap: heap.profile };
}

/** Heap sampling of this process, started and stopped around the part to profile. */
export interface HeapSampler {
  start(): Promise<void>;
  stop(): Promise<HeapProfile>;
}

/**
 * V8's sampling heap profiler ({@linkcode HEAP_SAMPLING}) in this process, through `node:inspector`, so
 * on Deno (Bun has no V8 heap sampler). `node:inspector` is imported only here, when asked for.
 */
export async function heapSampler(): Promise<HeapSampler> {
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
    start: async () => {
      await post("HeapProfiler.startSampling", HEAP_SAMPLING);
    },
    stop: async () => ((await post("HeapProfiler.stopSampling")) as { profile: HeapProfile }).profile,
  };
}
