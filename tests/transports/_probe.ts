/**
 * Test helpers for transports: a handler that records what a connection reports and lets tests await it.
 *
 * @module
 */

import type { TransportConn, TransportHandler } from "../../src/io/transport.ts";

/** Records every callback of one connection; tests await its promises instead of sleeping. */
export class Probe implements TransportHandler {
  readonly conn: TransportConn;
  /** Copies of every chunk received, when `collect` is on. */
  readonly chunks: Uint8Array[] = [];
  received = 0;
  endCount = 0;
  drainCount = 0;
  closeCount = 0;
  closeError: Error | undefined;
  /** Called with each chunk before it is recorded. */
  onChunk: ((chunk: Uint8Array) => void) | undefined;
  readonly ended: PromiseWithResolvers<void> = Promise.withResolvers<void>();
  readonly closed: PromiseWithResolvers<Error | undefined> = Promise.withResolvers<Error | undefined>();
  #drained: PromiseWithResolvers<void> | undefined;
  #want = 0;
  #wanted: PromiseWithResolvers<void> | undefined;
  readonly #collect: boolean;

  constructor(conn: TransportConn, options: { collect?: boolean; paused?: boolean } = {}) {
    this.conn = conn;
    this.#collect = options.collect ?? true;
    if (options.paused) conn.pause();
    conn.start(this);
  }

  onData(chunk: Uint8Array): boolean {
    this.onChunk?.(chunk);
    this.received += chunk.byteLength;
    if (this.#collect) this.chunks.push(chunk.slice());
    if (this.#wanted !== undefined && this.received >= this.#want) {
      this.#wanted.resolve();
      this.#wanted = undefined;
    }
    return false;
  }

  onEnd(): void {
    this.endCount++;
    this.ended.resolve();
  }

  onDrain(): void {
    this.drainCount++;
    this.#drained?.resolve();
    this.#drained = undefined;
  }

  onClose(error: Error | undefined): void {
    this.closeCount++;
    this.closeError = error;
    this.#wanted?.reject(error ?? new Error("Connection closed before the awaited bytes arrived"));
    this.closed.resolve(error);
  }

  /** Resolves once at least `n` bytes have arrived in total. */
  receivedAtLeast(n: number): Promise<void> {
    if (this.received >= n) return Promise.resolve();
    this.#want = n;
    this.#wanted = Promise.withResolvers<void>();
    return this.#wanted.promise;
  }

  /** Resolves at the next `onDrain`. */
  drained(): Promise<void> {
    this.#drained ??= Promise.withResolvers<void>();
    return this.#drained.promise;
  }

  /** Everything received, as one buffer. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.received);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }
}

/** `size` bytes of a pattern that shifts every 251 bytes, so a misplaced slice cannot compare equal. */
export function pattern(size: number, seed = 0): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 7 + Math.floor(i / 251) + seed) & 0xff;
  return out;
}
