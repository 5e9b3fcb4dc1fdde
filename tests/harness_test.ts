import assert from "node:assert/strict";
import { once, runtime, test } from "./_harness.ts";

test("harness reports the running runtime", () => {
  assert.ok(runtime === "deno" || runtime === "bun");
  assert.equal("Bun" in globalThis, runtime === "bun");
});

test("once() resolves with the event's arguments", async () => {
  const listeners = new Map<string, (...a: never[]) => void>();
  const emitter = {
    once(event: string, fn: (...a: never[]) => void) {
      listeners.set(event, fn);
    },
    off(event: string) {
      listeners.delete(event);
    },
  };
  const waiting = once<[number, string]>(emitter, "ping");
  (listeners.get("ping") as unknown as (a: number, b: string) => void)(1, "x");
  assert.deepEqual(await waiting, [1, "x"]);
  assert.equal(listeners.has("error"), false);
});
