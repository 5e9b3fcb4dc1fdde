/**
 * The socket `agent.createConnection(port, host, options)` returns at once, as Node's (a `net`/`tls`
 * socket that is still connecting): writes wait until the connection is open, then it emits `'connect'`
 * (and `'secureConnect'` over TLS) and relays bytes both ways; a failure to connect is its `'error'`.
 * Only the direct call makes one: an agent's own requests get the connected socket itself, so the
 * pooled path has no relay in it.
 *
 * @module
 */

import { Duplex } from "node:stream";
import type { Socket } from "../io/socket.ts";

type Callback = (error?: Error | null) => void;

/**
 * A socket that becomes `socket` once that promise settles.
 *
 * @example
 * ```ts ignore
 * const pending = new PendingSocket(openConnection({ host: "127.0.0.1", port: 8080 }, undefined));
 * pending.on("connect", () => pending.end("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
 * ```
 */
export class PendingSocket extends Duplex {
  /** Node's: true until the connection is open. */
  connecting = true;
  #socket: Socket | null = null;
  /** A write (and its callback) made before the connection opened. */
  #waiting: [Uint8Array, Callback][] = [];
  #endWaiting: Callback | null = null;
  #eof = false;

  /** Starts relaying once `opening` resolves; its rejection is the socket's `'error'`. */
  constructor(opening: Promise<Socket>) {
    super({ allowHalfOpen: true });
    opening.then((socket) => this.#open(socket), (err: Error) => this.destroy(err));
  }

  /** The connected socket's remote address (undefined while connecting). */
  get remoteAddress(): string | undefined {
    return this.#socket?.remoteAddress;
  }

  /** The connected socket's remote port (undefined while connecting). */
  get remotePort(): number | undefined {
    return this.#socket?.remotePort;
  }

  /** Whether the TLS peer was verified (TLS connections). */
  get authorized(): boolean | undefined {
    return (this.#socket as { authorized?: boolean } | null)?.authorized;
  }

  /** Node's `setNoDelay`: applied now, or once connected. */
  setNoDelay(noDelay = true): this {
    this.#whenOpen((socket) => socket.setNoDelay(noDelay));
    return this;
  }

  /** Node's `setKeepAlive`: applied now, or once connected. */
  setKeepAlive(enable = false, initialDelay = 0): this {
    this.#whenOpen((socket) => socket.setKeepAlive(enable, initialDelay));
    return this;
  }

  /** Node's `setTimeout`: `'timeout'` after `ms` idle (counted from the connection's opening). */
  setTimeout(ms: number, callback?: () => void): this {
    if (callback) this.once("timeout", callback);
    this.#whenOpen((socket) => socket.setTimeout(ms));
    return this;
  }

  /** Settings made while connecting, applied in order on open. */
  #settings: ((socket: Socket) => void)[] = [];

  #whenOpen(apply: (socket: Socket) => void): void {
    if (this.#socket) apply(this.#socket);
    else this.#settings.push(apply);
  }

  #open(socket: Socket): void {
    if (this.destroyed) {
      socket.destroy();
      return;
    }
    this.#socket = socket;
    this.connecting = false;
    for (const apply of this.#settings) apply(socket);
    this.#settings = [];
    socket.on("timeout", () => this.emit("timeout"));
    socket.on("data", (chunk: Uint8Array) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on("end", () => {
      this.#eof = true;
      this.push(null);
      // As net.Socket: the end is read at once, so 'end' comes even with no 'data' listener.
      this.read(0);
    });
    socket.on("error", (err: Error) => this.destroy(err));
    // After the peer's end, closing is the Duplex's own (once 'end' is out and writing finished); a
    // close without an end is a loss.
    socket.on("close", () => this.#eof ? this.end() : this.destroy());
    for (const [chunk, callback] of this.#waiting) socket.write(chunk, callback);
    this.#waiting = [];
    if (this.#endWaiting) {
      socket.end();
      this.#endWaiting();
      this.#endWaiting = null;
    }
    this.emit("connect");
    if ((socket as { encrypted?: boolean }).encrypted) this.emit("secureConnect");
    this.emit("ready");
  }

  /** @ignore Node's Duplex hook. */
  override _read(): void {
    this.#socket?.resume();
  }

  /** @ignore Node's Duplex hook. */
  override _write(chunk: Uint8Array, _encoding: string, callback: Callback): void {
    if (this.#socket) this.#socket.write(chunk, callback);
    else this.#waiting.push([chunk, callback]);
  }

  /** @ignore Node's Duplex hook. */
  override _final(callback: Callback): void {
    if (this.#socket) {
      this.#socket.end();
      callback();
    } else this.#endWaiting = callback;
  }

  /** @ignore Node's Duplex hook. */
  override _destroy(error: Error | null, callback: Callback): void {
    this.#socket?.destroy();
    callback(error);
  }
}
