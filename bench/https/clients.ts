/**
 * HTTPS client load for `run.ts`, on Deno or Bun: `ours` (`@wire/http/https` with a keep-alive Agent),
 * `fetch` (the runtime's, with the test CA) and `node` (the runtime's `node:https` with a keep-alive
 * Agent), all trusting the fixtures' CA and checking the name `localhost`.
 *
 *     deno run -A bench/https/clients.ts <client> <port> rate <requests>     GETs, 16 in flight
 *     deno run -A bench/https/clients.ts <client> <port> connect <requests>  one new connection each
 *
 * Prints one JSON line: `{ "perSecond": n }` for `rate`, `{ "medianMs": n, "p90Ms": n }` for `connect`
 * (time from starting the request to the whole response, TCP + TLS handshake included).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { Agent as NodeAgent, get as nodeGet } from "node:https";
import { Agent, get } from "../../src/https/mod.ts";

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const [client = "ours", portText = "8443", mode = "rate", countText = "5000"] = args;
const port = Number(portText);
const count = Number(countText);
const ca = readFileSync(new URL("../../tests/https/fixtures/ca.pem", import.meta.url), "utf8");
const url = `https://localhost:${port}/`;
const IN_FLIGHT = 16;

type Once = (fresh: boolean) => Promise<void>;

function oursOnce(): Once {
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  return (fresh) =>
    new Promise((resolve, reject) => {
      get({ host: "localhost", port, ca, agent: fresh ? false : agent }, (res) => {
        res.resume();
        res.on("end", () => resolve());
      }).on("error", reject);
    });
}

function nodeOnce(): Once {
  const agent = new NodeAgent({ keepAlive: true, maxSockets: IN_FLIGHT });
  return (fresh) =>
    new Promise((resolve, reject) => {
      nodeGet({ host: "localhost", port, ca, agent: fresh ? false : agent }, (res) => {
        res.resume();
        res.on("end", () => resolve());
      }).on("error", reject);
    });
}

function fetchOnce(): Once {
  const g = globalThis as { Bun?: unknown; Deno?: { createHttpClient(o: Record<string, unknown>): unknown } };
  const init = (fresh: boolean): Record<string, unknown> => {
    if (g.Bun) return { tls: { ca }, keepalive: !fresh };
    // Deno: a client per fresh request is the only way to force a new connection.
    return { client: fresh ? g.Deno!.createHttpClient({ caCerts: [ca] }) : shared };
  };
  const shared = g.Bun ? undefined : g.Deno!.createHttpClient({ caCerts: [ca] });
  return async (fresh) => {
    const options = init(fresh);
    const res = await fetch(url, options);
    await res.arrayBuffer();
    if (fresh) (options.client as { close?(): void } | undefined)?.close?.();
  };
}

const once = client === "ours" ? oursOnce() : client === "node" ? nodeOnce() : fetchOnce();

if (mode === "rate") {
  for (let i = 0; i < 200; i++) await once(false); // warm-up
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (started < count) {
        started++;
        await once(false);
      }
    }),
  );
  console.log(JSON.stringify({ perSecond: Math.round(count / ((performance.now() - t0) / 1000)) }));
} else {
  for (let i = 0; i < 10; i++) await once(true); // warm-up
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await once(true);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) =>
    Number(times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2));
  console.log(JSON.stringify({ medianMs: at(0.5), p90Ms: at(0.9) }));
}
const exit = (globalThis as { Deno?: { exit(c: number): never } }).Deno?.exit ??
  (globalThis as unknown as { process: { exit(c: number): never } }).process.exit;
exit(0);
