import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { carvesFromSlab } from "../../src/io/_slab.ts";
import "../../src/transports/pick.ts";
import {
  BUSY_READ_SIZE,
  MAX_QUIET_READ_SIZE,
  QUIET_READ_SIZE,
  ReadBuffers,
} from "../../src/transports/_read_buffers.ts";

// The read loop's buffers decide memory per idle connection (every connection has a read pending into
// `next` at all times) and how often a busy connection allocates.

test("ReadBuffers: a quiet connection reads into a small buffer, the same one again and again", () => {
  const buffers = new ReadBuffers();
  const first = buffers.next;
  assert.equal(first.byteLength, QUIET_READ_SIZE);
  buffers.settle(100, false);
  assert.equal(buffers.next, first);
  buffers.settle(1500, false);
  assert.equal(buffers.next, first);
});

test("ReadBuffers: a read that fills its buffer moves to a 64 KiB slab; a drained read moves back", () => {
  const buffers = new ReadBuffers();
  buffers.settle(QUIET_READ_SIZE, false);
  const slab = buffers.next;
  assert.equal(slab.byteLength, BUSY_READ_SIZE);
  buffers.settle(BUSY_READ_SIZE, false);
  assert.equal(buffers.next, slab, "a busy read that kept nothing reuses the slab");
  buffers.settle(10, false);
  assert.ok(buffers.next.byteLength <= MAX_QUIET_READ_SIZE, "drained: a quiet buffer, the slab is not held");
});

test("ReadBuffers: the quiet buffer grows to fit the last burst (at most 8 KiB) and shrinks back", () => {
  const buffers = new ReadBuffers();
  buffers.settle(QUIET_READ_SIZE, false); // 2 KiB full: busy
  buffers.settle(2200, false); // drained after a 4.2 KiB burst
  assert.equal(buffers.next.byteLength, 8 * 1024);
  buffers.settle(4300, false); // the next 4.2 KiB message fits in one read
  assert.equal(buffers.next.byteLength, 8 * 1024);
  buffers.settle(BUSY_READ_SIZE / 8, false); // full: busy
  buffers.settle(BUSY_READ_SIZE, false);
  buffers.settle(100, false); // drained after a large burst: capped
  assert.equal(buffers.next.byteLength, MAX_QUIET_READ_SIZE);
  buffers.settle(100, false); // small messages again
  assert.equal(buffers.next.byteLength, QUIET_READ_SIZE);
});

test("ReadBuffers: kept bytes are never read into again", () => {
  const buffers = new ReadBuffers();
  const quiet = buffers.next;
  buffers.settle(QUIET_READ_SIZE, true);
  const slab = buffers.next;
  assert.notEqual(slab.buffer, quiet.buffer, "the kept small buffer is not read into");
  buffers.settle(BUSY_READ_SIZE, true);
  const second = buffers.next;
  assert.notEqual(second.buffer, slab.buffer, "a slab kept whole is replaced");
  assert.equal(second.byteLength, BUSY_READ_SIZE);
  buffers.settle(100, true); // drained, 100 bytes of the slab kept
  const next = buffers.next;
  assert.notEqual(next.buffer, quiet.buffer);
  assert.notEqual(next.buffer, second.buffer);
});

test("ReadBuffers: small kept messages share one quiet buffer while the rest fits another", () => {
  const buffers = new ReadBuffers();
  const quiet = buffers.next;
  buffers.settle(100, true);
  const behind = buffers.next;
  assert.equal(behind.buffer, quiet.buffer);
  assert.equal(behind.byteOffset, quiet.byteOffset + 100);
  buffers.settle(QUIET_READ_SIZE - 200, true); // the rest would be shorter than a message: new buffer
  assert.notEqual(buffers.next.buffer, quiet.buffer);
  assert.equal(buffers.next.byteLength, QUIET_READ_SIZE);
});

test("ReadBuffers: a kept chunk in a slab shares the slab with the next busy reads, after a quiet spell too", () => {
  const buffers = new ReadBuffers();
  buffers.settle(QUIET_READ_SIZE, false);
  const slab = buffers.next;
  buffers.settle(40_000, true); // a body chunk, kept; the socket was drained
  const kept = slab.subarray(0, 40_000); // what the consumer holds
  assert.equal(buffers.next.byteLength, MAX_QUIET_READ_SIZE);
  buffers.settle(MAX_QUIET_READ_SIZE, false); // busy again while the chunk is still alive
  const behind = buffers.next;
  assert.equal(behind.buffer, kept.buffer);
  assert.equal(behind.byteOffset, slab.byteOffset + 40_000);
  assert.equal(behind.byteLength, BUSY_READ_SIZE - 40_000);
});

test("ReadBuffers: quiet buffers replacing kept ones come from one shared slab (on V8) and never overlap", () => {
  const a = new ReadBuffers();
  const b = new ReadBuffers();
  // Each keeps a read that leaves too little room behind it, so each needs a new quiet buffer.
  a.settle(QUIET_READ_SIZE - 100, true);
  b.settle(QUIET_READ_SIZE - 100, true);
  const nextA = a.next;
  const nextB = b.next;
  assert.equal(nextA.byteLength, QUIET_READ_SIZE);
  assert.equal(nextB.byteLength, QUIET_READ_SIZE);
  // One allocation for both where an ArrayBuffer costs (V8), regions that never overlap; arrays of their
  // own on Bun, where small arrays cost less than views.
  if (carvesFromSlab()) {
    assert.equal(nextA.buffer, nextB.buffer);
    const [first, second] = nextA.byteOffset < nextB.byteOffset ? [nextA, nextB] : [nextB, nextA];
    assert.ok(first.byteOffset + first.byteLength <= second.byteOffset, "views overlap");
  } else assert.notEqual(nextA.buffer, nextB.buffer);
});
