/**
 * The cells of the client benchmark, runtime-neutral: the same code runs in Deno (`run.ts` calls
 * {@linkcode runCells} in-process) and in Bun (`run_cells.ts`, spawned by `run.ts`).
 *
 * Clients: `ours` (`@wire/http`'s `request` with `new Agent({ keepAlive: true, maxSockets: 32 })`), the
 * runtime's `fetch`, and the runtime's `node:http` client with `new http.Agent({ keepAlive: true,
 * maxSockets: 32 })`. Every response body is read fully and its size checked.
 *
 * - `rate`: 20,000 `GET /` with 32 in flight: 32 loops, each sends its next request when its last
 *   response ended. Result: requests/s.
 * - `download`: `GET /download`, 64 MiB (Content-Length) counted chunk by chunk. Result: MB/s (10^6 B).
 * - `upload`: `POST /upload` of 64 MiB in 64 KiB writes: `ours` and `node:http` with `Content-Length` and
 *   `write()`/`'drain'` backpressure; `fetch` with a pull `ReadableStream` body (`duplex: "half"`, so
 *   chunked) that enqueues the next block only when asked. The server answers with the byte count it
 *   read, which must equal 64 MiB. Result: MB/s.
 *
 * Per cell: one warm-up run (20,000 requests, or one whole transfer), then 3 measured runs; the clients of
 * a kind take turns run by run, in one order and then the reverse (ours, fetch, node, node, fetch, ours,
 * ...), so slow drift on a shared machine hits them alike and no client always runs right after another
 * (on Bun, with a fixed order the first of two identical clients measured 0.94x the second, twice). Reported: median and every run, plus this process's CPU time per request / per MB (steadier than
 * rates on a shared machine), the server's cores and the cores other processes took during the runs
 * (from /proc; a run next to other load is slower for reasons that are not the client's).
 *
 * @module
 */

import * as nodeHttp from "node:http";
import process from "node:process";
import { Agent, type IncomingMessage, request } from "../../mod.ts";
import { machineTicks, processTicks, TICKS_PER_SECOND } from "../_lib/proc.ts";
import { middle } from "../_lib/stats.ts";
import { BLOCK, DOWNLOAD_BYTES, HELLO_BODY, HOST, IN_FLIGHT, REQUESTS, UPLOAD_BYTES } from "./shared.ts";

/** `base` is ours from another checkout (`--baseline=DIR`): an A/B in one invocation, rounds interleaved. */
export type Client = "ours" | "fetch" | "node" | "base";
export type Kind = "rate" | "download" | "upload";
export const CLIENTS: readonly Client[] = ["ours", "fetch", "node"];
export const KINDS: readonly Kind[] = ["rate", "download", "upload"];

/** Warm-up of a request-rate cell: as many requests as a measured run (JIT tiers settle by then). */
export const WARMUP_REQUESTS = REQUESTS;
export const RUNS = 3;
/** A run that takes longer than this is abandoned and the cell reported as failed. */
const RUN_TIMEOUT_MS = 30_000;

export interface RunSample {
  /** req/s or MB/s. */
  value: number;
  /** CPU time of this process (user + system) during the run, in ms. */
  cpuMs: number;
  /** Wall time of the run, in ms. */
  wallMs: number;
  /** Cores the server process used during the run (null where /proc is missing). */
  serverCores: number | null;
  /** Cores used by every other process (not this one, not the server) during the run. */
  otherCores: number | null;
}

export interface CellResult {
  runtime: "deno" | "bun";
  client: Client;
  kind: Kind;
  unit: "req/s" | "MB/s";
  /** Measured runs, in order (empty when the cell failed before any). */
  runs: RunSample[];
  /** Median value, or null when the cell failed. */
  median: number | null;
  /** Median CPU per unit of work: µs per request (rate) or ms per MB (transfers). */
  cpuPerUnit: number | null;
  /** Median cores of the server process over the runs. */
  serverCores: number | null;
  /** Most cores other processes used during any run (noise indicator). */
  otherCores: number | null;
  /** What went wrong, as seen. */
  error?: string;
}

export interface CellsOptions {
  runtime: "deno" | "bun";
  port: number;
  /** Keeps cells whose `client:kind` contains one of these texts (all when empty). */
  only: string[];
  /** Progress lines (stderr). */
  log: (line: string) => void;
  runs?: number;
  requests?: number;
  /** The server's pid, to tell its CPU time from the rest of the machine's (Linux /proc). */
  serverPid?: number;
  /** Called before the measured runs of a kind (after its warm-ups), e.g. to start a profiler. */
  beforeMeasured?: (kind: Kind) => Promise<void>;
  /** Called after the measured runs of a kind. */
  afterMeasured?: (kind: Kind) => Promise<void>;
  /** The package root module of another checkout: its client runs as `base`, beside `ours`. */
  baseline?: ClientModule;
}

/** What the `ours` cells use of the package root (this checkout's, or a baseline's). */
export interface ClientModule {
  Agent: typeof Agent;
  request: typeof request;
}

/** Imports a checkout's package root for the `base` client (`DIR/mod.ts`). */
export async function loadBaseline(dir: string): Promise<ClientModule> {
  const url = new URL(`file://${dir.replace(/\/$/, "")}/mod.ts`);
  return (await import(url.href)) as ClientModule;
}

// ---------------------------------------------------------------------------------------------------------
// One operation per client and kind

/** A client set up for one port: each call does one whole operation and resolves with what it checked. */
interface Ops {
  /** One GET /, body read fully; resolves with the body size. */
  get(): Promise<number>;
  /** One download; resolves with the body size. */
  download(): Promise<number>;
  /** One upload; resolves with the byte count the server reported. */
  upload(): Promise<number>;
  close(): void;
}

const block = new Uint8Array(BLOCK).fill(0x79);
const textDecoder = new TextDecoder();

/** This checkout's package root, as the `ours` cells use it. */
const THIS_CHECKOUT: ClientModule = { Agent, request };

function oursOps(port: number, root: ClientModule = THIS_CHECKOUT): Ops {
  const { request } = root;
  const agent = new root.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const bulkAgent = new root.Agent({ keepAlive: true, maxSockets: 1 });
  const getOptions = { hostname: HOST, port, path: "/", agent };
  const downloadOptions = { hostname: HOST, port, path: "/download", agent: bulkAgent };
  const uploadOptions = {
    hostname: HOST,
    port,
    path: "/upload",
    method: "POST",
    agent: bulkAgent,
    headers: { "content-length": String(UPLOAD_BYTES) },
  };
  const countBody = (res: IncomingMessage, resolve: (n: number) => void, reject: (e: Error) => void) => {
    if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
    let n = 0;
    res.on("data", (chunk) => {
      n += chunk.length;
    });
    res.on("end", () => resolve(n));
    res.on("error", reject);
  };
  return {
    get: () =>
      new Promise((resolve, reject) => {
        const req = request(getOptions, (res) => countBody(res, resolve, reject));
        req.on("error", reject);
        req.end();
      }),
    download: () =>
      new Promise((resolve, reject) => {
        const req = request(downloadOptions, (res) => countBody(res, resolve, reject));
        req.on("error", reject);
        req.end();
      }),
    upload: () =>
      new Promise((resolve, reject) => {
        let failed = false;
        const req = request(uploadOptions, (res) => {
          let text = "";
          res.on("data", (chunk) => {
            text += typeof chunk === "string" ? chunk : textDecoder.decode(chunk);
          });
          res.on("end", () => resolve(Number(text)));
          res.on("error", reject);
        });
        req.on("error", (err) => {
          failed = true;
          reject(err);
        });
        let sent = 0;
        const pump = () => {
          while (sent < UPLOAD_BYTES && !failed) {
            sent += BLOCK;
            if (!req.write(block)) {
              req.once("drain", pump);
              return;
            }
          }
          if (!failed) req.end();
        };
        pump();
      }),
    close() {
      agent.destroy();
      bulkAgent.destroy();
    },
  };
}

function nodeOps(port: number): Ops {
  const agent = new nodeHttp.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const bulkAgent = new nodeHttp.Agent({ keepAlive: true, maxSockets: 1 });
  const getOptions = { hostname: HOST, port, path: "/", agent };
  const downloadOptions = { hostname: HOST, port, path: "/download", agent: bulkAgent };
  const uploadOptions = {
    hostname: HOST,
    port,
    path: "/upload",
    method: "POST",
    agent: bulkAgent,
    headers: { "content-length": String(UPLOAD_BYTES) },
  };
  const countBody = (
    res: nodeHttp.IncomingMessage,
    resolve: (n: number) => void,
    reject: (e: Error) => void,
  ) => {
    if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
    let n = 0;
    res.on("data", (chunk: Uint8Array) => {
      n += chunk.length;
    });
    res.on("end", () => resolve(n));
    res.on("error", reject);
  };
  return {
    get: () =>
      new Promise((resolve, reject) => {
        const req = nodeHttp.request(getOptions, (res) => countBody(res, resolve, reject));
        req.on("error", reject);
        req.end();
      }),
    download: () =>
      new Promise((resolve, reject) => {
        const req = nodeHttp.request(downloadOptions, (res) => countBody(res, resolve, reject));
        req.on("error", reject);
        req.end();
      }),
    upload: () =>
      new Promise((resolve, reject) => {
        let failed = false;
        const req = nodeHttp.request(uploadOptions, (res) => {
          let text = "";
          res.on("data", (chunk: Uint8Array) => {
            text += textDecoder.decode(chunk);
          });
          res.on("end", () => resolve(Number(text)));
          res.on("error", reject);
        });
        req.on("error", (err) => {
          failed = true;
          reject(err);
        });
        let sent = 0;
        const pump = () => {
          while (sent < UPLOAD_BYTES && !failed) {
            sent += BLOCK;
            if (!req.write(block)) {
              req.once("drain", pump);
              return;
            }
          }
          if (!failed) req.end();
        };
        pump();
      }),
    close() {
      agent.destroy();
      bulkAgent.destroy();
    },
  };
}

function fetchOps(port: number): Ops {
  const base = `http://${HOST}:${port}`;
  const getUrl = `${base}/`;
  const downloadUrl = `${base}/download`;
  const uploadUrl = `${base}/upload`;
  return {
    async get() {
      const res = await fetch(getUrl);
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      return (await res.arrayBuffer()).byteLength;
    },
    async download() {
      const res = await fetch(downloadUrl);
      if (res.status !== 200 || !res.body) throw new Error(`status ${res.status}`);
      let n = 0;
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return n;
        n += value.byteLength;
      }
    },
    async upload() {
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= UPLOAD_BYTES) {
            controller.close();
            return;
          }
          sent += BLOCK;
          controller.enqueue(block);
        },
      }, { highWaterMark: 0 });
      const init = { method: "POST", body, duplex: "half" } as RequestInit;
      const res = await fetch(uploadUrl, init);
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      return Number(await res.text());
    },
    close() {},
  };
}

// ---------------------------------------------------------------------------------------------------------
// Runs

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Busy ticks of the whole machine and of the server, from /proc (null elsewhere). */
interface Ticks {
  machine: number;
  server: number;
}

let serverPid: number | undefined;

function ticks(): Ticks | null {
  const machine = machineTicks();
  if (!machine) return null;
  let server = 0;
  if (serverPid !== undefined) {
    const own = processTicks(serverPid);
    if (own === null) return null;
    server = own;
  }
  return { machine: machine.busy, server };
}

/** Runs `body` and measures wall time, this process's CPU, the server's and everyone else's. */
async function measured(body: () => Promise<void>): Promise<Omit<RunSample, "value">> {
  const ticks0 = ticks();
  const cpu0 = cpuMs();
  const t0 = performance.now();
  await body();
  const wallMs = performance.now() - t0;
  const ownMs = cpuMs() - cpu0;
  const ticks1 = ticks();
  let serverCores: number | null = null;
  let otherCores: number | null = null;
  if (ticks0 && ticks1 && wallMs > 0) {
    const seconds = wallMs / 1000;
    serverCores = serverPid === undefined
      ? null
      : (ticks1.server - ticks0.server) / TICKS_PER_SECOND / seconds;
    const machine = (ticks1.machine - ticks0.machine) / TICKS_PER_SECOND / seconds;
    otherCores = Math.max(0, machine - (serverCores ?? 0) - ownMs / wallMs);
  }
  return { cpuMs: ownMs, wallMs, serverCores, otherCores };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s (${what()})`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** `total` GETs with IN_FLIGHT loops; returns requests/s. */
async function rateRun(ops: Ops, total: number): Promise<RunSample> {
  let started = 0;
  let done = 0;
  const loop = async () => {
    while (started < total) {
      started++;
      const size = await ops.get();
      if (size !== HELLO_BODY.length) throw new Error(`body of ${size} bytes, expected ${HELLO_BODY.length}`);
      done++;
    }
  };
  const m = await measured(async () => {
    await withTimeout(
      Promise.all(Array.from({ length: IN_FLIGHT }, loop)),
      RUN_TIMEOUT_MS,
      () => `${done} of ${total} requests done, ${started - done} in flight`,
    );
  });
  return { value: total / (m.wallMs / 1000), ...m };
}

async function transferRun(op: () => Promise<number>, bytes: number, what: string): Promise<RunSample> {
  let size = 0;
  const m = await measured(async () => {
    size = await withTimeout(op(), RUN_TIMEOUT_MS, () => what);
  });
  if (size !== bytes) throw new Error(`${what}: ${size} bytes, expected ${bytes}`);
  return { value: bytes / 1e6 / (m.wallMs / 1000), ...m };
}

function cores(value: number | null): string {
  return value === null ? "?" : value.toFixed(2);
}

/** The middle run; of an even count the upper of the two middle ones (as this bench always reported). */
function upperMedian(values: number[]): number {
  return middle(values, (v) => v, "upper");
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  let text = `${err.name}: ${err.message}${code !== undefined ? ` [code ${String(code)}]` : ""}`;
  if (err.cause !== undefined) text += ` (cause: ${describe(err.cause)})`;
  return text;
}

function makeOps(client: Client, port: number, baseline: ClientModule | undefined): Ops {
  if (client === "base") return oursOps(port, baseline);
  return client === "ours" ? oursOps(port) : client === "fetch" ? fetchOps(port) : nodeOps(port);
}

/** Runs the selected cells in this runtime. */
export async function runCells(options: CellsOptions): Promise<CellResult[]> {
  serverPid = options.serverPid;
  const runs = options.runs ?? RUNS;
  const requests = options.requests ?? REQUESTS;
  // The baseline runs wherever ours does (`--only=ours:rate` keeps both).
  const wanted = (client: Client, kind: Kind) =>
    options.only.length === 0 ||
    options.only.some((text) => `${client === "base" ? "ours" : client}:${kind}`.includes(text));
  const results: CellResult[] = [];
  const opsByClient = new Map<Client, Ops>();
  const clients: readonly Client[] = options.baseline ? [...CLIENTS, "base"] : CLIENTS;
  for (const client of clients) opsByClient.set(client, makeOps(client, options.port, options.baseline));

  for (const kind of KINDS) {
    const cells = clients.filter((client) => wanted(client, kind)).map((client): CellResult => ({
      runtime: options.runtime,
      client,
      kind,
      unit: kind === "rate" ? "req/s" : "MB/s",
      runs: [],
      median: null,
      cpuPerUnit: null,
      serverCores: null,
      otherCores: null,
    }));
    if (cells.length === 0) continue;
    const once = (cell: CellResult, warm: boolean): Promise<RunSample> => {
      const ops = opsByClient.get(cell.client)!;
      if (kind === "rate") return rateRun(ops, warm ? WARMUP_REQUESTS : requests);
      const what = `${options.runtime} ${cell.client} ${kind}`;
      return kind === "download"
        ? transferRun(() => ops.download(), DOWNLOAD_BYTES, what)
        : transferRun(() => ops.upload(), UPLOAD_BYTES, what);
    };
    for (let round = -1; round < runs; round++) {
      if (round === 0) await options.beforeMeasured?.(kind);
      for (const cell of round % 2 === 0 ? cells.toReversed() : cells) {
        if (cell.error !== undefined) continue;
        try {
          const sample = await once(cell, round === -1);
          if (round >= 0) cell.runs.push(sample);
          options.log(
            `  ${options.runtime} ${cell.client.padEnd(5)} ${kind.padEnd(8)} ${
              round === -1 ? "warm-up" : `run ${round + 1}`
            }: ` +
              `${sample.value.toFixed(kind === "rate" ? 0 : 1)} ${cell.unit} (${
                sample.wallMs.toFixed(0)
              } ms, ` +
              `cpu ${sample.cpuMs.toFixed(0)} ms, server ${cores(sample.serverCores)}, others ${
                cores(sample.otherCores)
              } cores)`,
          );
        } catch (err) {
          cell.error = `${round === -1 ? "warm-up" : `run ${round + 1}`}: ${describe(err)}`;
          options.log(`  ${options.runtime} ${cell.client} ${kind}: FAILED ${cell.error}`);
          // Whatever is still in flight is abandoned: a fresh client for the next cells.
          opsByClient.get(cell.client)!.close();
          opsByClient.set(cell.client, makeOps(cell.client, options.port, options.baseline));
        }
      }
    }
    if (runs > 0) await options.afterMeasured?.(kind);
    for (const cell of cells) {
      if (cell.error === undefined && cell.runs.length > 0) {
        cell.median = upperMedian(cell.runs.map((r) => r.value));
        const perUnit = cell.runs.map((r) =>
          kind === "rate"
            ? (r.cpuMs * 1000) / requests
            : r.cpuMs / ((kind === "download" ? DOWNLOAD_BYTES : UPLOAD_BYTES) / 1e6)
        );
        cell.cpuPerUnit = upperMedian(perUnit);
        const server = cell.runs.flatMap((r) => r.serverCores === null ? [] : [r.serverCores]);
        if (server.length > 0) cell.serverCores = upperMedian(server);
        const others = cell.runs.flatMap((r) => r.otherCores === null ? [] : [r.otherCores]);
        if (others.length > 0) cell.otherCores = Math.max(...others);
      }
      results.push(cell);
    }
  }
  for (const ops of opsByClient.values()) ops.close();
  return results;
}
