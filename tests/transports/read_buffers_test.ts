import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { BUSY_READ_SIZE, QUIET_READ_SIZE, ReadBuffers } from "../../src/transports/_read_buffers.ts";

// The read loop's buffers decide memory per idle connection (every connection has a read pending into
// `next` at all times) and how often a busy connection allocates.

test("ReadBuffers: a quiet connection reads into a small buffer, the same one again and again", () => {
  const buffers = new ReadBuffers();
  const first = buffers.next;
  assert.equal(first.byteLength, QUIET_READ_SIZE);
  buffers.settle(100, false);
  assert.equal(buffers.next, first);
});

test("ReadBuffers: a read that fills its buffer moves to a 64 KiB slab; a drained read moves back", () => {
  const buffers = new ReadBuffers();
  const quiet = buffers.next;
  buffers.settle(QUIET_READ_SIZE, false);
  const slab = buffers.next;
  assert.equal(slab.byteLength, BUSY_READ_SIZE);
  buffers.settle(BUSY_READ_SIZE, false);
  assert.equal(buffers.next, slab, "a busy read that kept nothing reuses the slab");
  buffers.settle(10, false);
  assert.equal(buffers.next, quiet, "drained: back to the small buffer, the slab is not held");
});

test("ReadBuffers: kept bytes are never read into again; busy reads land behind them", () => {
  const buffers = new ReadBuffers();
  const quiet = buffers.next;
  buffers.settle(QUIET_READ_SIZE, true);
  assert.notEqual(buffers.next.buffer, quiet.buffer, "the kept small buffer is replaced");
  const slab = buffers.next;
  buffers.settle(BUSY_READ_SIZE, true);
  const second = buffers.next;
  assert.notEqual(second.buffer, slab.buffer, "a slab kept whole is replaced");
  assert.equal(second.byteLength, BUSY_READ_SIZE);
});

test("ReadBuffers: a kept chunk in a slab shares the slab with the next reads, after a quiet spell too", () => {
  const buffers = new ReadBuffers();
  buffers.settle(QUIET_READ_SIZE, false);
  const slab = buffers.next;
  buffers.settle(4000, true); // a body chunk, kept; the socket was drained
  const kept = slab.subarray(0, 4000); // what the consumer holds
  assert.equal(buffers.next.byteLength, QUIET_READ_SIZE);
  buffers.settle(QUIET_READ_SIZE, false); // busy again while the chunk is still alive
  const behind = buffers.next;
  assert.equal(behind.buffer, kept.buffer);
  assert.equal(behind.byteOffset, slab.byteOffset + 4000);
  assert.equal(behind.byteLength, BUSY_READ_SIZE - 4000);
});
