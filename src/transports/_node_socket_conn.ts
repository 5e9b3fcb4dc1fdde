/**
 * A Node-style stream socket (a `node:tls` `TLSSocket` on Deno) as a {@linkcode TransportConn}. Used where
 * Deno's own API cannot do what TLS needs (server certificates requests, SNI, client certificates).
 *
 * Theory of operation. Node sockets already push (`'data'`), buffer writes (`write()` returns false past
 * the high-water mark, then `'drain'`) and half-close (`end()` with `allowHalfOpen`), so each contract
 * call maps to one socket call. Chunks from `'data'` are fresh buffers, so `onData`'s return value needs
 * no copy. `'close'` comes last, after `'error'`, and becomes `onClose` with the first error seen.
 *
 * @module
 */

import type { TransportAddress, TransportConn, TransportHandler, TransportTls } from "../io/transport.ts";
import { mapError } from "./_map_error.ts";
import { FlushRequests } from "../io/_flush_requests.ts";

/** The members of a Node `net.Socket`/`tls.TLSSocket` this adapter uses. */
export interface NodeSocketLike {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly remoteFamily?: string | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  readonly writableLength: number;
  readonly writableNeedDrain?: boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeAllListeners(event?: string): unknown;
  write(chunk: Uint8Array, callback?: () => void): boolean;
  end(): unknown;
  destroy(): unknown;
  pause(): unknown;
  resume(): unknown;
  setNoDelay(noDelay?: boolean): unknown;
  setKeepAlive(enable?: boolean, initialDelay?: number): unknown;
  ref?(): unknown;
  unref?(): unknown;
}

/** A Node socket's address fields as a {@linkcode TransportAddress}. */
export function nodeAddress(
  host: string | undefined,
  port: number | undefined,
  family: string | undefined,
): TransportAddress {
  const address = host ?? "";
  const v6 = family === undefined ? address.includes(":") : family === "IPv6" || family === "6";
  return { address, port: port ?? 0, family: v6 ? "IPv6" : "IPv4" };
}

/** A Node-style socket driven through the transport contract. */
export class NodeSocketConn implements TransportConn {
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  readonly tls: TransportTls | undefined;
  readonly #socket: NodeSocketLike;
  readonly #flushes: FlushRequests;
  #handler: TransportHandler | undefined;
  #early: (() => void)[] | undefined = [];
  #ended = false;
  #destroyed = false;
  #closed = false;
  #error: Error | undefined;

  /** Wraps `socket`; events that arrive before `start()` are replayed then. */
  constructor(socket: NodeSocketLike, tls?: TransportTls) {
    this.#socket = socket;
    this.#flushes = new FlushRequests(socket, () => {
      if (!this.#closed) this.#handler?.onDrain();
    });
    this.tls = tls;
    this.local = nodeAddress(socket.localAddress, socket.localPort, undefined);
    this.remote = nodeAddress(socket.remoteAddress, socket.remotePort, socket.remoteFamily);
    socket.on("data", (buffer: Uint8Array) => {
      // node:net hands out `Buffer`s; the contract promises plain `Uint8Array`s (a view, no copy).
      const chunk = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      if (!this.#destroyed) this.#deliver(() => this.#handler!.onData(chunk));
    });
    socket.on("end", () => {
      if (!this.#destroyed) this.#deliver(() => this.#handler!.onEnd());
    });
    socket.on("drain", () => {
      // This drain is also the one requestDrain() asked for.
      this.#flushes.streamDrained();
      this.#handler?.onDrain();
    });
    socket.on("error", (error: Error) => {
      if (!this.#destroyed) this.#error ??= mapError(error, "socket");
    });
    socket.on("close", () => {
      this.#closed = true;
      this.#deliver(() => this.#handler!.onClose(this.#error));
    });
    // Nothing may flow before a handler exists; `start()` resumes.
    socket.pause();
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  start(handler: TransportHandler): void {
    if (this.#handler !== undefined) throw new TypeError("Cannot start a transport connection twice");
    this.#handler = handler;
    const early = this.#early ?? [];
    this.#early = undefined;
    for (const run of early) run();
    if (!this.#paused) this.#socket.resume();
  }

  #deliver(run: () => void): void {
    if (this.#early !== undefined) this.#early.push(run);
    else run();
  }

  #paused = false;

  pause(): void {
    this.#paused = true;
    this.#socket.pause();
  }

  resume(): void {
    this.#paused = false;
    if (this.#handler !== undefined) this.#socket.resume();
  }

  write(chunk: Uint8Array, transient = false): boolean {
    if (this.#ended || this.#destroyed || this.#closed) return false;
    // A Node stream keeps a reference to what it cannot send at once; a reused buffer must be copied.
    return this.#socket.write(transient ? chunk.slice() : chunk, this.#flushes.written);
  }

  requestDrain(): void {
    // Also once ended: what is queued still goes out before the FIN, and its callbacks come.
    if (this.#destroyed || this.#closed) return;
    this.#flushes.request();
  }

  end(): void {
    if (this.#ended || this.#destroyed || this.#closed) return;
    this.#ended = true;
    this.#socket.end();
  }

  destroy(error?: Error): void {
    if (this.#destroyed || this.#closed) return;
    this.#destroyed = true;
    if (error !== undefined) this.#error ??= error;
    this.#socket.destroy();
  }

  setNoDelay(noDelay: boolean): void {
    if (!this.#closed) this.#socket.setNoDelay(noDelay);
  }

  setKeepAlive(enable: boolean, initialDelayMs: number): void {
    if (!this.#closed) this.#socket.setKeepAlive(enable, initialDelayMs);
  }

  unref(): void {
    if (!this.#closed) this.#socket.unref?.();
  }

  ref(): void {
    if (!this.#closed) this.#socket.ref?.();
  }
}
