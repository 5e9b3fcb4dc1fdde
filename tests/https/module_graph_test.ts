/**
 * `node:tls` (and every other `node:` module) stays out of the main entry's module graph: the edge bundle
 * of `@wire/http` has no imports, and importing it on Deno or Bun loads no `node:` module. TLS code loads
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

test("the main entry's module graph holds no node: module, and the https entry adds none statically", async () => {
  const main = await graph("mod.ts");
  assert.ok(main.length > 20, "deno info listed the graph");
  assert.deepEqual(main.filter((s) => !s.startsWith("file:")), []);
  const https = await graph("src/https/mod.ts");
  assert.deepEqual(https.filter((s) => !s.startsWith("file:")), []);
  assert.ok(https.some((s) => s.endsWith("/src/transports/_node_tls_client.ts")));
});
