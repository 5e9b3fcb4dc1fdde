/**
 * `node:tls` (and every `node:` module but the three the Node objects are built on: `node:stream`,
 * `node:buffer`, `node:events`) stays out of the main entry's static module graph. TLS code loads
 * `node:tls` on first use with a computed specifier, which `deno info` (like a bundler) does not follow.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { run } from "./_tls.ts";

const DENO = new URL("../../node_modules/.bin/deno", import.meta.url).pathname;

async function graph(entry: string): Promise<string[]> {
  const { code, stdout, stderr } = await run(DENO, [
    "info",
    "--json",
    new URL(`../../${entry}`, import.meta.url).pathname,
  ]);
  assert.equal(code, 0, stderr);
  return (JSON.parse(stdout) as { modules: { specifier: string }[] }).modules.map((m) => m.specifier);
}

const NODE_BASE = ["node:buffer", "node:events", "node:process", "node:stream"];

test("the main entry's static graph holds only the stream node: modules, and the https entry adds none", async () => {
  const main = await graph("mod.ts");
  assert.ok(main.length > 20, "deno info listed the graph");
  assert.deepEqual(main.filter((s) => !s.startsWith("file:")).sort(), NODE_BASE);
  const https = await graph("src/https/mod.ts");
  assert.deepEqual(https.filter((s) => !s.startsWith("file:")).sort(), NODE_BASE);
  assert.ok(https.some((s) => s.endsWith("/src/transports/_node_tls_client.ts")));
});
