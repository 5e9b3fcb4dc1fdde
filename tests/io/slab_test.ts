/**
 * The shared slab small buffers are carved from (src/io/_slab.ts): regions are zeroed, never overlap and
 * are never handed out twice; large ones (and every one on Bun, where small arrays are cheap) are arrays
 * of their own.
 */
import assert from "node:assert/strict";
import { runtime, test } from "../_harness.ts";
import { carveBytes, carvesFromSlab, MAX_CARVE } from "../../src/io/_slab.ts";
// The runtime transports: loading them is what sets carving for the engine (off on Bun).
import "../../src/transports/pick.ts";

test("carveBytes: zeroed regions of the asked size that never overlap, from one slab on V8", () => {
  const regions = Array.from({ length: 50 }, (_, i) => carveBytes(10 + i));
  regions.forEach((region, i) => {
    assert.equal(region.byteLength, 10 + i);
    assert.ok(region.every((b) => b === 0));
    region.fill(i + 1);
  });
  // Writing one region changed no other: each still holds only its own mark.
  regions.forEach((region, i) => assert.ok(region.every((b) => b === i + 1), `region ${i} was overwritten`));
  const shared = new Set(regions.map((region) => region.buffer)).size < regions.length;
  // A slab where an ArrayBuffer costs (V8); arrays of their own on Bun, whose transport turns carving off.
  assert.equal(carvesFromSlab(), runtime !== "bun");
  assert.equal(shared, carvesFromSlab());
});

test("carveBytes: a region larger than MAX_CARVE is an ArrayBuffer of its own", () => {
  const big = carveBytes(MAX_CARVE + 1);
  assert.equal(big.byteLength, MAX_CARVE + 1);
  assert.equal(big.buffer.byteLength, MAX_CARVE + 1);
  assert.equal(big.byteOffset, 0);
});
