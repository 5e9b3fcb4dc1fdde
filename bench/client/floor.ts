/**
 * The floor under the client's request rate: what the runtime's sockets allow with no HTTP in JavaScript,
 * beside the runtime's `fetch` and our client, in one process, their rounds interleaved.
 *
 *     ./node_modules/.bin/deno run -A bench/client/floor.ts [--rounds=N] [--baseline=DIR]
 *     ./node_modules/.bin/bun bench/client/floor.ts [--rounds=N] [--baseline=DIR]
 *
 * - `transport floor`: the transport our client runs on (Deno's or Bun's adapter), `IN_FLIGHT` connections,
 *   each writing the request head our client sends and counting the canned answer's bytes: no parsing, no
 *   messages, no streams. Whatever HTTP costs in JavaScript comes on top of this.
 * - `objects floor`: the transport floor plus the Node objects every Node-shaped client gives its caller,
 *   with no HTTP: per GET a request `EventEmitter` that gets its connection a `process.nextTick` later (as
 *   Node's `'socket'`), a `stream.Readable` response pushed the body (a `Buffer` view) and its end, read
 *   by `'data'`/`'end'` listeners, and the caller's promise. What HTTP costs beyond Node's objects comes on
 *   top of this.
 * - `fetch`: the runtime's `fetch`, body read as in the `rate` cell.
 * - `ours`: `request()` with a keep-alive `Agent`, as in the `rate` cell.
 * - `baseline` (with `--baseline=DIR`): the same for the checkout in `DIR` (a `git worktree` of another
 *   commit), so what its HTTP layer cost on the same floors is read in the same invocation. Read it on
 *   Deno: on Bun a second copy of the client in the process slows ours (24.0 µs CPU per GET alone, 30.0
 *   beside `a2ea83a`'s, 2026-12-05), as the shared code the two copies run through stops being monomorphic.
 *
 * Each round runs `REQUESTS` GETs per client against `server.ts` (a raw Bun server in its own process).
 * Reported per client: the median req/s and CPU µs per GET of this process (every thread: Bun's `fetch`
 * does its socket work on a thread of its own), and what our HTTP layer adds to each floor.
 *
 * @module
 */

import process from "node:process";
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { Readable } from "node:stream";
import { Buffer } from "node:buffer";
import { Agent, request } from "../../mod.ts";
import { defaultTransportOrThrow } from "../../src/io/default_transport.ts";
import type { TransportConn } from "../../src/io/transport.ts";
import { option } from "../_lib/args.ts";
import { HELLO_BODY, HELLO_RESPONSE, HOST, IN_FLIGHT, REQUESTS } from "./shared.ts";
import { type ClientModule, loadBaseline } from "./cells.ts";

const ROUNDS = Number(option("rounds") ?? 5);
const BASELINE = option("baseline");
const ANSWER_BYTES = new TextEncoder().encode(HELLO_RESPONSE).byteLength;
const BODY_BYTES = new TextEncoder().encode(HELLO_BODY).byteLength;

const bun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? process.execPath : undefined;
const server = spawn(bun ?? new URL("../../node_modules/.bin/bun", import.meta.url).pathname, [
  new URL("./server.ts", import.meta.url).pathname,
  "0",
], { stdio: ["ignore", "pipe", "inherit"] });
const port = await new Promise<number>((resolve, reject) => {
  let text = "";
  server.stdout!.on("data", (chunk) => {
    text += chunk;
    const ready = /ready (\d+)/.exec(text);
    if (ready) resolve(Number(ready[1]));
  });
  server.once("exit", (code) => reject(new Error(`server exited (${code})`)));
});
const head = new TextEncoder().encode(
  `GET / HTTP/1.1\r\nHost: ${HOST}:${port}\r\nConnection: keep-alive\r\n\r\n`,
);

/** IN_FLIGHT connections of the transport, each sending its next head once the last answer is in. */
async function transportFloor(): Promise<void> {
  const transport = defaultTransportOrThrow();
  const conns: TransportConn[] = await Promise.all(
    Array.from({ length: IN_FLIGHT }, () => transport.connect({ hostname: HOST, port })),
  );
  let started = 0;
  let answered = 0;
  await new Promise<void>((resolve) => {
    for (const conn of conns) {
      let bytes = 0;
      conn.start({
        onData(chunk) {
          bytes += chunk.byteLength;
          for (; bytes >= ANSWER_BYTES; bytes -= ANSWER_BYTES) {
            if (++answered === REQUESTS) resolve();
            if (started < REQUESTS) {
              started++;
              conn.write(head);
            }
          }
          return true;
        },
        onEnd() {},
        onDrain() {},
        onClose() {},
      });
      started++;
      conn.write(head);
    }
  });
  for (const conn of conns) conn.destroy();
}

/**
 * The same connections under the least a Node-shaped client does per GET (see the module doc): a free
 * connection is taken a tick after the request is made, the answer's body is pushed into a new
 * `Readable` whose `'end'` gives the connection back and settles the caller's promise.
 */
async function objectsFloor(): Promise<void> {
  const transport = defaultTransportOrThrow();
  const conns: TransportConn[] = await Promise.all(
    Array.from({ length: IN_FLIGHT }, () => transport.connect({ hostname: HOST, port })),
  );
  const free: TransportConn[] = [];
  const requestOf = new Map<TransportConn, EventEmitter>();
  for (const conn of conns) {
    let bytes = 0;
    conn.start({
      onData(chunk) {
        bytes += chunk.byteLength;
        if (bytes < ANSWER_BYTES) return true;
        bytes -= ANSWER_BYTES;
        const res = new Readable({ read() {} });
        res.on("end", () => free.push(conn));
        requestOf.get(conn)!.emit("response", res);
        const bodyAt = chunk.byteOffset + chunk.byteLength - BODY_BYTES;
        res.push(Buffer.from(chunk.buffer, bodyAt, BODY_BYTES));
        res.push(null);
        return true;
      },
      onEnd() {},
      onDrain() {},
      onClose() {},
    });
    free.push(conn);
  }
  await loops(() =>
    new Promise<number>((resolve) => {
      const req = new EventEmitter();
      process.nextTick(() => {
        const conn = free.pop()!;
        requestOf.set(conn, req);
        conn.write(head);
      });
      req.on("response", (res: Readable) => {
        let n = 0;
        res.on("data", (chunk: Uint8Array) => n += chunk.byteLength);
        res.on("end", () => resolve(n));
      });
    })
  );
  for (const conn of conns) conn.destroy();
}

async function loops(get: () => Promise<unknown>): Promise<void> {
  let started = 0;
  const loop = async () => {
    while (started < REQUESTS) {
      started++;
      await get();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, loop));
}

const url = `http://${HOST}:${port}/`;
const viaFetch = () => loops(async () => (await (await fetch(url)).arrayBuffer()).byteLength);

/** GETs through a checkout's `request()` with a keep-alive `Agent`, as in the `rate` cell. */
function viaClient(client: ClientModule) {
  const agent = new client.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const getOptions = { hostname: HOST, port, path: "/", agent };
  const run = () =>
    loops(() =>
      new Promise<number>((resolve, reject) => {
        const req = client.request(getOptions, (res) => {
          let n = 0;
          res.on("data", (chunk: Uint8Array) => n += chunk.byteLength);
          res.on("end", () => resolve(n));
        });
        req.on("error", reject);
        req.end();
      })
    );
  return { run, agent };
}

const ours = viaClient({ Agent, request });
const baseline = BASELINE === undefined ? undefined : viaClient(await loadBaseline(BASELINE));

const clients = new Map<string, () => Promise<void>>([
  ["transport floor", transportFloor],
  ["objects floor", objectsFloor],
  ["fetch", viaFetch],
  ["ours", ours.run],
]);
if (baseline) clients.set("baseline", baseline.run);

interface Sample {
  /** Requests per second. */
  rate: number;
  /** CPU µs of this process per GET. */
  cpu: number;
}
const samples = new Map<string, Sample[]>([...clients.keys()].map((name) => [name, []]));

for (let round = -1; round < ROUNDS; round++) {
  for (const [name, run] of clients) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    // Round -1 is the warm-up.
    if (round >= 0) {
      samples.get(name)!.push({ rate: REQUESTS / wallMs * 1000, cpu: (cpu.user + cpu.system) / REQUESTS });
    }
  }
}
ours.agent.destroy();
baseline?.agent.destroy();
server.kill();

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const result = new Map<string, Sample>(
  [...samples].map(([name, runs]) => [name, {
    rate: median(runs.map((s) => s.rate)),
    cpu: median(runs.map((s) => s.cpu)),
  }]),
);
const of = (name: string) => result.get(name)!;
console.log(`${bun ? "Bun" : "Deno"}, ${REQUESTS} GETs x ${ROUNDS} rounds, ${IN_FLIGHT} in flight (medians)`);
for (const [name, { rate, cpu }] of result) {
  console.log(
    `  ${name.padEnd(16)} ${rate.toFixed(0).padStart(7)} req/s  ${cpu.toFixed(2).padStart(6)} µs CPU/GET  ` +
      `${(rate / of("fetch").rate).toFixed(2)}x fetch`,
  );
}
const above = (client: string, floor: string) => (of(client).cpu - of(floor).cpu).toFixed(2);
console.log(`  our HTTP layer on the transport floor: ${above("ours", "transport floor")} µs CPU/GET`);
console.log(`  our HTTP layer on the objects floor: ${above("ours", "objects floor")} µs CPU/GET`);
if (baseline) {
  console.log(
    `  the baseline's HTTP layer on the transport floor: ${above("baseline", "transport floor")} µs CPU/GET`,
  );
  console.log(
    `  ours / baseline: ${(of("ours").rate / of("baseline").rate).toFixed(2)}x req/s, ` +
      `${(of("ours").cpu / of("baseline").cpu).toFixed(2)}x CPU/GET`,
  );
}
process.exit(0);
