/**
 * One Bun socket as a {@linkcode TransportConn}: `Bun.listen`/`Bun.connect` socket callbacks turned into
 * the contract (the Bun transport, `bun.ts`, opens and accepts them).
 *
 * Theory of operation. Bun already pushes: `data(socket, bytes)` hands a fresh buffer per call (verified
 * on Bun 1.4.5, with `binaryType: "uint8array"` too: every call gets its own `ArrayBuffer`), so
 * `onData`'s return value needs no copy here.
 * `socket.write()` is synchronous and returns how many bytes the kernel took; the rest waits in our
 * queue until Bun calls `drain`. `pause()`/`resume()` map to `socket.pause()`/`socket.resume()`, which stop
 * reading from the kernel; bytes Bun had already read when `pause()` came are held and handed over on
 * `resume()`.
 *
 * Closing (verified on 1.4.5, with `allowHalfOpen: true` so Bun does not answer the peer's FIN with its
 * own): `socket.shutdown()` sends FIN and keeps reading; `socket.end()` closes both directions at once
 * (the peer sees FIN, then its `close`); `socket.terminate()` resets (the peer sees `ECONNRESET`). Bun
 * closes the socket by itself once both directions are shut, and when our FIN went first it reports the
 * peer's FIN through `close` without calling `end`, so we report `onEnd` ourselves then.
 *
 * Bun's API is typed structurally here (`*Like` interfaces) so `deno check` passes without Bun's types.
 *
 * @module
 */

import type { TransportAddress, TransportConn, TransportHandler, TransportTls } from "../io/transport.ts";
import { errorCode, mapError } from "./_map_error.ts";

/** `write()` returns `false` once more than this many bytes wait to be sent (Node's default for sockets). */
const WRITE_HIGH_WATER_MARK = 64 * 1024;

// ---- The parts of Bun's API this adapter uses ----------------------------------------------------------

export interface BunSocketLike {
  /** Per-socket slot Bun leaves to the application; holds our connection object. */
  data: BunConn;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly localFamily?: string;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly remoteFamily?: string;
  write(bytes: Uint8Array): number;
  shutdown(): void;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay(noDelay?: boolean): boolean;
  setKeepAlive(enable?: boolean, initialDelay?: number): boolean;
  ref?(): void;
  unref?(): void;
}

export interface BunSocketHandlerLike {
  /** What `data` receives: `"uint8array"` for plain `Uint8Array`s (Bun's default is `Buffer`). */
  binaryType?: "uint8array";
  open(socket: BunSocketLike): void;
  data(socket: BunSocketLike, bytes: Uint8Array): void;
  drain(socket: BunSocketLike): void;
  end(socket: BunSocketLike): void;
  close(socket: BunSocketLike, error?: Error): void;
  error(socket: BunSocketLike, error: Error): void;
  handshake?(socket: BunSocketLike, success: boolean, authorizationError: unknown): void;
  /** A key log line (NSS format, with its newline) of the socket's handshake; installed only on request. */
  keylog?(socket: BunSocketLike, line: Uint8Array): void;
  /** Clients: a session the server offered for resumption; installed only on request. */
  session?(socket: BunSocketLike, session: Uint8Array): void;
  /** Listeners: the client's SNI name, to choose a certificate (see `bun_tls.ts`). */
  serverName?(data: unknown, servername: string, socket: never): unknown;
}

export interface BunListenerLike {
  readonly hostname?: string;
  readonly port?: number;
  stop(closeActiveConnections?: boolean): void;
}

export type BunTarget = { hostname: string; port: number } | { unix: string };

export interface BunLike {
  listen(
    options: BunTarget & {
      reusePort?: boolean;
      allowHalfOpen: boolean;
      socket: BunSocketHandlerLike;
      tls?: Record<string, unknown>;
    },
  ): BunListenerLike;
  connect(
    options: BunTarget & {
      allowHalfOpen: boolean;
      socket: BunSocketHandlerLike;
      tls?: Record<string, unknown>;
    },
  ): Promise<BunSocketLike>;
}

/** The running Bun, typed structurally. */
export function bun(): BunLike {
  return (globalThis as unknown as { Bun: BunLike }).Bun;
}

// ---- Connections ---------------------------------------------------------------------------------------

/** A Bun socket's address fields as a {@linkcode TransportAddress}. */
export function ipAddress(
  address: string | undefined,
  port: number | undefined,
  family?: string,
): TransportAddress {
  const host = address ?? "";
  const isV6 = family === undefined ? host.includes(":") : family === "IPv6";
  return { address: host, port: port ?? 0, family: isV6 ? "IPv6" : "IPv4" };
}

/** One Bun socket driven through the transport contract. */
export class BunConn implements TransportConn {
  /** The TLS session's facts, set by the handshake step before the connection is handed out. */
  tls: TransportTls | undefined = undefined;
  readonly #socket: BunSocketLike;
  readonly #unix: { local: TransportAddress; remote: TransportAddress } | undefined;
  #local: TransportAddress | undefined;
  #remote: TransportAddress | undefined;
  #handler: TransportHandler | undefined;

  // Read side: `#held` keeps bytes that arrived while paused or before start().
  #paused = false;
  #held: Uint8Array[] | undefined;
  #eof = false;
  #endDelivered = false;

  // Write side.
  readonly #queue: Uint8Array[] = [];
  #buffered = 0;
  #needDrain = false;
  #ending = false;
  #shut = false;

  // Lifecycle.
  #destroyed = false;
  #closed = false;
  #finished = false;
  #error: Error | undefined;

  constructor(socket: BunSocketLike, unix?: { local: TransportAddress; remote: TransportAddress }) {
    this.#socket = socket;
    this.#unix = unix;
    socket.data = this;
  }

  get local(): TransportAddress {
    const s = this.#socket;
    return this.#local ??= this.#unix?.local ?? ipAddress(s.localAddress, s.localPort, s.localFamily);
  }

  get remote(): TransportAddress {
    const s = this.#socket;
    return this.#remote ??= this.#unix?.remote ?? ipAddress(s.remoteAddress, s.remotePort, s.remoteFamily);
  }

  get bufferedAmount(): number {
    return this.#buffered;
  }

  start(handler: TransportHandler): void {
    if (this.#handler !== undefined) throw new TypeError("Cannot start a transport connection twice");
    this.#handler = handler;
    if (this.#held !== undefined || this.#eof || this.#closed) queueMicrotask(() => this.#flushHeld());
  }

  // ---- Callbacks from Bun (one shared handler object; the socket's `data` slot routes to us) ----

  #onBytes(bytes: Uint8Array): void {
    if (this.#destroyed) return;
    const handler = this.#handler;
    if (handler === undefined || this.#paused || this.#held !== undefined) {
      (this.#held ??= []).push(bytes);
      return;
    }
    // Bun gives a fresh buffer per call, so a kept view needs no copy: the return value is moot.
    handler.onData(bytes);
  }

  #onEof(): void {
    if (this.#eof || this.#destroyed) return;
    this.#eof = true;
    this.#flushHeld();
  }

  #onWritable(): void {
    const queue = this.#queue;
    if (queue.length === 0 || this.#closed) return; // Bun also calls drain when nothing was left over.
    const socket = this.#socket;
    let sent = 0;
    for (const chunk of queue) {
      const n = socket.write(chunk);
      if (n < chunk.byteLength) {
        const written = n > 0 ? n : 0;
        this.#buffered -= written;
        queue[sent] = chunk.subarray(written);
        break;
      }
      this.#buffered -= n;
      sent++;
    }
    if (sent > 0) queue.splice(0, sent);
    if (queue.length > 0) return;
    if (this.#needDrain) {
      this.#needDrain = false;
      this.#handler?.onDrain();
    }
    if (this.#ending && this.#buffered === 0) this.#shutdown();
  }

  #onSocketError(error: Error): void {
    // Bun also reports here what a handler threw; such an error is passed on as it is.
    this.#error ??= errorCode(error) === "UNKNOWN" ? error : mapError(error, "socket");
    if (!this.#closed) this.#socket.terminate();
  }

  #onSocketClose(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    if (error !== undefined) this.#error ??= mapError(error, "read");
    this.#queue.length = 0;
    this.#buffered = 0;
    this.#needDrain = false;
    if (this.#error !== undefined || this.#destroyed) {
      // Failed or destroyed: what is still held is dropped, as after a reset.
      this.#held = undefined;
    } else {
      // A clean close is the peer's FIN, even where Bun skipped its `end` callback.
      this.#eof = true;
    }
    // Bun may call `close` synchronously from inside `destroy()`; onClose always comes later.
    queueMicrotask(() => this.#flushHeld());
  }

  /** Delivers held bytes (unless paused), then a pending `onEnd`, then a pending `onClose`. */
  #flushHeld(): void {
    const handler = this.#handler;
    if (handler === undefined) return;
    const held = this.#held;
    if (held !== undefined) {
      while (held.length > 0) {
        if (this.#paused || this.#destroyed) return;
        handler.onData(held.shift() as Uint8Array);
      }
      this.#held = undefined;
    }
    if (this.#paused && !this.#closed) return;
    if (this.#eof && !this.#endDelivered && !this.#destroyed) {
      this.#endDelivered = true;
      handler.onEnd();
    }
    if (this.#closed && !this.#finished) {
      this.#finished = true;
      handler.onClose(this.#error);
    }
  }

  static readonly handlers: Omit<BunSocketHandlerLike, "open"> = {
    // The contract (and README) promise plain `Uint8Array`s, so `body += chunk` and `chunk.toString()`
    // behave as on Deno; Bun's default hands out `Buffer`s. Asking Bun for Uint8Arrays costs nothing,
    // while re-wrapping a Buffer as `new Uint8Array(b.buffer, ...)` made JavaScriptCore materialize an
    // ArrayBuffer (and copy) for every chunk: ~0.4 µs per chunk, 2-5% of the client's CPU per GET.
    binaryType: "uint8array",
    data(socket: BunSocketLike, bytes: Uint8Array): void {
      socket.data.#onBytes(bytes);
    },
    drain(socket: BunSocketLike): void {
      socket.data.#onWritable();
    },
    end(socket: BunSocketLike): void {
      socket.data.#onEof();
    },
    close(socket: BunSocketLike, error?: Error): void {
      socket.data.#onSocketClose(error);
    },
    error(socket: BunSocketLike, error: Error): void {
      socket.data.#onSocketError(error);
    },
  };

  // ---- TransportConn ----

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    if (!this.#closed) this.#socket.pause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (!this.#closed) this.#socket.resume();
    if (this.#held !== undefined || this.#eof || this.#closed) this.#flushHeld();
  }

  write(chunk: Uint8Array, transient = false): boolean {
    if (this.#ending || this.#closed || this.#destroyed) return false;
    let rest = chunk;
    if (this.#buffered === 0) {
      const n = this.#socket.write(chunk);
      if (n >= chunk.byteLength) return true;
      if (n > 0) rest = chunk.subarray(n);
    }
    // Bun copies what it writes; only bytes we keep for later must outlive a transient buffer.
    if (transient) rest = rest.slice();
    this.#queue.push(rest);
    this.#buffered += rest.byteLength;
    if (this.#buffered > WRITE_HIGH_WATER_MARK) {
      this.#needDrain = true;
      return false;
    }
    return true;
  }

  requestDrain(): void {
    if (this.#closed || this.#destroyed) return;
    this.#needDrain = true;
    // Nothing left over: Bun will not call `drain`, so the drain is ours to report.
    if (this.#buffered === 0) queueMicrotask(this.#drainIfFlushed);
  }

  readonly #drainIfFlushed = (): void => {
    if (!this.#needDrain || this.#buffered !== 0 || this.#closed) return;
    this.#needDrain = false;
    this.#handler?.onDrain();
  };

  end(): void {
    if (this.#ending || this.#closed || this.#destroyed) return;
    this.#ending = true;
    if (this.#buffered === 0) this.#shutdown();
  }

  #shutdown(): void {
    if (this.#shut || this.#closed) return;
    this.#shut = true;
    this.#socket.shutdown();
  }

  destroy(error?: Error): void {
    if (this.#destroyed || this.#closed) return;
    this.#destroyed = true;
    if (error !== undefined) this.#error ??= error;
    this.#queue.length = 0;
    this.#buffered = 0;
    this.#needDrain = false;
    this.#held = undefined;
    // end(), not terminate(): the peer gets FIN (onEnd, then onClose) rather than a reset, as with Node's
    // destroy(). It closes both directions at once and Bun calls `close` right away.
    this.#socket.end();
    if (this.tls !== undefined) this.#closeTlsNow();
  }

  /**
   * On a TLS socket Bun's end() sends close_notify and FIN but reports `close` only once the peer's
   * close_notify arrives, or after 12 s (measured on 1.4.5): a destroyed connection would hold its
   * owner that long. Report the close now and release the socket on the next turn, after the FIN went.
   */
  #closeTlsNow(): void {
    const socket = this.#socket;
    setTimeout(() => socket.terminate(), 0);
    this.#onSocketClose(undefined);
  }

  setNoDelay(noDelay: boolean): void {
    if (!this.#closed && this.#unix === undefined) this.#socket.setNoDelay(noDelay);
  }

  setKeepAlive(enable: boolean, initialDelayMs: number): void {
    if (!this.#closed && this.#unix === undefined) this.#socket.setKeepAlive(enable, initialDelayMs);
  }

  unref(): void {
    if (!this.#closed) this.#socket.unref?.();
  }

  ref(): void {
    if (!this.#closed) this.#socket.ref?.();
  }
}
