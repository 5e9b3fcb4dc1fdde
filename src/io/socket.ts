/**
 * The one `Socket` type handed out by `'connection'`, `'upgrade'`, `'connect'` and `req.socket`: Node's
 * familiar `write`/`end`/`destroy` and `'data'`/`'end'`/`'close'`/`'error'` events, address fields, and
 * `readable`/`writable` Web Streams over the same bytes.
 *
 * While an HTTP connection owns the socket, bytes go to that owner (a {@linkcode SocketConsumer}) and no
 * `'data'` events fire. After an upgrade or CONNECT the owner lets go and the socket is raw: bytes are
 * emitted as `'data'` (buffered until a `'data'` listener, an iterator or the `readable` stream asks).
 *
 * @module
 */

import {
  SystemError,
  type TlsConnectOptions,
  type TransportConn,
  type TransportHandler,
} from "./transport.ts";
import { SocketBase } from "./socket_base.ts";
import { StringDecoder, toBytes } from "./_bytes.ts";
import { IdleTimer } from "./_idle_timer.ts";
import { RawQueue } from "./_raw_queue.ts";

/** Events of a {@linkcode Socket}. */
export interface SocketEvents {
  /** Other events (the map is open, as Node's). */
  [key: string | symbol]: unknown[];
  /** Bytes from the peer (a string after `setEncoding`). Raw mode only. */
  data: [chunk: Uint8Array | string];
  /** The peer ended its side. */
  end: [];
  /** Queued writes flushed. */
  drain: [];
  /** Fully closed. */
  close: [hadError: boolean];
  /** A transport error. */
  error: [err: Error & { code?: string }];
  /** No activity for the time given to `setTimeout`. */
  timeout: [];
}

/** Who receives a socket's bytes while an HTTP connection owns it. */
export interface SocketConsumer {
  /** Bytes arrived; return true if a view of `chunk` was kept past the call. */
  onData(chunk: Uint8Array): boolean;
  /** The peer sent EOF. */
  onEnd(): void;
  /** Writes drained. */
  onDrain(): void;
  /** The socket closed. */
  onClose(error: Error | undefined): void;
}

/**
 * Internal: hands the socket's transport connection to `conn.startTls` (when the adapter has it) and
 * leaves this socket closed without events; resolves with the encrypted connection. Undefined when the
 * adapter cannot layer TLS itself.
 */
export const kStartTls: unique symbol = Symbol("wire.startTls");

/** Internal: installs or removes (`null`) the owner of a socket's bytes. Not part of the public API. */
export const kSetConsumer: unique symbol = Symbol("wire.setConsumer");

/** Keep at most this many unread bytes in raw mode before pausing the transport (Node's socket default). */
const RAW_HIGH_WATER_MARK = 16 * 1024;

/**
 * A connected byte stream (TCP or unix).
 *
 * @example
 * ```ts ignore
 * import { createServer } from "@wire/http";
 * const server = createServer();
 * server.on("connection", (socket) => console.log(socket.remoteAddress, socket.remotePort));
 * ```
 */
export class Socket extends SocketBase {
  /** Remote IP address (or unix socket path). */
  readonly remoteAddress: string;
  /** Remote port (0 for unix sockets). */
  readonly remotePort: number;
  /** `"IPv4"`, `"IPv6"` or `"unix"`. */
  readonly remoteFamily: string;
  /** Local IP address (or unix socket path). */
  readonly localAddress: string;
  /** Local port (0 for unix sockets). */
  readonly localPort: number;
  /** Bytes received so far. */
  bytesRead = 0;
  /** Bytes handed to the transport so far. */
  bytesWritten = 0;
  /** True once `destroy()` ran or the connection closed. */
  destroyed = false;
  /** True once the peer has ended its side. */
  readableEnded = false;
  /** True once `end()` was called. */
  writableEnded = false;

  #conn: TransportConn;
  #consumer: SocketConsumer | null = null;
  readonly #raw = new RawQueue();
  #userPaused = false;
  #transportPaused = false;
  #decoder: StringDecoder | undefined;
  readonly #idle = new IdleTimer(() => this.emit("timeout"), () => !this.destroyed);
  #closed = false;
  #hadError = false;
  /** Why the socket closed, when it failed: the `readable` stream errors with it instead of ending. */
  #closeError: Error | undefined;
  #readable: ReadableStream<Uint8Array> | undefined;
  #writable: WritableStream<Uint8Array> | undefined;
  #drainWaiters: (() => void)[] = [];

  /** Wraps an open transport connection and starts reading from it. */
  constructor(conn: TransportConn) {
    super(conn.tls);
    this.#conn = conn;
    this.remoteAddress = conn.remote.address;
    this.remotePort = conn.remote.port;
    this.remoteFamily = conn.remote.family;
    this.localAddress = conn.local.address;
    this.localPort = conn.local.port;
    const handler: TransportHandler = {
      onData: (chunk) => this.#onData(chunk),
      onEnd: () => this.#onEnd(),
      onDrain: () => this.#onDrain(),
      onClose: (error) => this.#onClose(error),
    };
    conn.start(handler);
  }

  /** Node's `socket.address()`: the local end. */
  address(): { address: string; port: number; family: string } {
    return { address: this.localAddress, port: this.localPort, family: this.#conn.local.family };
  }

  /** Bytes queued for sending but not yet handed to the OS. */
  get writableLength(): number {
    return this.#conn.bufferedAmount;
  }

  /** Bytes to the peer as a Web stream; closing it half-closes the socket, aborting it destroys it. */
  get writable(): WritableStream<Uint8Array> {
    this.#writable ??= new WritableStream<Uint8Array>({
      write: (chunk) => {
        if (this.destroyed) throw new Error("Socket is closed");
        if (this.write(chunk)) return Promise.resolve();
        return new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
      },
      close: () => {
        this.end();
      },
      abort: (reason) => {
        this.destroy(reason instanceof Error ? reason : undefined);
      },
    });
    return this.#writable;
  }

  /** The peer's bytes as a Web stream (raw mode only: after an upgrade/CONNECT, or on a client socket). */
  get readable(): ReadableStream<Uint8Array> {
    this.#readable ??= new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        while (this.#raw.length === 0 && !this.readableEnded && !this.#closed) {
          await this.#raw.wait(() => this.#updateFlow());
        }
        const chunk = this.#raw.shift();
        if (chunk) {
          controller.enqueue(chunk);
          this.#updateFlow();
        } else if (this.#closeError) controller.error(this.#closeError);
        else controller.close();
      },
      cancel: () => {
        this.destroy();
      },
    }, { highWaterMark: 0 });
    return this.#readable;
  }

  /**
   * Sends bytes (strings are encoded as UTF-8, or `encoding`). Returns `false` when the send queue is
   * full; `'drain'` follows.
   */
  write(
    chunk: Uint8Array | string,
    encoding?: string | ((err?: Error) => void),
    callback?: (err?: Error) => void,
  ): boolean {
    if (typeof encoding === "function") {
      callback = encoding;
      encoding = undefined;
    }
    if (this.destroyed || this.writableEnded) {
      const err = new SystemError("EPIPE", "This socket has been ended by the other party", "write");
      if (callback) queueMicrotask(() => callback!(err));
      return false;
    }
    const bytes = toBytes(chunk, encoding);
    this.bytesWritten += bytes.byteLength;
    this.#idle.touch();
    const ok = bytes.byteLength === 0 ? this.#conn.bufferedAmount === 0 : this.#conn.write(bytes);
    if (callback) {
      if (ok) queueMicrotask(() => callback!());
      else this.#drainWaiters.push(() => callback!());
    }
    return ok;
  }

  /** Writes optional final bytes, then half-closes (FIN) once everything queued is sent. */
  end(
    chunk?: Uint8Array | string | (() => void),
    encoding?: string | (() => void),
    callback?: () => void,
  ): this {
    if (typeof chunk === "function") {
      callback = chunk;
      chunk = undefined;
    } else if (typeof encoding === "function") {
      callback = encoding;
      encoding = undefined;
    }
    if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
    if (!this.writableEnded && !this.destroyed) {
      this.writableEnded = true;
      this.#conn.end();
    }
    if (callback) queueMicrotask(callback);
    return this;
  }

  /**
   * @ignore Internal: sends bytes the caller reuses right after the call returns (the transport copies what it
   * cannot send at once). For the HTTP layers' scratch buffers; users call `write()`.
   */
  sendTransient(bytes: Uint8Array): boolean {
    if (this.destroyed || this.writableEnded) return false;
    this.bytesWritten += bytes.byteLength;
    this.#idle.touch();
    return this.#conn.write(bytes, true);
  }

  /** Closes both directions now; queued writes are dropped. `'error'` (if `error`) then `'close'` follow. */
  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    if (error) {
      this.#hadError = true;
      this.#closeError ??= error;
    }
    this.#idle.clear();
    this.#conn.destroy(error);
    if (error) queueMicrotask(() => this.#emitError(error));
    return this;
  }

  /** Same as `destroy()`, for Node's `resetAndDestroy()` callers. */
  resetAndDestroy(): this {
    return this.destroy();
  }

  /** Stops `'data'` (raw mode) and stops reading the socket. */
  pause(): this {
    this.#userPaused = true;
    this.#updateFlow();
    return this;
  }

  /** Resumes `'data'` (raw mode) and reading. */
  resume(): this {
    this.#userPaused = false;
    this.#flushRaw();
    this.#updateFlow();
    return this;
  }

  /** Decodes `'data'` chunks as text with one of Node's encodings (`utf8`, `latin1`, `hex`, `base64`, ...). */
  setEncoding(encoding = "utf8"): this {
    this.#decoder = new StringDecoder(encoding);
    return this;
  }

  /**
   * Emits `'timeout'` after `ms` without reads or writes (0 turns it off); `callback` is added as a
   * `'timeout'` listener. The socket is not closed: that is the listener's call, as in Node.
   */
  setTimeout(ms: number, callback?: () => void): this {
    if (callback) this.once("timeout", callback);
    this.#idle.set(ms);
    return this;
  }

  /** Turns Nagle's algorithm off (default true). */
  setNoDelay(noDelay = true): this {
    if (noDelay !== this.#noDelay) {
      this.#noDelay = noDelay;
      this.#conn.setNoDelay(noDelay);
    }
    return this;
  }

  #noDelay: boolean | undefined;

  /** Enables TCP keep-alive probes. */
  setKeepAlive(enable = false, initialDelay = 0): this {
    // A system call each time; pools call this on every reuse, so repeats are skipped (as Node does).
    const setting = enable ? initialDelay : -1;
    if (setting !== this.#keepAliveSetting) {
      this.#keepAliveSetting = setting;
      this.#conn.setKeepAlive(enable, initialDelay);
    }
    return this;
  }

  #keepAliveSetting = -1;

  /** Node compatibility: sockets here are never unref'd from the event loop. */
  ref(): this {
    return this;
  }

  /** Node compatibility: sockets here are never unref'd from the event loop. */
  unref(): this {
    return this;
  }

  /** Iterates raw bytes (raw mode). */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    const reader = this.readable.getReader();
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }

  /** @ignore Internal: hands the bytes to an HTTP connection (`consumer`) or back to raw mode (`null`). */
  [kSetConsumer](consumer: SocketConsumer | null): void {
    this.#consumer = consumer;
    // HTTP traffic alternates request and response; a raw socket's directions are independent.
    this.#conn.alternate?.(consumer !== null);
    if (!consumer) {
      this.#flushRaw();
      this.#updateFlow();
    }
  }

  /** @ignore Internal: see {@linkcode kStartTls}. */
  [kStartTls](options: TlsConnectOptions): Promise<TransportConn> | undefined {
    const conn = this.#conn;
    if (conn.startTls === undefined) return undefined;
    // The contract wants reading paused first; the adapter then detaches our handler, and this object is
    // spent without 'close' (the bytes live on in the encrypted connection).
    conn.pause();
    this.destroyed = true;
    this.#closed = true;
    this.#idle.clear();
    return conn.startTls(options);
  }

  /** @ignore Internal: pauses or resumes the transport on behalf of the owning HTTP connection. */
  setReadPaused(paused: boolean): void {
    this.#ownerPaused = paused;
    this.#updateFlow();
  }

  #ownerPaused = false;

  /** @ignore Internal hook, for the package's own layers. */
  protected override listenerAdded(event: string | symbol): void {
    if (event === "data" && !this.#consumer) {
      this.#flushRaw();
      this.#updateFlow();
    }
  }

  #onData(chunk: Uint8Array): boolean {
    this.bytesRead += chunk.byteLength;
    this.#idle.touch();
    if (this.#consumer) return this.#consumer.onData(chunk);
    this.#raw.push(chunk);
    this.#flushRaw();
    this.#raw.wake();
    this.#updateFlow();
    return true;
  }

  #onEnd(): void {
    this.readableEnded = true;
    if (this.#consumer) {
      this.#consumer.onEnd();
      return;
    }
    this.#raw.wake();
    this.#maybeEmitEnd();
  }

  #endEmitted = false;

  #maybeEmitEnd(): void {
    if (this.readableEnded && this.#raw.length === 0 && !this.#endEmitted) {
      this.#endEmitted = true;
      this.emit("end");
    }
  }

  #onDrain(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
    if (this.#consumer) this.#consumer.onDrain();
    this.emit("drain");
  }

  #onClose(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    if (error) this.#closeError ??= error;
    this.destroyed = true;
    this.#idle.clear();
    this.#raw.wake();
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
    const consumer = this.#consumer;
    if (consumer) consumer.onClose(error);
    else if (!this.#endEmitted && this.#raw.length === 0 && this.readableEnded) this.#maybeEmitEnd();
    if (error && !this.#hadError) {
      this.#hadError = true;
      this.#emitError(error);
    }
    this.emit("close", this.#hadError);
  }

  #emitError(error: Error): void {
    if (this.listenerCount("error") > 0) this.emit("error", error);
  }

  /** Emits queued raw bytes while someone listens for `'data'` and the socket is not paused. */
  #flushRaw(): void {
    if (this.#consumer || this.#userPaused || this.listenerCount("data") === 0) return;
    while (this.#raw.length > 0 && !this.#userPaused && !this.#consumer) {
      const chunk = this.#raw.shift()!;
      this.emit("data", this.#decoder ? this.#decoder.write(chunk) : chunk);
    }
    this.#maybeEmitEnd();
  }

  /** Reads from the transport only when someone will take the bytes. */
  #updateFlow(): void {
    const shouldPause = this.#ownerPaused ||
      (!this.#consumer && (this.#userPaused || this.#raw.bytes >= RAW_HIGH_WATER_MARK));
    if (shouldPause !== this.#transportPaused && !this.#closed) {
      this.#transportPaused = shouldPause;
      if (shouldPause) this.#conn.pause();
      else this.#conn.resume();
    }
  }
}
