/**
 * The one `Socket` type handed out by `'connection'`, `'upgrade'`, `'connect'` and `req.socket`: a
 * `node:stream` `Duplex` with the `net.Socket` members libraries use (`cork`, `unshift`, `setTimeout`,
 * `setNoDelay`, `setKeepAlive`, `address()`, `remoteAddress`, `bytesRead`, `readyState`, ...).
 *
 * While an HTTP connection owns the socket, bytes go to that owner (a {@linkcode SocketConsumer}) and
 * the readable side stays empty, as a Node socket's does while its parser consumes it; the peer's FIN
 * still ends it (`'end'`, `readableEnded`), after the owner acted on it, as in Node. After an upgrade
 * or CONNECT the owner lets go and the socket is raw: bytes are pushed into the readable side, as
 * `Buffer`s, with the stream's own backpressure (a full queue pauses the transport).
 *
 * Writes from the HTTP layers take a shortcut ({@linkcode Socket.sendTransient}) past the `Writable`
 * machinery: a response is one transport write, with no per-write callback state. Users' `write()`
 * calls go through `Writable` (callbacks, `cork()`, `'drain'`, `'finish'`) to the same transport.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { nextTick } from "node:process";
import type { Duplex } from "node:stream";
import { duplexConn } from "./duplex_conn.ts";
import type { TlsConnectOptions, TransportAddress, TransportConn, TransportHandler } from "./transport.ts";
import { SocketBase } from "./socket_base.ts";
import { identityPrototype } from "./net_identity.ts";
import { readableState } from "./_readable_state.ts";
import { IdleTimer } from "./_idle_timer.ts";
import { invalidArgType, outOfRange } from "./_node_errors.ts";
import { HttpUsageError } from "../core/errors.ts";

/** Events of a {@linkcode Socket}, with their listener arguments. */
export interface SocketEvents {
  /** Bytes from the peer (a string after `setEncoding`). Raw mode only. */
  data: [chunk: Buffer | string];
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
  /**
   * The peer sent EOF. The socket's `'end'` is emitted as this returns (a tick later if the owner had
   * reading paused), unless it returns false: the owner then acts later and calls `socket[kEmitEnd]()`
   * (or the socket's close emits it).
   */
  onEnd(): boolean | void;
  /** Writes drained. */
  onDrain(): void;
  /** The socket closed. */
  onClose(error: Error | undefined): void;
  /** The idle timeout fired (after the socket's own `'timeout'` listeners). */
  onTimeout?(): void;
}

/**
 * Internal: hands the socket's transport connection to `conn.startTls` (when the adapter has it) and
 * leaves this socket closed without events; resolves with the encrypted connection. Undefined when the
 * adapter cannot layer TLS itself.
 */
export const kStartTls: unique symbol = Symbol("wire.startTls");

/**
 * Internal: called once the socket has closed, after its `'close'`. The server follows sockets it handed
 * over through this rather than a `'close'` listener, so a handed-over socket carries none of its
 * listeners (as in Node).
 */
export const kClosed: unique symbol = Symbol("wire.closed");

/**
 * Internal: `socket[kWhenFlushed](done)` calls `done` once every byte the socket was given is handed to
 * the OS (the moment of a Node write's callback); false, and no call, when they already are, or when the
 * transport cannot tell (no `requestDrain`).
 */
export const kWhenFlushed: unique symbol = Symbol("wire.whenFlushed");

/**
 * Internal: `socket[kEmitEnd]()` emits the peer's `'end'` held back by an owner whose `onEnd` returned
 * false (it acts on the FIN later), once it has acted.
 */
export const kEmitEnd: unique symbol = Symbol("wire.emitEnd");

/** Internal: installs or removes (`null`) the owner of a socket's bytes. Not part of the public API. */
export const kSetConsumer: unique symbol = Symbol("wire.setConsumer");

/**
 * A socket's default `readableHighWaterMark` and `writableHighWaterMark`, which its messages take too:
 * Node 20's default for streams (Node 22 raised it to 64 KiB). Given explicitly because Deno's and Bun's
 * `node:stream` already default to 64 KiB. Measured against 64 KiB (bench/upload, and an upload sink
 * reading with `for await`, interleaved runs): server CPU per upload the same within the noise.
 */
export const SOCKET_HIGH_WATER_MARK = 16 * 1024;

/** Options of `new Socket(conn, options)`: the queue sizes, as `net.Socket` takes them. */
export interface SocketOptions {
  /** Both queue sizes (Node's server and request option `highWaterMark`). */
  highWaterMark?: number;
  /** Bytes read and not yet consumed before the transport is paused; message bodies take it too. */
  readableHighWaterMark?: number;
  /** Bytes queued for writing at which `write()` returns false. */
  writableHighWaterMark?: number;
  /**
   * `net.Socket`'s: false (the default, as `net.connect()`'s sockets) ends the writable side a tick after
   * the peer's FIN once the socket is raw (no HTTP connection reads it: after an upgrade or CONNECT), and a
   * write after that end fails with `EPIPE`. HTTP servers' sockets are half-open (true), as Node's.
   */
  allowHalfOpen?: boolean;
}

type Callback = (error?: Error | null) => void;

/**
 * Runs `fn` in a later turn of the event loop: the runtime's `setImmediate` (Deno, Bun, workerd with
 * nodejs_compat), else a zero timer. Global rather than `node:timers`, which the edge entry does not load.
 */
const nextTurn: (fn: () => void) => void =
  (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate?.bind(globalThis) ??
    ((fn) => setTimeout(fn, 0));

/**
 * A connected byte stream (TCP, unix or TLS): a `stream.Duplex` shaped like `net.Socket`.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "@wire/http";
 * const server = createServer();
 * server.on("connection", (socket) => console.log(socket.remoteAddress, socket.remotePort));
 * server.on("upgrade", (_req, socket, head) => {
 *   socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
 *   socket.write(head);
 *   socket.pipe(socket);
 * });
 * ```
 */
export class Socket extends SocketBase {
  /** Bytes received so far. */
  bytesRead = 0;
  /** Bytes handed to the transport so far. */
  bytesWritten = 0;
  /** Milliseconds of the idle timeout set with `setTimeout()`, or undefined. */
  timeout: number | undefined = undefined;

  #conn: TransportConn;
  #consumer: SocketConsumer | null = null;
  /** The user paused the socket (`pause()`), or the raw queue is full and nobody read yet. */
  #userPaused = false;
  #rawFull = false;
  #ownerPaused = false;
  #transportPaused = false;
  #peerEnded = false;
  #endPushed = false;
  readonly #idle = new IdleTimer(() => {
    this.emit("timeout");
    this.#consumer?.onTimeout?.();
  }, () => !this.destroyed);
  #closed = false;
  #closeError: Error | undefined;
  #writeCallbacks: Callback[] = [];
  #destroyCallback: Callback | undefined;
  /** @ignore Internal: see {@linkcode kClosed}. */
  [kClosed]: (() => void) | undefined = undefined;

  /** Wraps an open transport connection and starts reading from it. */
  constructor(conn: TransportConn, options?: SocketOptions) {
    // Half-open and 'close' are ours to manage: an HTTP connection decides when to end its side, and
    // 'close' carries `hadError` as net.Socket's does.
    const both = options?.highWaterMark ?? SOCKET_HIGH_WATER_MARK;
    super(conn, {
      allowHalfOpen: true,
      emitClose: false,
      readableHighWaterMark: options?.readableHighWaterMark ?? both,
      writableHighWaterMark: options?.writableHighWaterMark ?? both,
    });
    // The stream ends the writable side after 'end' only when this is false. While an HTTP connection
    // reads the socket it acts on the FIN itself, and the socket emits that 'end' outside the stream's
    // own end-of-stream step, so the setting applies once the socket is raw, as the option says.
    this.allowHalfOpen = options?.allowHalfOpen ?? false;
    // As net.Socket, whose own first 'end' listener this is (libraries count the listeners).
    this.on("end", onReadableStreamEnd);
    this.#conn = conn;
    this.#writeMark = this.writableHighWaterMark;
    const handler: TransportHandler = {
      onData: (chunk) => this.#onData(chunk),
      onEnd: () => this.#onEnd(),
      onDrain: () => this.#onDrain(),
      onClose: (error) => this.#onClose(error),
    };
    conn.start(handler);
  }

  /**
   * `instanceof Socket` by brand: it holds whichever prototype the socket wears (see net_identity.ts); a
   * subclass checks its prototype as usual.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== Socket) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && #conn in value;
  }

  // The address getters are Node's: undefined while connecting and on a unix socket (Node reports neither
  // path nor port there; `server.address()` has the path). `remote` keeps the transport's view.

  /** Remote IP address; undefined while connecting and on a unix socket, as Node's. */
  get remoteAddress(): string | undefined {
    return ipEnd(this.#conn.remote)?.address;
  }

  /** Remote port; undefined while connecting and on a unix socket, as Node's. */
  get remotePort(): number | undefined {
    return ipEnd(this.#conn.remote)?.port;
  }

  /** `"IPv4"` or `"IPv6"`; undefined while connecting and on a unix socket, as Node's. */
  get remoteFamily(): "IPv4" | "IPv6" | undefined {
    return ipEnd(this.#conn.remote)?.family;
  }

  /** Local IP address; undefined while connecting and on a unix socket, as Node's. */
  get localAddress(): string | undefined {
    return ipEnd(this.#conn.local)?.address;
  }

  /** Local port; undefined while connecting and on a unix socket, as Node's. */
  get localPort(): number | undefined {
    return ipEnd(this.#conn.local)?.port;
  }

  /** Node's: the local end's IP family, `"IPv4"` or `"IPv6"`; undefined on a unix socket, as Node's. */
  get localFamily(): "IPv4" | "IPv6" | undefined {
    return ipEnd(this.#conn.local)?.family;
  }

  /** Node's: true until the connection is open (a client's socket handed out before it connected). */
  get connecting(): boolean {
    return this.#conn.connecting === true;
  }

  /** Node's: true until the connection is open. */
  get pending(): boolean {
    return this.#conn.connecting === true;
  }

  /** Node's `socket.address()`: the local end; `{}` on a unix socket, as Node's. */
  address(): { address: string; port: number; family: string } | Record<string, never> {
    const local = ipEnd(this.#conn.local);
    return local === undefined ? {} : { address: local.address, port: local.port, family: local.family };
  }

  /** Node's `readyState`: `"open"`, `"readOnly"`, `"writeOnly"` or `"closed"`. */
  get readyState(): "open" | "readOnly" | "writeOnly" | "closed" {
    const readable = !this.#peerEnded && !this.destroyed;
    const writable = !this.writableEnded && !this.destroyed;
    if (readable && writable) return "open";
    if (readable) return "readOnly";
    if (writable) return "writeOnly";
    return "closed";
  }

  /**
   * Node's `writableLength`: bytes written but not yet handed to the OS, including what the HTTP layers
   * sent past the `Writable` (a request body the peer is not reading yet).
   */
  // @ts-ignore: Duplex declares it a property; at run time it is an accessor, which this one overrides.
  override get writableLength(): number {
    const state = (this as unknown as { _writableState: { length: number } })._writableState;
    return state.length + this.#conn.bufferedAmount;
  }

  /** Node's `bufferSize` (deprecated alias of `writableLength`). */
  get bufferSize(): number {
    return this.writableLength;
  }

  /**
   * The peer's address as the transport reports it: `{ address, port, family }`, on a unix socket the
   * path, port 0 and `"unix"` (where Node's getters say undefined).
   */
  get remote(): { address: string; port: number; family: string } {
    const { address, port, family } = this.#conn.remote;
    return { address, port, family };
  }

  /**
   * @ignore Internal: sends bytes the caller reuses right after the call returns (the transport copies what it
   * cannot send at once). For the HTTP layers' scratch buffers; users call `write()`.
   */
  sendTransient(bytes: Uint8Array): boolean {
    return this.#send(bytes, true);
  }

  /** @ignore Internal: sends bytes the caller hands over (the HTTP layers' path past `Writable`). */
  send(bytes: Uint8Array): boolean {
    return this.#send(bytes, false);
  }

  /**
   * The HTTP layers' writes, with Node's rule for a socket's `write()`: false once the bytes not yet
   * flushed, these included, reach `writableHighWaterMark`, even when the OS takes them at once (a chunk
   * as large as the mark always says "wait"), and the drain follows the flush. The transport's own mark
   * may be higher, so it is asked for that drain.
   */
  #send(bytes: Uint8Array, transient: boolean): boolean {
    if (this.destroyed || this.writableEnded) return false;
    const size = bytes.byteLength;
    this.bytesWritten += size;
    this.#idle.touch();
    const conn = this.#conn;
    const full = conn.bufferedAmount + size >= this.#writeMark;
    const accepted = conn.write(bytes, transient);
    if (!full || !accepted || conn.requestDrain === undefined) return accepted;
    conn.requestDrain();
    return false;
  }

  /** `writableHighWaterMark`, read once: the stream's getter is a hop on every response. */
  readonly #writeMark: number;

  /** Ends the writable side once queued writes are sent, and closes the socket soon after (Node's). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once("finish", () => this.destroy());
  }

  /** Same as `destroy()`, for Node's `resetAndDestroy()` callers. */
  resetAndDestroy(): this {
    return this.destroy();
  }

  /**
   * Stops `'data'`. An HTTP connection's socket stops reading; a raw one reads on until its queue is full
   * (as net.Socket), so the peer's end is still seen.
   */
  override pause(): this {
    super.pause();
    this.#userPaused = true;
    this.#updateFlow();
    return this;
  }

  /** Resumes `'data'` and reading. */
  override resume(): this {
    super.resume();
    this.#userPaused = false;
    this.#updateFlow();
    return this;
  }

  /**
   * Emits `'timeout'` after `ms` without reads or writes (0 turns it off); `callback` is added as a
   * `'timeout'` listener (0 with a callback removes it). The socket is not closed: that is the listener's
   * call, as in Node.
   */
  setTimeout(ms: number, callback?: () => void): this {
    const value = validTimeout(ms);
    if (callback) {
      if (value === 0) this.removeListener("timeout", callback);
      else this.once("timeout", callback);
    }
    this.timeout = value;
    this.#idle.set(value);
    return this;
  }

  /**
   * As Node's server sockets: while HTTP reads the socket, its bytes must stay bytes, so changing the
   * encoding throws `ERR_HTTP_SOCKET_ENCODING` (Node does this for server sockets; a client socket's
   * parser would break the same way, so it throws there too). A raw socket (after an upgrade) takes any.
   */
  override setEncoding(encoding: BufferEncoding): this {
    if (this.#consumer !== null) {
      throw new HttpUsageError(
        "ERR_HTTP_SOCKET_ENCODING",
        "Changing the socket encoding is not allowed per RFC7230 Section 3.",
      );
    }
    return super.setEncoding(encoding);
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

  /** Node's `ref()`: the open socket keeps the process alive again (the default). */
  ref(): this {
    // Pools call ref()/unref() on every reuse: only a change reaches the transport.
    if (this.#unrefed && !this.#closed) {
      this.#unrefed = false;
      this.#conn.ref?.();
    }
    return this;
  }

  #unrefed = false;

  /**
   * Node's `unref()`: the open socket no longer keeps the process alive (an Agent unrefs its idle pooled
   * sockets, so a script's last keep-alive request does not hold it open). A no-op on transports that
   * cannot (web streams).
   */
  unref(): this {
    if (!this.#unrefed && !this.#closed) {
      this.#unrefed = true;
      this.#conn.unref?.();
    }
    return this;
  }

  /** @ignore Node's stream hook: the readable side wants bytes (raw mode). */
  override _read(_size: number): void {
    this.#rawFull = false;
    this.#updateFlow();
  }

  /** @ignore Node's stream hook: a user write. */
  override _write(chunk: Buffer, _encoding: string, callback: Callback): void {
    if (this.#closed) {
      callback(epipe());
      return;
    }
    this.bytesWritten += chunk.byteLength;
    this.#idle.touch();
    if (this.#conn.write(chunk)) callback();
    else this.#writeCallbacks.push(callback);
  }

  /** @ignore Node's stream hook: corked user writes go as one transport write. */
  override _writev(chunks: { chunk: Buffer }[], callback: Callback): void {
    this._write(Buffer.concat(chunks.map((c) => c.chunk)), "buffer", callback);
  }

  /** @ignore Node's stream hook: `end()` after the queued writes: half-close (FIN). */
  override _final(callback: Callback): void {
    if (!this.#closed) this.#conn.end();
    callback();
  }

  /** @ignore Node's stream hook: closes both directions now; `'close'` follows once the transport closed. */
  override _destroy(error: Error | null, callback: Callback): void {
    this.#idle.clear();
    if (error) this.#closeError ??= error;
    if (this.#closed) {
      this.#finishDestroy(callback, error);
      return;
    }
    this.#destroyCallback = callback;
    this.#conn.destroy(error ?? undefined);
  }

  /** @ignore Internal: hands the bytes to an HTTP connection (`consumer`) or back to raw mode (`null`). */
  [kSetConsumer](consumer: SocketConsumer | null): void {
    this.#consumer = consumer;
    this.#wearIdentity(consumer !== null);
    // HTTP traffic alternates request and response; a raw socket's directions are independent.
    this.#conn.alternate?.(consumer !== null);
    if (!consumer) {
      // As Node hands over a socket (server and client): not flowing until its new owner reads it, whatever
      // the HTTP connection's pauses and resumes left behind.
      (this as { readableFlowing: boolean | null }).readableFlowing = null;
      // A raw socket closes as a stream does once both sides ended (see #onEnd).
      setAutoDestroy(this, true);
      this.#ownerPaused = false;
      if (this.#peerEnded) this.#pushEnd();
      this.#updateFlow();
    }
  }

  /**
   * While an HTTP connection reads it, the socket is a `net.Socket` (a TLS one a `tls.TLSSocket`) to
   * `instanceof`, where the entry turned that on (see net_identity.ts). A raw one (never owned, or handed
   * over by an upgrade or CONNECT) is a plain Duplex, which the runtimes' node:tls wraps as a stream (a
   * proxy's TLS over a tunnel); as a `net.Socket` it would be taken for a native handle and hang. One
   * prototype per kind, so sockets of a kind share one shape.
   */
  #wearIdentity(owned: boolean): void {
    if (this.constructor !== Socket) return;
    const proto = owned ? identityPrototype(Socket, this.encrypted) : Socket.prototype;
    if (Object.getPrototypeOf(this) !== proto) Object.setPrototypeOf(this, proto);
  }

  /** @ignore Internal: see {@linkcode kWhenFlushed}. */
  [kWhenFlushed](done: () => void): boolean {
    const conn = this.#conn;
    if (this.#closed || conn.bufferedAmount === 0 || conn.requestDrain === undefined) return false;
    // On Deno every response waits here (its write is in flight): one waiter needs no array.
    if (this.#flushWaiter === undefined) this.#flushWaiter = done;
    else (this.#flushWaiters ??= []).push(done);
    conn.requestDrain();
    return true;
  }

  #flushWaiter: (() => void) | undefined;
  #flushWaiters: (() => void)[] | undefined;

  /** Runs the flush waiters once nothing is left to send (or the socket closed); true if there were any. */
  #runFlushWaiters(): boolean {
    const first = this.#flushWaiter;
    if (first === undefined) return false;
    if (!this.#closed && this.#conn.bufferedAmount > 0) {
      // Written since they asked: wait for those bytes too.
      this.#conn.requestDrain?.();
      return true;
    }
    const more = this.#flushWaiters;
    this.#flushWaiter = undefined;
    this.#flushWaiters = undefined;
    first();
    if (more !== undefined) { for (const done of more) done(); }
    return true;
  }

  /** @ignore Internal: see {@linkcode kStartTls}. */
  [kStartTls](options: TlsConnectOptions): Promise<TransportConn> | undefined {
    const conn = this.#conn;
    if (conn.startTls === undefined) return undefined;
    // The contract wants reading paused first; the adapter then detaches our handler, and this object is
    // spent without 'close' (the bytes live on in the encrypted connection).
    conn.pause();
    this.#closed = true;
    this.#idle.clear();
    return conn.startTls(options);
  }

  /**
   * @ignore Internal: pauses or resumes the transport on behalf of the owning HTTP connection. As Node's
   * parser, which stops and restarts reading with `socket.pause()`/`resume()`, the socket emits `'pause'`
   * and `'resume'` (a user's own `pause()` stays in force).
   */
  setReadPaused(paused: boolean): void {
    if (paused === this.#ownerPaused) return;
    this.#ownerPaused = paused;
    this.#updateFlow();
    if (paused) super.pause();
    else if (!this.#userPaused) super.resume();
  }

  #onData(chunk: Uint8Array): boolean {
    this.bytesRead += chunk.byteLength;
    this.#idle.touch();
    const consumer = this.#consumer;
    if (consumer) {
      // As Node's: while HTTP reads the socket, a 'data' listener of the user's hears each chunk too,
      // before the parser gets it.
      if (this.listenerCount("data") > 0) {
        this.emit("data", Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      }
      return consumer.onData(chunk);
    }
    if (!this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
      this.#rawFull = true;
      this.#updateFlow();
    }
    return true;
  }

  #onEnd(): void {
    this.#peerEnded = true;
    const consumer = this.#consumer;
    if (consumer === null) {
      this.#pushEnd();
      return;
    }
    // While HTTP reads the socket, its readable side still ends on the FIN, as a Node socket's does under
    // its parser. Closing stays the HTTP layer's call, not the stream's: its FIN ('finish' comes as soon
    // as the transport has it) must not destroy the socket under the bytes it still sends.
    setAutoDestroy(this, false);
    if (this.#transportPaused) {
      // As Node's parser, which reads nothing (the FIN included) while it has the socket paused: a FIN
      // read anyway (Deno's read loop finishes a read under way) ends the readable side once reading goes
      // on, as that read's bytes come then. So a socket waiting to be handed over (a switch behind owed
      // answers) keeps its 'end' for its next owner.
      this.#endHeld = true;
      consumer.onEnd();
      return;
    }
    // As Node, whose HTTP end-of-stream handler is the socket's first 'end' listener: the owner acts on
    // the FIN (told at once, so what it does goes before other sockets' traffic of the same turn), then
    // 'end' comes to the user's listeners, who see what it did (the socket ended or destroyed), before
    // anything it queued (its 'finish', an 'error'). The owner may hold 'end' back (see onEnd).
    this.push(null);
    this.#endPushed = true;
    if (consumer.onEnd() !== false) this.#emitEnd();
  }

  /** The peer's end, read while the owner had reading paused, waits for reading to go on. */
  #endHeld = false;

  /** Ends the readable side; 'end' follows a tick later, as the stream emits it. */
  #pushEnd(): void {
    this.#endHeld = false;
    if (this.#endPushed) return;
    this.#endPushed = true;
    this.push(null);
    // As net.Socket: with nothing left unread, the end is read at once, so 'end' comes (a tick later)
    // even to a socket nobody reads, or one flowing (a Readable otherwise holds it back until read() is
    // called, or for a flowing one, a tick more).
    if (this.readableLength === 0) this.read(0);
  }

  /**
   * Ends the readable side and emits 'end' now rather than a tick later: Node emits it, and runs its
   * HTTP handler, in one go, so nothing the handler queued comes first, and a destroy in the handler
   * (an error answer) does not cancel it. Bytes still unread (`unshift`) keep it for their reader.
   */
  #emitEnd(): void {
    this.#endHeld = false;
    if (!this.#endPushed) {
      this.#endPushed = true;
      this.push(null);
    }
    const state = readableState(this);
    if (state.endEmitted || state.length > 0) return;
    state.endEmitted = true;
    this.emit("end");
  }

  /** @ignore Internal: see {@linkcode kEmitEnd}. */
  [kEmitEnd](): void {
    if (this.#peerEnded) this.#emitEnd();
  }

  #onDrain(): void {
    const callbacks = this.#writeCallbacks;
    if (callbacks.length > 0) {
      this.#writeCallbacks = [];
      for (const cb of callbacks) cb();
    }
    // A response finished before the drain of the response after it.
    const flushWait = this.#runFlushWaiters();
    if (this.#consumer) this.#consumer.onDrain();
    // The Writable emits 'drain' for user writes; the HTTP layers' writes bypass it, so a listener
    // waiting on the socket itself (Node's pattern for raw writes) hears it here.
    else if (callbacks.length === 0 && !flushWait) this.emit("drain");
  }

  #onClose(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    if (error) this.#closeError ??= error;
    this.#idle.clear();
    const callbacks = this.#writeCallbacks;
    this.#writeCallbacks = [];
    for (const cb of callbacks) cb(error ?? epipe());
    this.#runFlushWaiters();
    const consumer = this.#consumer;
    if (consumer) consumer.onClose(error);
    // An end held back (by the owner, or while it had reading paused) comes before 'close', as Node's.
    if (this.#peerEnded) {
      if (consumer) this.#emitEnd();
      else this.#pushEnd();
    }
    const pending = this.#destroyCallback;
    if (pending) {
      this.#destroyCallback = undefined;
      this.#finishDestroy(pending, error ?? null);
    } else if (!this.destroyed) {
      // The transport closed by itself: a peer reset is the socket's error only if someone listens (an
      // HTTP connection has already told its messages).
      this.destroy(error && this.listenerCount("error") > 0 ? error : undefined);
    }
  }

  #finishDestroy(callback: Callback, error: Error | null): void {
    const hadError = error !== null && error !== undefined;
    // While an HTTP connection owns the socket, it handles the socket's errors (as Node's server does
    // with its own 'error' listener): they are not the process's to crash on unless someone listens.
    callback(this.#consumer !== null && this.listenerCount("error") === 0 ? null : error);
    // As Node, whose 'close' comes from the handle's close callback in a later turn of the event loop:
    // what the current turn queued (a response's 'end', a tick) runs while the socket is still counted
    // open, e.g. among its agent's sockets.
    nextTurn(() => {
      this.emit("close", hadError || this.#closeError !== undefined);
      this[kClosed]?.();
    });
  }

  /** Reads from the transport only when someone will take the bytes. */
  #updateFlow(): void {
    // As Node, a user's `pause()` also starves an HTTP connection's parser. A raw socket reads on into its
    // queue up to the high-water mark while paused, as a net.Socket does (its pause() only stops 'data'):
    // so the peer's FIN still comes in and ends it, e.g. once an unpipe() paused it.
    const shouldPause = this.#consumer ? this.#userPaused || this.#ownerPaused : this.#rawFull;
    if (shouldPause !== this.#transportPaused && !this.#closed) {
      this.#transportPaused = shouldPause;
      if (shouldPause) this.#conn.pause();
      else this.#conn.resume();
    }
    if (this.#endHeld && !shouldPause) this.#pushEnd();
  }
}

/** Turns a stream's own close once 'end' and 'finish' both came on or off (read on both sides' events). */
function setAutoDestroy(socket: Socket, on: boolean): void {
  readableState(socket).autoDestroy = on;
}

function epipe(): Error {
  return Object.assign(new Error("This socket has been ended by the other party"), { code: "EPIPE" });
}

/** `write()` as the class has it, for {@linkcode writeAfterFin}. */
const socketWrite = Socket.prototype.write;

/**
 * net.Socket's own 'end' listener: once the peer ended a socket that is not half-open, a write after our
 * own end fails with `EPIPE` and destroys the socket (rather than the stream's `ERR_STREAM_WRITE_AFTER_END`).
 */
function onReadableStreamEnd(this: Socket): void {
  if (!this.allowHalfOpen) this.write = writeAfterFin;
}

function writeAfterFin(
  this: Socket,
  chunk: unknown,
  encoding?: BufferEncoding | Callback,
  callback?: Callback,
): boolean {
  if (!this.writableEnded) {
    return (socketWrite as (...args: unknown[]) => boolean).call(this, chunk, encoding, callback);
  }
  if (typeof encoding === "function") callback = encoding;
  const error = epipe();
  if (typeof callback === "function") nextTick(callback, error);
  this.destroy(error);
  return false;
}

/** Node's check of a timeout: a finite number >= 0, else `ERR_INVALID_ARG_TYPE` / `ERR_OUT_OF_RANGE`. */
export function validTimeout(ms: unknown): number {
  if (typeof ms !== "number") throw invalidArgType("msecs", "number", ms);
  if (!Number.isFinite(ms) || ms < 0) throw outOfRange("msecs", "a non-negative finite number", ms);
  return ms;
}

/**
 * Internal (servers and clients): our socket over any other Duplex (a `net`/`tls` socket, a test's
 * in-memory pair), with that stream's queue sizes, as Node's messages take them from the socket.
 *
 * @example
 * ```ts ignore
 * const socket = socketOver(net.connect(8080)); // a Socket reading and writing through the net.Socket
 * ```
 */
export function socketOver(stream: Duplex): Socket {
  return new Socket(duplexConn(stream), {
    readableHighWaterMark: stream.readableHighWaterMark,
    writableHighWaterMark: stream.writableHighWaterMark,
    // The stream's own (a net.Socket has one); a plain Duplex ends its side when its owner says.
    allowHalfOpen: (stream as { allowHalfOpen?: boolean }).allowHalfOpen ?? true,
  });
}

/** An end of an IP connection as Node reports it: undefined on a unix socket, which has no address. */
function ipEnd(end: TransportAddress): (TransportAddress & { family: "IPv4" | "IPv6" }) | undefined {
  return end.family === "unix" ? undefined : end as TransportAddress & { family: "IPv4" | "IPv6" };
}
