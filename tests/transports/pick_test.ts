/**
 * How the runtime's transport is wired (src/transports/pick.ts): each Deno and Bun entry wires it
 * itself, none borrows it from another entry's import, and a transport the user sets wins over it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runtime, test } from "../_harness.ts";
import { run } from "../https/_tls.ts";

const ENTRIES = ["mod.ts", "src/https/mod.ts", "src/fetch/mod.ts"];

test("each Deno/Bun entry calls useRuntimeTransport() itself and imports no module only for its effects", () => {
  for (const entry of ENTRIES) {
    const source = readFileSync(new URL(`../../${entry}`, import.meta.url), "utf8");
    assert.match(source, /^useRuntimeTransport\(\);$/m, entry);
    assert.doesNotMatch(source, /^import\s+["']/m, entry);
  }
});

test("a transport set with setDefaultTransport() wins over the runtime's, even when the main entry loads later", async () => {
  const bin = new URL(`../../node_modules/.bin/${runtime}`, import.meta.url).pathname;
  const script = new URL("./_user_transport_wins.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await run(bin, runtime === "deno" ? ["run", "-A", script] : [script]);
  assert.equal(stdout, "refused by the user's transport\n", stderr);
  assert.equal(code, 0, stderr);
});
