/**
 * The bytes a raw (upgraded, CONNECT or client) socket received that nobody has taken yet, with their
 * total size for backpressure and the one reader (the `readable` stream's pull) waiting for more.
 *
 * @module
 */

/** Unread raw chunks of one socket. Internal to the io layer. */
export class RawQueue {
  readonly #chunks: Uint8Array[] = [];
  #bytes = 0;
  #waiter: (() => void) | undefined;

  /** Number of chunks waiting. */
  get length(): number {
    return this.#chunks.length;
  }

  /** Bytes waiting, summed. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds a chunk (the caller wakes the reader once `'data'` listeners had their turn). */
  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
  }

  /** Takes the oldest chunk, if any. */
  shift(): Uint8Array | undefined {
    const chunk = this.#chunks.shift();
    if (chunk) this.#bytes -= chunk.byteLength;
    return chunk;
  }

  /** Resolves on the next {@linkcode wake}; `armed` runs once the waiter is set. */
  wait(armed: () => void): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#waiter = resolve;
      armed();
    });
  }

  /** Wakes the waiting reader (new bytes, end or close). */
  wake(): void {
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w();
    }
  }
}
