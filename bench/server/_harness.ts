/**
 * The parts of the server benchmark that `run.ts` and `profile.ts` share: starting a server from
 * `servers/` as a child process (killed on every way out), checking its answer, and running wrk.
 *
 * @module
 */

import type { Scenario } from "./shared.ts";
import { ECHO_BODY, ECHO_TYPE, HELLO, HELLO_TYPE } from "./shared.ts";

export const THREADS = 1;
export const CONNECTIONS = 64;
const READY_TIMEOUT_MS = 20_000;
const CHECK_TIMEOUT_MS = 5_000;

const HERE = new URL("./", import.meta.url);
const ROOT = new URL("../../", import.meta.url);
const path = (url: URL) => decodeURIComponent(url.pathname);
const LUA = path(new URL("post.lua", HERE));

// ---------------------------------------------------------------------------------------------------------
// Servers

export type Runtime = "deno" | "bun";
/** `base`: ours from another checkout (`--baseline`); `multi`: ours as 2 processes with reusePort. */
export type Kind = "canned" | "serve" | "node" | "ours" | "base" | "multi";

export interface ServerSpec {
  readonly name: string;
  readonly runtime: Runtime;
  readonly kind: Kind;
  /** A file in `servers/`, or an absolute path (a server of another checkout, for A/B runs). */
  readonly file: string;
  /** Runtime flags (e.g. Deno's `--unstable-net`). */
  readonly flags?: readonly string[];
  /** Environment for the server (e.g. `PROCS`). */
  readonly env?: Readonly<Record<string, string>>;
}

async function exists(file: string): Promise<boolean> {
  try {
    await Deno.stat(file);
    return true;
  } catch {
    return false;
  }
}

export const BUN = (await exists(path(new URL("node_modules/.bin/bun", ROOT))))
  ? path(new URL("node_modules/.bin/bun", ROOT))
  : "bun";

/** Extra runtime flags (profilers) and environment for a server. */
export interface StartOptions {
  flags?: string[];
  env?: Record<string, string>;
}

function command(spec: ServerSpec, port: number, scenario: Scenario, flags: string[]): [string, string[]] {
  const file = spec.file.startsWith("/") ? spec.file : path(new URL(`servers/${spec.file}`, HERE));
  const all = [...(spec.flags ?? []), ...flags];
  return spec.runtime === "deno"
    ? [Deno.execPath(), ["run", "-A", ...all, file, String(port), scenario]]
    : [BUN, [...all, file, String(port), scenario]];
}

// ---------------------------------------------------------------------------------------------------------
// Child processes: at most one server runs at a time; it is killed on every way out.

let current: Deno.ChildProcess | null = null;

export function killCurrent(): void {
  if (!current) return;
  try {
    current.kill("SIGKILL");
  } catch {
    // already gone
  }
  current = null;
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.addSignalListener(signal, () => {
    killCurrent();
    console.error(`\n${signal}: server stopped`);
    Deno.exit(130);
  });
}
globalThis.addEventListener("unload", killCurrent);
globalThis.addEventListener("unhandledrejection", killCurrent);

export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Keeps the last `limit` characters of a stream (server output), draining it so the child never blocks. */
export class Tail {
  text = "";
  readonly done: Promise<void>;
  #waiters: { line: string; resolve: () => void }[] = [];

  constructor(stream: ReadableStream<Uint8Array>, readonly limit = 8000) {
    this.done = this.#pump(stream);
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        this.text = (this.text + chunk).slice(-this.limit);
        this.#waiters = this.#waiters.filter((w) => {
          if (!this.text.split("\n").some((l) => l.trim() === w.line)) return true;
          w.resolve();
          return false;
        });
      }
    } catch {
      // child killed
    }
  }

  /** Resolves once a line equal to `line` has been seen. */
  waitFor(line: string): Promise<void> {
    if (this.text.split("\n").some((l) => l.trim() === line)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ line, resolve }));
  }
}

export interface Started {
  child: Deno.ChildProcess;
  stdout: Tail;
  stderr: Tail;
  exited: Promise<Deno.CommandStatus>;
}

export function output(started: Started): string {
  const text = `${started.stdout.text}\n${started.stderr.text}`.trim();
  return text.split("\n").filter((l) => l.trim() !== "ready").slice(-25).join("\n");
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function start(
  spec: ServerSpec,
  port: number,
  scenario: Scenario,
  options: StartOptions = {},
): Promise<Started> {
  const [program, args] = command(spec, port, scenario, options.flags ?? []);
  const child = new Deno.Command(program, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.env || spec.env ? { env: { ...spec.env, ...options.env } } : {}),
  }).spawn();
  current = child;
  const started: Started = {
    child,
    stdout: new Tail(child.stdout),
    stderr: new Tail(child.stderr),
    exited: child.status,
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    started.stdout.waitFor("ready").then(() => "ready" as const),
    started.exited.then((s) => `exited with code ${s.code}${s.signal ? ` (${s.signal})` : ""}` as const),
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`printed no "ready" within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (outcome !== "ready") throw new Error(`server ${outcome}\n${output(started)}`);
  return started;
}

export async function stop(started: Started, graceMs = 2000): Promise<void> {
  try {
    started.child.kill("SIGTERM");
  } catch {
    // already gone
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gone = await Promise.race([
    started.exited.then(() => true),
    new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), graceMs)),
  ]);
  clearTimeout(timer);
  if (!gone) {
    try {
      started.child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await started.exited;
  }
  await Promise.all([started.stdout.done, started.stderr.done]);
  if (current === started.child) current = null;
}

// ---------------------------------------------------------------------------------------------------------
// Checking a server's answer: two requests on one connection, raw bytes, so keep-alive is checked too.

const encoder = new TextEncoder();
export const decoder = new TextDecoder();

function requestBytes(scenario: Scenario, port: number): Uint8Array {
  const host = `Host: 127.0.0.1:${port}\r\n`;
  return encoder.encode(
    scenario === "hello"
      ? `GET / HTTP/1.1\r\n${host}\r\n`
      : `POST / HTTP/1.1\r\n${host}Content-Type: ${ECHO_TYPE}\r\nContent-Length: ${ECHO_BODY.length}\r\n\r\n` +
        ECHO_BODY,
  );
}

interface RawResponse {
  statusLine: string;
  fields: Map<string, string>;
  body: string;
}

async function readResponse(conn: Deno.Conn, pending: { bytes: Uint8Array }): Promise<RawResponse> {
  const buffer = new Uint8Array(65536);
  const more = async () => {
    const n = await conn.read(buffer);
    if (n === null) throw new Error("connection closed before a whole response arrived");
    const joined = new Uint8Array(pending.bytes.length + n);
    joined.set(pending.bytes);
    joined.set(buffer.subarray(0, n), pending.bytes.length);
    pending.bytes = joined;
  };
  let end: number;
  while ((end = decoder.decode(pending.bytes).indexOf("\r\n\r\n")) < 0) await more();
  const lines = decoder.decode(pending.bytes.subarray(0, end)).split("\r\n");
  const fields = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const length = Number(fields.get("content-length"));
  if (!Number.isInteger(length)) throw new Error(`no Content-Length in: ${lines.join(" | ")}`);
  while (pending.bytes.length < end + 4 + length) await more();
  const body = decoder.decode(pending.bytes.subarray(end + 4, end + 4 + length));
  pending.bytes = pending.bytes.slice(end + 4 + length);
  return { statusLine: lines[0] ?? "", fields, body };
}

export async function check(port: number, scenario: Scenario): Promise<void> {
  const [body, type] = scenario === "hello" ? [HELLO, HELLO_TYPE] : [ECHO_BODY, ECHO_TYPE];
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.close();
  }, CHECK_TIMEOUT_MS);
  try {
    const pending = { bytes: new Uint8Array(0) };
    for (let i = 1; i <= 2; i++) {
      const request = requestBytes(scenario, port);
      for (let at = 0; at < request.length;) at += await conn.write(request.subarray(at));
      const res = await readResponse(conn, pending);
      const problems: string[] = [];
      if (!res.statusLine.startsWith("HTTP/1.1 200 ")) problems.push(`status line "${res.statusLine}"`);
      if (res.body !== body) problems.push(`body of ${res.body.length} bytes is not the expected one`);
      if (!(res.fields.get("content-type") ?? "").startsWith(type)) {
        problems.push(`content-type "${res.fields.get("content-type")}"`);
      }
      if (/close/i.test(res.fields.get("connection") ?? "")) problems.push("Connection: close");
      if (res.fields.has("transfer-encoding")) problems.push("Transfer-Encoding instead of Content-Length");
      if (problems.length) throw new Error(`response ${i} on one connection: ${problems.join("; ")}`);
    }
  } catch (error) {
    if (timedOut) throw new Error(`no whole response within ${CHECK_TIMEOUT_MS} ms`);
    throw error;
  } finally {
    clearTimeout(timer);
    if (!timedOut) conn.close();
  }
}

/** Retries `check` while the port refuses connections (the server may print "ready" a bit early). */
export async function waitUntilAnswering(port: number, scenario: Scenario): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      return await check(port, scenario);
    } catch (error) {
      if (!(error instanceof Deno.errors.ConnectionRefused) || Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// wrk

export interface WrkResult {
  rps: number;
  /** Requests completed in the run. */
  requests: number;
  /** Non-2xx responses and socket errors, empty when there were none. */
  errors: string;
  raw: string;
}

export async function wrk(port: number, scenario: Scenario, seconds: number): Promise<WrkResult> {
  const args = [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`];
  if (scenario === "echo") args.push("-s", LUA);
  args.push(`http://127.0.0.1:${port}/`);
  const out = await new Deno.Command("wrk", { args, stdout: "piped", stderr: "piped" }).output();
  const raw = decoder.decode(out.stdout) + decoder.decode(out.stderr);
  const rps = Number(/Requests\/sec:\s*([\d.]+)/.exec(raw)?.[1] ?? NaN);
  const errors: string[] = [];
  const non2xx = /Non-2xx or 3xx responses:\s*(\d+)/.exec(raw);
  if (non2xx) errors.push(`${non2xx[1]} non-2xx`);
  const socket = /Socket errors:\s*(.*)/.exec(raw);
  if (socket) errors.push(`socket errors: ${socket[1]}`);
  if (!out.success || Number.isNaN(rps)) throw new Error(`wrk failed (code ${out.code}):\n${raw}`);
  const requests = Number(/(\d+) requests in/.exec(raw)?.[1] ?? 0);
  return { rps, requests, errors: errors.join("; "), raw };
}

export async function wrkAvailable(): Promise<boolean> {
  try {
    await new Deno.Command("wrk", { args: ["--version"], stdout: "null", stderr: "null" }).output();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Other load on the machine (Linux /proc): CPU used by processes other than the server and this script's
// own children (wrk), so that a number taken while something else ran can be recognized.

const CORES = navigator.hardwareConcurrency || 1;
/** USER_HZ: the unit of /proc/[pid]/stat times (100 on Linux). */
const CLOCK_TICKS = 100;

function readProc(file: string): string | null {
  try {
    return Deno.readTextFileSync(file);
  } catch {
    return null;
  }
}

/** Busy and total jiffies of the whole machine. */
function machineJiffies(): { busy: number; total: number } | null {
  const line = readProc("/proc/stat")?.split("\n")[0];
  if (!line?.startsWith("cpu ")) return null;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .slice(4).trim().split(/\s+/).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** utime + stime of a process (all threads), plus its reaped children's when `children`. */
function processJiffies(pid: number | "self", children = false): number {
  const text = readProc(`/proc/${pid}/stat`);
  if (!text) return 0;
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ").map(Number);
  const own = (fields[11] ?? 0) + (fields[12] ?? 0);
  return children ? own + (fields[13] ?? 0) + (fields[14] ?? 0) : own;
}

/** A server and its live child processes (the reusePort servers start children). */
function treeJiffies(pid: number): number {
  let total = processJiffies(pid);
  const tasks = (() => {
    try {
      return [...Deno.readDirSync(`/proc/${pid}/task`)].map((t) => t.name);
    } catch {
      return [];
    }
  })();
  for (const task of tasks) {
    for (const child of (readProc(`/proc/${pid}/task/${task}/children`) ?? "").split(" ")) {
      if (child.trim() !== "") total += treeJiffies(Number(child));
    }
  }
  return total;
}

export interface LoadSnapshot {
  machine: { busy: number; total: number } | null;
  server: number;
  self: number;
  pid: number;
}

export function loadSnapshot(serverPid: number): LoadSnapshot {
  return {
    machine: machineJiffies(),
    server: treeJiffies(serverPid),
    self: processJiffies("self", true),
    pid: serverPid,
  };
}

/** CPU used since `before`, in cores' worth: by the server, by wrk (and this script), by everything else. */
export interface CpuUse {
  server: number;
  wrk: number;
  other: number;
  /** Server CPU seconds since `before`. */
  serverSeconds: number;
}

export function cpuSince(before: LoadSnapshot): CpuUse | null {
  const after = loadSnapshot(before.pid);
  if (!before.machine || !after.machine) return null;
  const total = after.machine.total - before.machine.total;
  if (total <= 0) return null;
  const server = after.server - before.server;
  const self = after.self - before.self;
  const others = after.machine.busy - before.machine.busy - server - self;
  const cores = (jiffies: number) => Math.max(0, (jiffies / total) * CORES);
  return {
    server: cores(server),
    wrk: cores(self),
    other: cores(others),
    serverSeconds: server / CLOCK_TICKS,
  };
}

/**
 * Waits (at most `maxSeconds`) until the machine is nearly idle: less than `threshold` cores busy over
 * half a second. Returns the last busy figure (cores), or null where /proc is missing.
 */
export async function waitForQuiet(maxSeconds: number, threshold = 0.25): Promise<number | null> {
  const deadline = Date.now() + maxSeconds * 1000;
  let said = false;
  for (;;) {
    const before = machineJiffies();
    await sleep(500);
    const after = machineJiffies();
    if (!before || !after || after.total === before.total) return null;
    const busy = ((after.busy - before.busy) / (after.total - before.total)) * CORES;
    if (busy < threshold || Date.now() >= deadline) return busy;
    if (!said) {
      console.log(
        `    (waiting up to ${maxSeconds} s for other load to stop: ${busy.toFixed(2)} cores busy)`,
      );
      said = true;
    }
  }
}
