/**
 * Small byte buffers carved from a shared slab instead of an ArrayBuffer each.
 *
 * On Deno a `new Uint8Array(n)` of any size costs ~0.7 µs (the backing store goes through the embedder's
 * allocator and external-memory accounting); a view of a slab costs ~0.1 µs (measured 2026-12-05, Deno
 * 2.9.6; on Bun both are under 0.1 µs). A keep-alive client renders every request head into a buffer of
 * its own, a transport stages every transient write and a connection takes a new read buffer whenever a
 * consumer keeps the last one: each of those is one carve here. Regions never overlap and are never handed
 * out twice, so sharing one slab among all of them is safe; a slab lives as long as any view of it (at
 * most 64 KiB pinned by one long-kept region).
 *
 * JavaScriptCore (Bun) is the other way round: a small typed array lives in the garbage-collected heap and
 * costs less than a view of a slab, and Bun's socket writes such an array faster (a keep-alive client's
 * CPU per GET: 3-5% less with a new array per head than with slab regions, A/B in one process,
 * 2026-12-05). So on Bun every carve is a new array: the Bun transport says so when it loads (this
 * layer reads no runtime globals).
 *
 * @module
 */

/** Size of each slab. */
const SLAB_SIZE = 64 * 1024;
/** Larger requests get an ArrayBuffer of their own (a quarter slab, so little of a slab is ever wasted). */
export const MAX_CARVE = 16 * 1024;

/** Whether small regions come from a shared slab: not on JavaScriptCore (see the module's note). */
let fromSlab = true;

/**
 * Whether {@linkcode carveBytes} carves from the shared slab (true unless a transport turned it off).
 *
 * @example
 * ```ts ignore
 * if (!carvesFromSlab()) console.log("every carve is an array of its own");
 * ```
 */
export function carvesFromSlab(): boolean {
  return fromSlab;
}

/**
 * Turns slab carving off (or on): the Bun transport turns it off where JavaScriptCore runs.
 *
 * @example
 * ```ts ignore
 * setSlabCarving(false);
 * ```
 */
export function setSlabCarving(on: boolean): void {
  fromSlab = on;
}

let slab = new Uint8Array(0);
let used = 0;

/**
 * A writable region of `size` zeroed bytes that nobody else holds: a slab view up to
 * {@linkcode MAX_CARVE} (on V8), else a new array. The caller owns it and may keep it as long as it likes.
 *
 * @example
 * ```ts ignore
 * const head = carveBytes(64);
 * new TextEncoder().encodeInto("GET / HTTP/1.1\r\n\r\n", head);
 * ```
 */
export function carveBytes(size: number): Uint8Array {
  if (size > MAX_CARVE || !fromSlab) return new Uint8Array(size);
  if (slab.byteLength - used < size) {
    slab = new Uint8Array(SLAB_SIZE);
    used = 0;
  }
  const region = new Uint8Array(slab.buffer, used, size);
  used += size;
  return region;
}
