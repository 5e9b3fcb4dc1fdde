/**
 * Where a read loop's next `read()` lands (the Deno adapter's). Every connection has a read pending at
 * all times, and the runtime holds that read's buffer until bytes arrive, so the buffer of an idle
 * connection is memory per idle connection: one 64 KiB buffer each measured ~81 KiB RSS per idle
 * keep-alive connection, and 10,000 of them kept 830 MB.
 *
 * So a connection reads into a small buffer while it is quiet, and into a 64 KiB slab only while it is
 * busy: a read that fills its buffer says more bytes are waiting, a read that does not says the socket
 * was drained. Bytes the consumer keeps (a body chunk) stay where they are and the next busy read lands
 * behind them in the same slab; a new slab is taken only when its free tail gets short (a fresh 64 KiB
 * per kept chunk cost more than the rest of a small request: zero-fill and GC). While the connection is
 * quiet the slab is held only weakly: a body that is still alive keeps it reusable, an idle connection
 * pins nothing.
 *
 * @module
 */

import { carveBytes } from "../io/_slab.ts";

/** Smallest buffer for reads while quiet: most request and response heads fit. */
export const QUIET_READ_SIZE = 2 * 1024;
/** Largest buffer for reads while quiet; every idle connection holds one of at most this size. */
export const MAX_QUIET_READ_SIZE = 8 * 1024;
/** Bytes per read while busy; the size Deno's own `conn.readable` reads with. */
export const BUSY_READ_SIZE = 64 * 1024;
/** Below this much free space behind kept bytes, busy reads move to a new slab. */
const MIN_BUSY_READ_SIZE = 16 * 1024;

/**
 * The buffers of one read loop.
 *
 * The quiet buffer's size follows the last burst (the bytes read from one quiet read to the next drained
 * one), rounded up to a power of two within 2–8 KiB: a connection that exchanges 4 KiB requests then
 * reads each in one read instead of a full 2 KiB read plus a busy one (measured: the second read, its
 * extra body chunk and the slab round trip cost a 4 KiB echo ~40% more CPU per request on Deno).
 *
 * @example
 * ```ts ignore
 * const buffers = new ReadBuffers();
 * const n = await conn.read(buffers.next);
 * const kept = handler.onData(buffers.next.subarray(0, n));
 * buffers.settle(n, kept);
 * ```
 */
export class ReadBuffers {
  /** Where the next quiet read goes: a whole buffer, or its free tail behind kept bytes. */
  #quiet: Uint8Array = new Uint8Array(QUIET_READ_SIZE);
  #quietSize = QUIET_READ_SIZE;
  /** Bytes read since the last drained read. */
  #burst = 0;
  /** The busy slab, held strongly while busy. */
  #slab: Uint8Array | undefined;
  /** The busy slab while quiet: reused if a kept chunk still holds it, else left to the GC. */
  #quietSlab: WeakRef<Uint8Array> | undefined;
  /** Bytes at the start of the slab that the consumer kept. */
  #slabUsed = 0;
  #next: Uint8Array = this.#quiet;

  /** The buffer the next read must go into. */
  get next(): Uint8Array {
    return this.#next;
  }

  /** Records that the read into {@linkcode next} returned `n` bytes, and whether a view of them was kept. */
  settle(n: number, kept: boolean): void {
    const buffer = this.#next;
    const full = n === buffer.byteLength;
    this.#burst += n;
    if (buffer === this.#quiet) {
      if (kept) {
        // Read behind the kept bytes while a burst like the last one still fits.
        this.#quiet = buffer.byteLength - n >= Math.max(this.#burst, 512)
          ? buffer.subarray(n)
          // A fresh buffer each time the consumer keeps the bytes of the last read (a body it buffers):
          // a region of the shared slab, since an ArrayBuffer per kept body cost a 4 KiB echo ~30% more
          // CPU per request on Deno (measured A/B, `bench/server --baseline`).
          : carveBytes(this.#quietSize);
      }
      if (full) this.#next = this.#busy();
      else this.#drained();
      return;
    }
    const slab = this.#slab as Uint8Array;
    if (kept) this.#slabUsed = buffer.byteOffset - slab.byteOffset + n;
    if (!full) {
      // Drained: the next bytes may be a long way off.
      this.#quietSlab = new WeakRef(slab);
      this.#slab = undefined;
      this.#drained();
    } else if (kept) this.#next = this.#busy();
  }

  /** The socket had no more bytes: size the quiet buffer for a burst like this one and read into it. */
  #drained(): void {
    const burst = this.#burst;
    this.#burst = 0;
    let size = QUIET_READ_SIZE;
    while (size < burst && size < MAX_QUIET_READ_SIZE) size *= 2;
    if (size !== this.#quietSize) {
      this.#quietSize = size;
      if (this.#quiet.byteLength < size || this.#quiet.byteLength > size * 2) {
        this.#quiet = new Uint8Array(size);
      }
    }
    this.#next = this.#quiet;
  }

  #busy(): Uint8Array {
    let slab = this.#slab ?? this.#quietSlab?.deref();
    this.#quietSlab = undefined;
    if (slab === undefined || slab.byteLength - this.#slabUsed < MIN_BUSY_READ_SIZE) {
      slab = new Uint8Array(BUSY_READ_SIZE);
      this.#slabUsed = 0;
    }
    this.#slab = slab;
    return this.#slabUsed === 0 ? slab : slab.subarray(this.#slabUsed);
  }
}
