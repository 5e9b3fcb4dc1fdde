/**
 * `@wire/http/fetch` imported on its own serves: the entry installs the runtime's transport, as the
 * package root does. This needs a fresh process; in the suite's process the root is already loaded.
 */
import assert from "node:assert/strict";
import { runtime, test } from "../_harness.ts";
import { run } from "../https/_tls.ts";

test("the ./fetch entry alone serves a request (its transport is installed without the root entry)", async () => {
  const bin = new URL(`../../node_modules/.bin/${runtime}`, import.meta.url).pathname;
  const script = new URL("./_standalone.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await run(bin, runtime === "deno" ? ["run", "-A", script] : [script]);
  assert.equal(stdout, "served by the fetch entry alone\n", stderr);
  assert.equal(code, 0, stderr);
});
