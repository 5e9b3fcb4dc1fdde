/**
 * Memory per idle keep-alive connection, and per slowloris connection, for our server and the runtime's
 * own `node:http`, on Deno and on Bun: `deno run -A bench/memory/run.ts [--conns=3000] [--slow=2000]
 * [--runs=3] [--runtimes=deno,bun] [--kinds=raw,node,ours]`.
 *
 * Each run is a fresh server process (`server.ts`). Idle: warm up with a few requests, measure (after a
 * full GC) as the baseline, open `--conns` connections that each complete one keep-alive request and then
 * stay open, measure, close them all, wait until the server has seen every close, measure again.
 * Slowloris (another fresh process): `--slow` connections that each send part of a request head and then
 * one more byte three times, measured while they hang. Every number is the median of `--runs` runs; the
 * tables are markdown, ready to paste.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { bunVersion, path, type Runtime, runtimeCommand, spawn, stopChild } from "../_lib/children.ts";
import { freePort, writeAll } from "../_lib/net.ts";
import { markdownTable, median } from "../_lib/stats.ts";

const SERVER = path(new URL("server.ts", import.meta.url));

const { values } = parseArgs({
  args: Deno.args,
  options: {
    conns: { type: "string", default: "3000" },
    slow: { type: "string", default: "2000" },
    runs: { type: "string", default: "3" },
    runtimes: { type: "string", default: "deno,bun" },
    kinds: { type: "string", default: "raw,node,ours" },
  },
});
const CONNS = Number(values.conns);
const SLOW = Number(values.slow);
const RUNS = Number(values.runs);
const RUNTIMES = values.runtimes.split(",") as ("deno" | "bun")[];
/** Connections opened at once while building up the crowd. */
const BATCH = 100;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Kind = "ours" | "node" | "raw";
interface Mem {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  open: number;
}

// ---- A server child process, driven over stdin/stdout -------------------------------------------------

class ServerProcess {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: ReadableStreamDefaultReader<string>;
  #buffered = "";
  port = 0;

  private constructor(runtime: Runtime, kind: Kind, port: number) {
    // V8's gc() in the server, so every figure is taken after a full GC.
    const flags = runtime === "deno" ? ["--v8-flags=--expose-gc"] : [];
    const [program, args] = runtimeCommand(runtime, SERVER, [kind, String(port)], flags);
    this.#child = spawn(program, args, { stdin: "piped", stdout: "piped", stderr: "inherit" });
    this.#writer = this.#child.stdin.getWriter();
    this.#lines = this.#child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    this.port = port;
  }

  /** A fresh server process of `kind` on a free port, once it said "ready". */
  static async start(runtime: Runtime, kind: Kind): Promise<ServerProcess> {
    const server = new ServerProcess(runtime, kind, freePort());
    const first = await server.line();
    if (first !== "ready") throw new Error(`server said "${first}" instead of "ready"`);
    return server;
  }

  async line(): Promise<string> {
    for (;;) {
      const at = this.#buffered.indexOf("\n");
      if (at >= 0) {
        const line = this.#buffered.slice(0, at);
        this.#buffered = this.#buffered.slice(at + 1);
        return line.trim();
      }
      const { value, done } = await this.#lines.read();
      if (done) throw new Error("server exited");
      this.#buffered += value;
    }
  }

  async ask(command: "mem" | "closed"): Promise<Mem> {
    await this.#writer.write(encoder.encode(command + "\n"));
    return JSON.parse(await this.line());
  }

  async stop(): Promise<void> {
    await stopChild(this.#child, 0);
    await this.#lines.cancel().catch(() => {});
  }
}

// ---- Clients ---------------------------------------------------------------------------------------------

/** One keep-alive GET, read up to the end of the "Hello, World!" body; the connection stays open. */
async function oneRequest(port: number): Promise<Deno.Conn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await writeAll(conn, encoder.encode(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
  const buffer = new Uint8Array(1024);
  let text = "";
  while (!text.endsWith("Hello, World!")) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`connection closed after ${JSON.stringify(text)}`);
    text += decoder.decode(buffer.subarray(0, n));
  }
  if (!text.startsWith("HTTP/1.1 200 ")) throw new Error(`unexpected answer ${JSON.stringify(text)}`);
  return conn;
}

/** A slowloris: part of a request head now, one more byte of a field value three times. */
async function slowloris(port: number): Promise<Deno.Conn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await writeAll(conn, encoder.encode(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Trickle: `));
  return conn;
}

async function crowd(count: number, open: () => Promise<Deno.Conn>): Promise<Deno.Conn[]> {
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < count; i += BATCH) {
    const batch = await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, open));
    conns.push(...batch);
  }
  return conns;
}

function closeAll(conns: Deno.Conn[]): void {
  for (const conn of conns) {
    try {
      conn.close();
    } catch {
      // the server closed it
    }
  }
}

// ---- One run of each phase ---------------------------------------------------------------------------

interface IdleRun {
  rssPerConn: number;
  heapPerConn: number;
  externalPerConn: number;
  retainedAfterClose: number;
}

async function idleRun(runtime: Runtime, kind: Kind): Promise<IdleRun> {
  const server = await ServerProcess.start(runtime, kind);
  try {
    closeAll(await crowd(64, () => oneRequest(server.port)));
    await server.ask("closed");
    const base = await server.ask("mem");
    const conns = await crowd(CONNS, () => oneRequest(server.port));
    const idle = await server.ask("mem");
    if (idle.open !== CONNS) throw new Error(`server holds ${idle.open} connections, expected ${CONNS}`);
    closeAll(conns);
    await server.ask("closed");
    const after = await server.ask("mem");
    return {
      rssPerConn: (idle.rss - base.rss) / CONNS,
      heapPerConn: (idle.heapUsed - base.heapUsed) / CONNS,
      externalPerConn: (idle.external - base.external) / CONNS,
      retainedAfterClose: after.rss - base.rss,
    };
  } finally {
    await server.stop();
  }
}

interface SlowRun {
  rssPerConn: number;
  heapPerConn: number;
  retainedAfterClose: number;
}

async function slowRun(runtime: Runtime, kind: Kind): Promise<SlowRun> {
  const server = await ServerProcess.start(runtime, kind);
  try {
    closeAll(await crowd(64, () => oneRequest(server.port)));
    await server.ask("closed");
    const base = await server.ask("mem");
    const conns = await crowd(SLOW, () => slowloris(server.port));
    const byte = encoder.encode("a");
    for (let round = 0; round < 3; round++) {
      await Promise.all(conns.map((conn) => writeAll(conn, byte)));
      // No event says "the server has read these bytes"; give its read loops a moment.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const held = await server.ask("mem");
    if (held.open !== SLOW) throw new Error(`server holds ${held.open} connections, expected ${SLOW}`);
    closeAll(conns);
    await server.ask("closed");
    const after = await server.ask("mem");
    return {
      rssPerConn: (held.rss - base.rss) / SLOW,
      heapPerConn: (held.heapUsed - base.heapUsed) / SLOW,
      retainedAfterClose: after.rss - base.rss,
    };
  } finally {
    await server.stop();
  }
}

// ---- Report ---------------------------------------------------------------------------------------------

const kib = (bytes: number) => (bytes / 1024).toFixed(1);
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const runtimeVersion = (runtime: Runtime) =>
  runtime === "deno" ? `Deno ${Deno.version.deno}` : `Bun ${bunVersion()}`;

/** Padded, so the tables also read as plain text in the terminal. */
const table = (header: string[], rows: string[][]) => markdownTable(header, rows, { pad: true });

const label = (runtime: Runtime, kind: Kind) => {
  const name = runtime === "deno" ? "Deno" : "Bun";
  return kind === "ours"
    ? `ours on ${name}`
    : kind === "node"
    ? `${name} node:http`
    : `${name} raw sockets (floor)`;
};

/** The runtime's own sockets with no HTTP (the floor), its node:http (the baseline), ours. */
const KINDS = values.kinds.split(",") as Kind[];
const idleRows: string[][] = [];
const slowRows: string[][] = [];
for (const runtime of RUNTIMES) {
  const results = new Map<Kind, { idle: IdleRun[]; slow: SlowRun[] }>();
  for (const kind of KINDS) {
    const idle: IdleRun[] = [];
    const slow: SlowRun[] = [];
    for (let run = 0; run < RUNS; run++) {
      idle.push(await idleRun(runtime, kind));
      if (SLOW > 0) slow.push(await slowRun(runtime, kind));
      console.error(
        `  ${label(runtime, kind)} run ${run + 1}: idle ${kib(idle.at(-1)!.rssPerConn)} KiB RSS/conn` +
          (SLOW > 0 ? `, slowloris ${kib(slow.at(-1)!.rssPerConn)} KiB RSS/conn` : ""),
      );
    }
    results.set(kind, { idle, slow });
  }
  const nodeIdle = median(results.get("node")?.idle.map((r) => r.rssPerConn) ?? [NaN]);
  const nodeSlow = SLOW > 0 ? median(results.get("node")?.slow.map((r) => r.rssPerConn) ?? [NaN]) : 0;
  for (const kind of KINDS) {
    const { idle, slow } = results.get(kind)!;
    const rss = median(idle.map((r) => r.rssPerConn));
    idleRows.push([
      label(runtime, kind),
      kib(rss),
      kib(median(idle.map((r) => r.heapPerConn))),
      kib(median(idle.map((r) => r.externalPerConn))),
      mib(median(idle.map((r) => r.retainedAfterClose))),
      kind === "ours" ? `${(rss / nodeIdle).toFixed(2)}x` : "",
      idle.map((r) => kib(r.rssPerConn)).join(" / "),
    ]);
    if (SLOW > 0) {
      const srss = median(slow.map((r) => r.rssPerConn));
      slowRows.push([
        label(runtime, kind),
        kib(srss),
        kib(median(slow.map((r) => r.heapPerConn))),
        mib(median(slow.map((r) => r.retainedAfterClose))),
        kind === "ours" ? `${(srss / nodeSlow).toFixed(2)}x` : "",
        slow.map((r) => kib(r.rssPerConn)).join(" / "),
      ]);
    }
  }
}

console.log(
  `\n### Memory per connection (\`bench/memory\`): ${
    CONNS.toLocaleString("en-US")
  } idle keep-alive connections\n`,
);
console.log(
  `${new Date().toISOString().slice(0, 16)}Z, ${navigator.hardwareConcurrency} cores, ` +
    `${RUNTIMES.map(runtimeVersion).join(", ")}; median of ${RUNS} runs, each a fresh server process; ` +
    `measured after a full GC; "after close" is RSS above the baseline once every connection has closed.\n`,
);
console.log(
  table(
    [
      "server",
      "RSS KiB/conn",
      "JS heap KiB/conn",
      "external KiB/conn",
      "after close MiB",
      "vs node:http",
      "runs (RSS)",
    ],
    idleRows,
  ),
);
if (SLOW > 0) {
  console.log(
    `\n${SLOW.toLocaleString("en-US")} slowloris connections (part of a head, then one byte at a time):\n`,
  );
  console.log(
    table(
      ["server", "RSS KiB/conn", "JS heap KiB/conn", "after close MiB", "vs node:http", "runs (RSS)"],
      slowRows,
    ),
  );
}
