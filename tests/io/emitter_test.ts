import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { EventEmitter } from "../../src/io/emitter.ts";

type Events = { ping: [n: number]; error: [err: Error]; other: [] };

test("EventEmitter: listeners run in order; once() runs once; off() removes a once() listener too", () => {
  const e = new EventEmitter<Events>();
  const seen: string[] = [];
  const a = (n: number) => seen.push(`a${n}`);
  const b = (n: number) => seen.push(`b${n}`);
  e.on("ping", a);
  e.once("ping", b);
  e.prependListener("ping", (n) => seen.push(`first${n}`));
  assert.equal(e.emit("ping", 1), true);
  assert.equal(e.emit("ping", 2), true);
  assert.deepEqual(seen, ["first1", "a1", "b1", "first2", "a2"]);
  const c = () => seen.push("c");
  e.once("other", c);
  e.off("other", c);
  assert.equal(e.emit("other"), false);
  assert.equal(e.listenerCount("ping"), 2);
  assert.deepEqual(e.eventNames(), ["ping"]);
  e.removeAllListeners("ping");
  assert.equal(e.listenerCount("ping"), 0);
});

test("EventEmitter: 'error' without a listener throws its argument, as in Node", () => {
  const e = new EventEmitter<Events>();
  const err = new Error("boom");
  assert.throws(() => e.emit("error", err), (thrown) => thrown === err);
  let got: Error | undefined;
  e.on("error", (x) => (got = x));
  e.emit("error", err);
  assert.equal(got, err);
});

test("EventEmitter: a listener removing itself or another during emit does not skip or repeat", () => {
  const e = new EventEmitter<Events>();
  const seen: string[] = [];
  const second = () => seen.push("second");
  e.on("other", () => {
    seen.push("first");
    e.off("other", second);
  });
  e.on("other", second);
  e.emit("other");
  e.emit("other");
  // The list is replaced, not mutated: the emit in progress still calls `second` once.
  assert.deepEqual(seen, ["first", "second", "first"]);
});

test("EventEmitter: a non-function listener is a TypeError", () => {
  const e = new EventEmitter<Events>();
  assert.throws(() => e.on("ping", "nope" as never), TypeError);
});
