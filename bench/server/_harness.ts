/**
 * The parts of the server benchmark that `run.ts` and `profile.ts` share: starting a server from
 * `servers/` as a child process (through `../_lib/children.ts`, so it is killed on every way out),
 * checking its answer, running wrk with the scenario's request, and the CPU the server and the rest of
 * the machine used.
 *
 * @module
 */

import type { Scenario } from "./shared.ts";
import { ECHO_BODY, ECHO_TYPE, HELLO, HELLO_TYPE } from "./shared.ts";
import {
  path,
  type Runtime,
  runtimeCommand,
  sleep,
  start as startChild,
  type Started,
} from "../_lib/children.ts";
import { writeAll, wrk as runWrk, type WrkResult } from "../_lib/net.ts";
import { machineTicks, processTicks, readProc, TICKS_PER_SECOND } from "../_lib/proc.ts";

export const THREADS = 1;
export const CONNECTIONS = 64;
const READY_TIMEOUT_MS = 20_000;
const CHECK_TIMEOUT_MS = 5_000;

const HERE = new URL("./", import.meta.url);
const LUA = path(new URL("post.lua", HERE));

// ---------------------------------------------------------------------------------------------------------
// Servers

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

/** Extra runtime flags (profilers) and environment for a server. */
export interface StartOptions {
  flags?: string[];
  env?: Record<string, string>;
}

/**
 * Starts the server of `spec` on `port` for `scenario` (`<runtime> <file> <port> <scenario>`) and waits
 * for its "ready"; throws with its output when it exits or stays silent.
 */
export function start(
  spec: ServerSpec,
  port: number,
  scenario: Scenario,
  options: StartOptions = {},
): Promise<Started> {
  const file = spec.file.startsWith("/") ? spec.file : path(new URL(`servers/${spec.file}`, HERE));
  const [program, args] = runtimeCommand(spec.runtime, file, [String(port), scenario], [
    ...(spec.flags ?? []),
    ...(options.flags ?? []),
  ]);
  return startChild(program, args, {
    timeoutMs: READY_TIMEOUT_MS,
    ...(options.env || spec.env ? { env: { ...spec.env, ...options.env } } : {}),
  });
}

// ---------------------------------------------------------------------------------------------------------
// Checking a server's answer: two requests on one connection, raw bytes, so keep-alive is checked too.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

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
      await writeAll(conn, request);
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

/** `wrk -t1 -c64 -d<seconds>s` against the server on `port`; the echo scenario POSTs through `post.lua`. */
export function wrk(port: number, scenario: Scenario, seconds: number): Promise<WrkResult> {
  return runWrk({
    url: `http://127.0.0.1:${port}/`,
    seconds,
    threads: THREADS,
    connections: CONNECTIONS,
    ...(scenario === "echo" ? { script: LUA } : {}),
  });
}

// ---------------------------------------------------------------------------------------------------------
// Other load on the machine (Linux /proc): CPU used by processes other than the server and this script's
// own children (wrk), so that a number taken while something else ran can be recognized.

const CORES = navigator.hardwareConcurrency || 1;

/** A server and its live child processes (the reusePort servers start children). */
function treeTicks(pid: number): number {
  let total = processTicks(pid) ?? 0;
  const tasks = (() => {
    try {
      return [...Deno.readDirSync(`/proc/${pid}/task`)].map((t) => t.name);
    } catch {
      return [];
    }
  })();
  for (const task of tasks) {
    for (const child of (readProc(`/proc/${pid}/task/${task}/children`) ?? "").split(" ")) {
      if (child.trim() !== "") total += treeTicks(Number(child));
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
    machine: machineTicks(),
    server: treeTicks(serverPid),
    self: processTicks("self", true) ?? 0,
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
    serverSeconds: server / TICKS_PER_SECOND,
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
    const before = machineTicks();
    await sleep(500);
    const after = machineTicks();
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
