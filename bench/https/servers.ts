/**
 * HTTPS hello-world servers for `run.ts`, one per kind, on Deno or Bun: `ours` (`@wire/http/https`),
 * `node` (the runtime's `node:https`) and `native` (`Deno.serve` / `Bun.serve` with TLS). Each answers
 * `GET /` with "Hello, World!" (text/plain, keep-alive) using the test fixtures' localhost certificate.
 *
 *     deno run -A bench/https/servers.ts <kind> <port>      (or: bun bench/https/servers.ts <kind> <port>)
 *
 * Prints "ready" once listening.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { createServer as createNodeServer } from "node:https";
import { createServer } from "../../src/https/mod.ts";

const [kind = "ours", portText = "8443"] = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const port = Number(portText);
const pem = (name: string) =>
  readFileSync(new URL(`../../tests/https/fixtures/${name}`, import.meta.url), "utf8");
const key = pem("server.key");
const cert = pem("server.pem");
const BODY = "Hello, World!";

function ready(): void {
  console.log("ready");
}

if (kind === "ours") {
  createServer({ key, cert }, (_req, res) => {
    res.setHeader("Content-Type", "text/plain");
    res.end(BODY);
  }).listen(port, "127.0.0.1", ready);
} else if (kind === "node") {
  createNodeServer({ key, cert }, (_req, res) => {
    res.setHeader("Content-Type", "text/plain");
    res.end(BODY);
  }).listen(port, "127.0.0.1", ready);
} else if (kind === "native") {
  const g = globalThis as {
    Bun?: { serve(o: Record<string, unknown>): unknown };
    Deno?: { serve(o: Record<string, unknown>, h: () => Response): unknown };
  };
  const respond = () => new Response(BODY, { headers: { "Content-Type": "text/plain" } });
  if (g.Bun) {
    g.Bun.serve({ port, hostname: "127.0.0.1", tls: { key, cert }, fetch: respond });
    ready();
  } else {
    g.Deno!.serve({ port, hostname: "127.0.0.1", key, cert, onListen: ready }, respond);
  }
} else {
  throw new Error(`unknown server kind ${kind}`);
}
