/**
 * `TransportConn.requestDrain()` for the adapters over a `node:stream` Writable (`duplexConn` for any
 * Duplex, the transports' `NodeSocketConn` for `node:net`/`node:tls` sockets): the stream says when its
 * bytes are flushed only through its write callbacks, so one shared callback per adapter watches them.
 *
 * @module
 */

/** The members of a Node Writable that tell whether its bytes are flushed. */
export interface FlushedStream {
  readonly writableLength: number;
  readonly writableNeedDrain?: boolean;
}

/**
 * One adapter's outstanding drain request. Pass {@linkcode FlushRequests.written} as the callback of every
 * write, call {@linkcode FlushRequests.request} from `requestDrain()`, and {@linkcode
 * FlushRequests.streamDrained} when the stream emits its own `'drain'` (which answers a request too).
 *
 * @example
 * ```ts ignore
 * const flushes = new FlushRequests(stream, () => handler.onDrain());
 * stream.write(bytes, flushes.written);
 * flushes.request(); // onDrain once `bytes` are flushed
 * ```
 */
export class FlushRequests {
  readonly #stream: FlushedStream;
  readonly #drain: () => void;
  #wanted = false;

  /** `drain` reports the flush (the adapter's `onDrain`, guarded by its own closed state). */
  constructor(stream: FlushedStream, drain: () => void) {
    this.#stream = stream;
    this.#drain = drain;
  }

  /**
   * Every write's callback (one function, no allocation per write): a requested drain once everything is
   * flushed, unless the stream's own `'drain'` is due (a write returned false), which reports it.
   */
  readonly written = (): void => {
    const stream = this.#stream;
    if (this.#wanted && stream.writableLength === 0 && !stream.writableNeedDrain) this.#fire();
  };

  /**
   * Asks for one drain: from the callback of the last write (not an empty write: Deno's `node:tls` fails
   * those with EPERM), or in a microtask when nothing is queued.
   */
  request(): void {
    if (this.#stream.writableLength > 0) this.#wanted = true;
    else queueMicrotask(this.#fire);
  }

  /** The stream emitted `'drain'`: that is the drain a request waited for. */
  streamDrained(): void {
    this.#wanted = false;
  }

  readonly #fire = (): void => {
    this.#wanted = false;
    this.#drain();
  };
}
