/**
 * The write side shared by the adapters whose runtime writes asynchronously (Deno's `conn.write`, a Web
 * `WritableStream`): one write in flight; whatever is written meanwhile waits and goes out as ONE
 * coalesced buffer when it settles (fewer system calls under pipelining); a high-water mark turns
 * `write()` false and `onDrain` follows once everything is flushed.
 *
 * @module
 */

import { concatBytes } from "../io/_bytes.ts";
import { carveBytes } from "../io/_slab.ts";

/** `write()` returns `false` once more than this many bytes wait to be sent (Node's default for sockets). */
export const WRITE_HIGH_WATER_MARK = 64 * 1024;

/**
 * A copy of `chunk` that nobody else writes to: the runtime may read it until its write settles. Small
 * ones go into a region of the process's shared slab (a staging buffer per queue was memory per idle
 * connection; an ArrayBuffer per write costs Deno ~0.7 µs).
 */
function stage(chunk: Uint8Array): Uint8Array {
  const region = carveBytes(chunk.byteLength);
  region.set(chunk);
  return region;
}

/** What the queue reports to its adapter. */
export interface WriteQueueEvents {
  /** Everything that reported fullness has been flushed. */
  onDrain(): void;
  /** Nothing is in flight any more (after the last write, or after `stop()` once the op settled). */
  onIdle(): void;
  /** A write failed; the queue has stopped. */
  onError(error: unknown): void;
}

/**
 * Serializes writes to `send`, which resolves with the number of bytes written (fewer than given means
 * a partial write: the rest is sent next) or with nothing (all of it).
 */
export class WriteQueue {
  #send: (chunk: Uint8Array) => Promise<number | void>;
  #events: WriteQueueEvents;
  #current: Uint8Array | undefined;
  #queue: Uint8Array[] = [];
  #buffered = 0;
  #needDrain = false;
  #stopped = false;

  /** Creates a queue over `send`. */
  constructor(send: (chunk: Uint8Array) => Promise<number | void>, events: WriteQueueEvents) {
    this.#send = send;
    this.#events = events;
  }

  /** Bytes accepted but not yet handed to the runtime (the one in flight included). */
  get buffered(): number {
    return this.#buffered;
  }

  #idleWaiters: (() => void)[] = [];

  /** Resolves when nothing is in flight. */
  idle(): Promise<void> {
    if (this.#current === undefined) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  #notifyIdle(): void {
    const w = this.#idleWaiters;
    if (w.length === 0) return;
    this.#idleWaiters = [];
    for (const f of w) f();
  }

  /** Whether a write is in flight. */
  get busy(): boolean {
    return this.#current !== undefined;
  }

  /**
   * Queues `chunk`. With `transient`, the caller reuses the memory after the call, so it is copied into
   * the shared staging slab (a small chunk allocates nothing but its view).
   */
  write(chunk: Uint8Array, transient: boolean): boolean {
    if (this.#stopped) return false;
    const size = chunk.byteLength;
    if (size > 0) {
      this.#buffered += size;
      if (transient) chunk = stage(chunk);
      if (this.#current === undefined) this.#start(chunk);
      else this.#queue.push(chunk);
    }
    if (this.#buffered > WRITE_HIGH_WATER_MARK) {
      this.#needDrain = true;
      return false;
    }
    return true;
  }

  /**
   * `onDrain` once everything queued so far is flushed, though no write returned false (see
   * `TransportConn.requestDrain`); in a later microtask when nothing is in flight.
   */
  requestDrain(): void {
    if (this.#stopped) return;
    this.#needDrain = true;
    if (this.#current === undefined) queueMicrotask(this.#drainIfIdle);
  }

  readonly #drainIfIdle = (): void => {
    if (!this.#needDrain || this.#current !== undefined || this.#stopped) return;
    this.#needDrain = false;
    this.#events.onDrain();
  };

  /** Drops what waits; a write in flight settles, then `onIdle` fires. Later writes are refused. */
  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
    this.#buffered = 0;
    this.#needDrain = false;
  }

  #start(chunk: Uint8Array): void {
    this.#current = chunk;
    this.#send(chunk).then(this.#onWritten, this.#onError);
  }

  // Bound once per queue, so a write allocates no closure.
  readonly #onWritten = (written: number | void): void => {
    const current = this.#current as Uint8Array;
    if (this.#stopped) {
      this.#current = undefined;
      this.#notifyIdle();
      this.#events.onIdle();
      return;
    }
    const n = typeof written === "number" ? written : current.byteLength;
    this.#buffered -= n;
    if (n < current.byteLength) {
      this.#start(current.subarray(n));
      return;
    }
    const queue = this.#queue;
    if (queue.length > 0) {
      const next = queue.length === 1 ? queue[0] as Uint8Array : concatBytes(queue, this.#buffered);
      queue.length = 0;
      this.#start(next);
      return;
    }
    this.#current = undefined;
    if (this.#needDrain) {
      this.#needDrain = false;
      this.#events.onDrain();
    }
    this.#notifyIdle();
    this.#events.onIdle();
  };

  readonly #onError = (error: unknown): void => {
    this.#current = undefined;
    const wasStopped = this.#stopped;
    this.stop();
    if (!wasStopped) this.#events.onError(error);
    this.#notifyIdle();
    this.#events.onIdle();
  };
}
