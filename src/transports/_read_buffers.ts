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

/** Bytes per read while quiet. Most request and response heads fit; every idle connection holds one. */
export const QUIET_READ_SIZE = 2 * 1024;
/** Bytes per read while busy; the size Deno's own `conn.readable` reads with. */
export const BUSY_READ_SIZE = 64 * 1024;
/** Below this much free space behind kept bytes, busy reads move to a new slab. */
const MIN_BUSY_READ_SIZE = 16 * 1024;

/**
 * The buffers of one read loop.
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
  #quiet = new Uint8Array(QUIET_READ_SIZE);
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
    if (buffer === this.#quiet) {
      if (kept) this.#quiet = new Uint8Array(QUIET_READ_SIZE);
      this.#next = full ? this.#busy() : this.#quiet;
      return;
    }
    const slab = this.#slab as Uint8Array;
    if (kept) this.#slabUsed = buffer.byteOffset - slab.byteOffset + n;
    if (!full) {
      // Drained: the next bytes may be a long way off.
      this.#quietSlab = new WeakRef(slab);
      this.#slab = undefined;
      this.#next = this.#quiet;
    } else if (kept) this.#next = this.#busy();
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
