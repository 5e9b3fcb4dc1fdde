/**
 * The contract every runtime adapter implements (`src/transports/*`). Everything above this layer talks
 * to sockets only through these interfaces, so nothing there names `Deno` or `Bun`.
 *
 * Inbound data is pushed (`onData`) and throttled with `pause()`/`resume()`; outbound data is a
 * `write()` that never blocks and reports fullness through its return value and `onDrain`, the shape of
 * both Bun's socket API and Node's streams. A Deno adapter turns its `read()`/`write()` promises into this.
 *
 * @module
 */

/** Address of one end of a connection. For unix sockets `address` is the path and `port` is 0. */
export interface TransportAddress {
  /** IP address or unix socket path. */
  address: string;
  /** Port, or 0 for a unix socket. */
  port: number;
  /** `"IPv4"`, `"IPv6"` or `"unix"`. */
  family: "IPv4" | "IPv6" | "unix";
}

/** Callbacks a connection owner installs with {@linkcode TransportConn.start}. */
export interface TransportHandler {
  /**
   * Bytes arrived. The view may point into a buffer the adapter reuses for the next read: return `true` if
   * you kept a reference to it (or a subarray of it) past this call, so the adapter reads the next bytes
   * into a fresh buffer instead.
   */
  onData(chunk: Uint8Array): boolean;
  /** The peer closed its sending side (EOF). Writing may still be possible. */
  onEnd(): void;
  /** Writes that reported fullness have been flushed; `write()` will return `true` again. */
  onDrain(): void;
  /** The connection is fully closed, by either side. Called exactly once, last. `error` if it failed. */
  onClose(error: Error | undefined): void;
}

/** One open byte-stream connection (TCP or unix), as an adapter exposes it. */
export interface TransportConn {
  /** Local end. */
  readonly local: TransportAddress;
  /** Remote end. */
  readonly remote: TransportAddress;
  /** Installs the handler and starts reading. Called once. */
  start(handler: TransportHandler): void;
  /**
   * Queues bytes for sending; the adapter owns `chunk` from now on (callers must not reuse it). Returns
   * `false` when the queue is over the high-water mark; `onDrain` follows once it empties.
   *
   * With `transient`, the caller will reuse `chunk`'s memory as soon as `write` returns: the adapter
   * copies whatever it cannot hand to the OS right away. This lets the hot path encode every response
   * into one scratch buffer instead of allocating one per response (a fresh buffer per write measured
   * 2–5 µs on Bun, a quarter of a small request's cost).
   */
  write(chunk: Uint8Array, transient?: boolean): boolean;
  /** Bytes queued but not yet handed to the OS. */
  readonly bufferedAmount: number;
  /** Stops delivering `onData` until `resume()`; the OS receive window then applies backpressure. */
  pause(): void;
  /** Resumes delivering `onData`. */
  resume(): void;
  /** Sends FIN after queued writes are flushed (half-close); reading may continue. */
  end(): void;
  /** Closes both directions at once, dropping queued writes. `onClose` follows. */
  destroy(error?: Error): void;
  /**
   * Optional. While on, a read loop waits for the write in flight to finish before it reads again, so
   * reads and writes alternate as in a request/response exchange. Measured on Deno: a read pending
   * while `conn.write` runs made each write cost ~60% more (16 vs 10 µs under the profiler); alternating
   * took a hello-world server from 18 to 14 µs per request. Off for raw (upgraded) sockets, whose two
   * directions must stay independent. Adapters that are not read loops ignore it.
   */
  alternate?(on: boolean): void;
  /** Turns Nagle's algorithm off (true) or on. No-op where the runtime cannot. */
  setNoDelay(noDelay: boolean): void;
  /** Enables TCP keep-alive probes. No-op where the runtime cannot. */
  setKeepAlive(enable: boolean, initialDelayMs: number): void;
}

/** Where to listen: a TCP port (and host), or a unix socket path. */
export type ListenTarget =
  | { readonly port: number; readonly hostname: string; readonly reusePort?: boolean }
  | { readonly path: string };

/** An open listening socket. */
export interface TransportListener {
  /** Bound address (with the real port after `port: 0`). */
  readonly address: TransportAddress;
  /** Stops accepting; connections already accepted stay open. Resolves once the listener is closed. */
  close(): Promise<void>;
}

/** Where to connect: a TCP host and port, or a unix socket path. */
export type ConnectTarget =
  | { readonly hostname: string; readonly port: number }
  | { readonly path: string };

/**
 * What an adapter provides. `listen` and `connect` reject with errors that carry Node's `code`
 * (`EADDRINUSE`, `EACCES`, `ECONNREFUSED`, `ENOENT`, ...), mapped in the adapter.
 *
 * @example
 * ```ts ignore
 * import type { Transport } from "@wire/http";
 * declare const transport: Transport;
 * const listener = await transport.listen({ port: 0, hostname: "127.0.0.1" }, (conn) => conn.destroy());
 * await listener.close();
 * ```
 */
export interface Transport {
  /** Name for diagnostics: `"deno"`, `"bun"`, `"web-streams"`. */
  readonly name: string;
  /** Starts listening; `onConnection` is called for every accepted connection. */
  listen(target: ListenTarget, onConnection: (conn: TransportConn) => void): Promise<TransportListener>;
  /** Opens a connection. */
  connect(target: ConnectTarget, options?: { signal?: AbortSignal }): Promise<TransportConn>;
}

/**
 * Error with a Node-style `code` (and `errno`/`syscall` when known), as adapters raise them.
 *
 * @example
 * ```ts
 * import { SystemError } from "@wire/http";
 * const err = new SystemError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1", "connect");
 * console.log(err.code); // "ECONNREFUSED"
 * ```
 */
export class SystemError extends Error {
  /** Node's error code, e.g. `ECONNRESET`. */
  readonly code: string;
  /** The operation that failed: `listen`, `connect`, `read`, `write`. */
  readonly syscall: string | undefined;
  /** Creates an error with a Node-style code. */
  constructor(code: string, message: string, syscall?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SystemError";
    this.code = code;
    this.syscall = syscall;
  }
}
