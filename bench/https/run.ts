/**
 * HTTPS benchmark: `@wire/http/https` against each runtime's `node:https` and its own TLS server/client
 * (`Deno.serve`/`Bun.serve` with `cert`/`key`, `fetch`), on Deno and on Bun, over 127.0.0.1, with the
 * ratios computed within one run. Prints ready-to-paste markdown tables.
 *
 *     ./node_modules/.bin/deno run -A bench/https/run.ts [--duration=S] [--requests=N] [--connects=N]
 *
 * Server: each server of `servers.ts` in its own process on a free port, checked once (status 200, body),
 * then `wrk -t1 -c64 -d<S>s https://127.0.0.1:<port>/` (default 5 s, after a 1 s warm-up); wrk does not
 * verify certificates and reuses its connections, so this is the per-request cost of TLS records plus
 * HTTP. Client: one target server (`Bun.serve` with TLS, the fastest here) and each client of
 * `clients.ts` in its own process: `rate` (N GETs, 16 in flight, keep-alive; default 5000) and `connect`
 * (M GETs each on a new TCP+TLS connection, sequential; default 200; median and p90 ms). The `connect`
 * column is where a Nagle stall on the first TLS exchange shows up (~45 ms on Deno's own TLS stack).
 *
 * Needs `wrk`; the runtimes are this Deno and `node_modules/.bin/bun`. Noisy on a shared machine: compare
 * ratios, run it on a quiet one for the README numbers.
 *
 * @module
 */

import { option } from "../_lib/args.ts";
import { path, type Runtime, runtimeCommand, spawn, start, type Started, stop } from "../_lib/children.ts";
import { freePort, wrk } from "../_lib/net.ts";
import { fmtTimes, markdownTable, ratio as divide } from "../_lib/stats.ts";

const HERE = path(new URL(".", import.meta.url));
const DURATION = Number(option("duration", "5"));
const REQUESTS = Number(option("requests", "5000"));
const CONNECTS = Number(option("connects", "200"));

const RUNTIMES: Runtime[] = ["deno", "bun"];
const command = (runtime: Runtime, script: string, args: string[]) =>
  runtimeCommand(runtime, `${HERE}${script}`, args);

/** A server of `servers.ts` on a free port, checked once over TLS (status 200, body). */
async function startTlsServer(runtime: Runtime, kind: string): Promise<{ port: number; started: Started }> {
  const port = freePort();
  const [program, args] = command(runtime, "servers.ts", [kind, String(port)]);
  const started = await start(program, args, { stderr: "inherit", what: `${runtime} ${kind} server` });
  const client = Deno.createHttpClient({
    caCerts: [await Deno.readTextFile(`${HERE}../../tests/https/fixtures/ca.pem`)],
  });
  const res = await fetch(`https://localhost:${port}/`, { client });
  const body = await res.text();
  client.close();
  if (res.status !== 200 || body !== "Hello, World!") {
    await stop(started);
    throw new Error(`${runtime} ${kind}: bad answer ${res.status}`);
  }
  return { port, started };
}

/** Requests/s of `wrk -t1 -c64 -d<seconds>s` over HTTPS (wrk verifies no certificate). */
async function wrkRate(port: number, seconds: number): Promise<number> {
  return (await wrk({ url: `https://127.0.0.1:${port}/`, seconds, threads: 1, connections: 64 })).rps;
}

async function runClient(runtime: Runtime, client: string, port: number, mode: string, n: number) {
  const [program, args] = command(runtime, "clients.ts", [client, String(port), mode, String(n)]);
  const out = await spawn(program, args, { stderr: "inherit" }).output();
  const line = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
  return JSON.parse(line) as { perSecond?: number; medianMs?: number; p90Ms?: number };
}

const fmt = (n: number) => n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0);
const ratio = (a: number, b: number) => fmtTimes(divide(a, b));

console.log(
  `HTTPS bench, ${
    new Date().toISOString()
  }, wrk -t1 -c64 -d${DURATION}s; client ${REQUESTS} GETs (16 in flight), ${CONNECTS} new connections\n`,
);

// ---- Servers ----
const serverRows: string[][] = [];
for (const runtime of RUNTIMES) {
  const rates: Record<string, number> = {};
  for (const kind of ["ours", "node", "native"]) {
    const server = await startTlsServer(runtime, kind);
    try {
      await wrkRate(server.port, 1);
      rates[kind] = await wrkRate(server.port, DURATION);
    } finally {
      await stop(server.started);
    }
  }
  const native = runtime === "deno" ? "Deno.serve" : "Bun.serve";
  serverRows.push([
    runtime,
    fmt(rates.ours!),
    fmt(rates.node!),
    `${fmt(rates.native!)} (${native})`,
    ratio(rates.ours!, rates.node!),
    ratio(rates.ours!, rates.native!),
  ]);
}
console.log(markdownTable(
  [
    "server (HTTPS hello)",
    "ours req/s",
    "node:https req/s",
    "runtime's own req/s",
    "ours / node:https",
    "ours / own",
  ],
  serverRows,
));

// ---- Clients ----
const target = await startTlsServer("bun", "native");
const clientRows: string[][] = [];
try {
  for (const runtime of RUNTIMES) {
    const r: Record<string, { perSecond?: number; medianMs?: number; p90Ms?: number }> = {};
    for (const client of ["ours", "fetch", "node"]) {
      const rate = await runClient(runtime, client, target.port, "rate", REQUESTS);
      const connect = await runClient(runtime, client, target.port, "connect", CONNECTS);
      r[client] = { ...rate, ...connect };
    }
    const cell = (c: string) => `${fmt(r[c]!.perSecond!)} req/s, ${r[c]!.medianMs} ms (p90 ${r[c]!.p90Ms})`;
    clientRows.push([
      runtime,
      cell("ours"),
      cell("fetch"),
      cell("node"),
      ratio(r.ours!.perSecond!, r.node!.perSecond!),
      ratio(r.ours!.perSecond!, r.fetch!.perSecond!),
    ]);
  }
} finally {
  await stop(target.started);
}
console.log(
  "\n" + markdownTable(
    [
      "client (HTTPS GET)",
      "ours: rate, new connection",
      "fetch",
      "node:https",
      "ours / node:https",
      "ours / fetch",
    ],
    clientRows,
  ),
);
