/**
 * A connection still being opened (TCP, or TLS until its handshake is done), standing in for it so an
 * Agent can hand out its socket at once, as Node's `net.connect` and `tls.connect` do (the request's
 * `'socket'` comes before `'connect'`, `socket.connecting` is true, `setTimeout` and the `timeout` option
 * apply to it, and a `lookup` that never answers leaves it connecting). Writes and settings wait here and go to the real connection once it opened; a failure to
 * open is its close, with the error.
 *
 * Once open, every call goes straight through (one extra call per write; reads do not pass here).
 *
 * @module
 */

import type { TransportAddress, TransportConn, TransportHandler, TransportTls } from "../io/transport.ts";

/** Node's socket fields before connecting are undefined. */
const NOT_YET = { address: undefined, port: undefined, family: undefined } as unknown as TransportAddress;
/** Queued bytes past which `write` asks the writer to wait for `onDrain` (Node's socket default). */
const HIGH_WATER_MARK = 16 * 1024;

/**
 * A {@linkcode TransportConn} that becomes the connection `opening` resolves to. Internal.
 *
 * @example
 * ```ts ignore
 * const pending = new PendingConn(transport.connect({ hostname: "127.0.0.1", port: 8080 }));
 * const socket = new Socket(pending); // socket.connecting is true until it opens
 * pending.onConnect = () => socket.emit("connect");
 * ```
 */
export class PendingConn implements TransportConn {
  #real: TransportConn | undefined;
  #handler: TransportHandler | undefined;
  #queued: Uint8Array[] = [];
  #queuedBytes = 0;
  #needDrain = false;
  #ended = false;
  #closed = false;
  #paused = false;
  #alternate: boolean | undefined;
  #noDelay: boolean | undefined;
  #keepAlive: [boolean, number] | undefined;
  #unref: boolean | undefined;
  /** Called once the connection is open, before anything reaches it (its TLS session is known then). */
  onOpen: (() => void) | undefined;
  /** Called once the connection is open and its queued writes went out (the socket's `'connect'`). */
  onConnect: (() => void) | undefined;
  /** True for a TLS connection, also while it opens (the socket's `encrypted`). */
  readonly encrypted: boolean;

  /**
   * Stands in for the connection `opening` resolves to; a rejection closes it with that error.
   * `encrypted`: the connection will be TLS (its session facts come once it opened).
   */
  constructor(opening: Promise<TransportConn>, encrypted = false) {
    this.encrypted = encrypted;
    // A failure is reported a macrotask later, as a socket's connect error comes from I/O: the request
    // that was handed this socket binds to it first (its nextTick), and hears the error as its own.
    opening.then(
      (conn) => this.#open(conn),
      (error: Error) => {
        if (!this.#closed) setTimeout(() => this.#fail(error), 0);
      },
    );
  }

  /** True until the connection opened (or failed). */
  get connecting(): boolean {
    return this.#real === undefined && !this.#closed;
  }

  get local(): TransportAddress {
    return this.#real?.local ?? NOT_YET;
  }

  get remote(): TransportAddress {
    return this.#real?.remote ?? NOT_YET;
  }

  get tls(): TransportTls | undefined {
    return this.#real?.tls;
  }

  get bufferedAmount(): number {
    return this.#real?.bufferedAmount ?? this.#queuedBytes;
  }

  start(handler: TransportHandler): void {
    this.#handler = handler;
    this.#real?.start(handler);
  }

  write(chunk: Uint8Array, transient?: boolean): boolean {
    if (this.#real !== undefined) return this.#real.write(chunk, transient);
    if (this.#closed) return false;
    this.#queued.push(transient ? chunk.slice() : chunk);
    this.#queuedBytes += chunk.byteLength;
    if (this.#queuedBytes < HIGH_WATER_MARK) return true;
    this.#needDrain = true;
    return false;
  }

  pause(): void {
    if (this.#real !== undefined) this.#real.pause();
    else this.#paused = true;
  }

  resume(): void {
    if (this.#real !== undefined) this.#real.resume();
    else this.#paused = false;
  }

  end(): void {
    if (this.#real !== undefined) this.#real.end();
    else this.#ended = true;
  }

  destroy(error?: Error): void {
    if (this.#real !== undefined) {
      this.#real.destroy(error);
      return;
    }
    // Closed before it opened: a connection that opens later is closed at once (see #open).
    this.#fail(error);
  }

  alternate(on: boolean): void {
    if (this.#real !== undefined) this.#real.alternate?.(on);
    else this.#alternate = on;
  }

  setNoDelay(noDelay: boolean): void {
    if (this.#real !== undefined) this.#real.setNoDelay(noDelay);
    else this.#noDelay = noDelay;
  }

  setKeepAlive(enable: boolean, initialDelayMs: number): void {
    if (this.#real !== undefined) this.#real.setKeepAlive(enable, initialDelayMs);
    else this.#keepAlive = [enable, initialDelayMs];
  }

  unref(): void {
    if (this.#real !== undefined) this.#real.unref?.();
    else this.#unref = true;
  }

  ref(): void {
    if (this.#real !== undefined) this.#real.ref?.();
    else this.#unref = false;
  }

  #open(conn: TransportConn): void {
    if (this.#closed) {
      conn.destroy();
      return;
    }
    this.#real = conn;
    this.onOpen?.();
    if (this.#alternate !== undefined) conn.alternate?.(this.#alternate);
    if (this.#noDelay !== undefined) conn.setNoDelay(this.#noDelay);
    if (this.#keepAlive !== undefined) conn.setKeepAlive(...this.#keepAlive);
    if (this.#unref === true) conn.unref?.();
    if (this.#handler !== undefined) conn.start(this.#handler);
    if (this.#paused) conn.pause();
    const queued = this.#queued;
    this.#queued = [];
    this.#queuedBytes = 0;
    let flushed = true;
    for (const chunk of queued) flushed = conn.write(chunk);
    if (this.#ended) conn.end();
    this.onConnect?.();
    if (this.#needDrain && flushed) this.#handler?.onDrain();
  }

  #fail(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queued = [];
    this.#handler?.onClose(error);
  }
}
