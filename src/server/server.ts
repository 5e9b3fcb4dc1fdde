/**
 * `Server`: Node's `http.Server` on a {@linkcode Transport}. Accepts connections, runs one
 * `ServerConnection` per socket, enforces the timeouts with one sweep timer, and closes gracefully.
 *
 * This file holds the class and the public types; its setup (shared by `new Server()` and Node's
 * `Server.call(this)`) is in `_server_setup.ts`, the options' checks and defaults in `_server_options.ts`,
 * the state and connection bookkeeping in `_server_state.ts`, what its connections call (events, limits)
 * in `_server_host.ts`, the listener calls in `_request_dispatch.ts`, the sweep in `_timeouts.ts`.
 *
 * @module
 */

import { EventEmitter } from "node:events";
import { type Socket, validTimeout } from "../io/socket.ts";
import { callableClass } from "../io/_callable.ts";
import { invalidArgType as invalidArg } from "../io/_node_errors.ts";
import type { IncomingMessage } from "../io/incoming_message.ts";
import type { Transport } from "../io/transport.ts";
import { defaultTransportOrThrow } from "../io/default_transport.ts";
import { HttpUsageError } from "../core/errors.ts";
import type { ServerResponse } from "./server_response.ts";
import { listenTarget, type ServerOptions } from "./_server_options.ts";
import { accept, kState, maybeClosed, type ServerState } from "./_server_state.ts";
import { initInPlace, initServer } from "./_server_setup.ts";
import { startSweep } from "./_timeouts.ts";

export type { ListenOptions, ServerOptions } from "./_server_options.ts";

/** A request listener. What it throws is the process's uncaught exception, as in Node. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/** Events of a {@linkcode Server}. */
export interface ServerEvents {
  /** A request. */
  request: [req: IncomingMessage, res: ServerResponse];
  /** A request with `Expect: 100-continue` (instead of `request`): call `writeContinue()` or answer. */
  checkContinue: [req: IncomingMessage, res: ServerResponse];
  /** A request with another `Expect` value (instead of `request`); without a listener it gets 417. */
  checkExpectation: [req: IncomingMessage, res: ServerResponse];
  /** A new connection. */
  connection: [socket: Socket];
  /** A request to switch protocols; the socket is raw from here, `head` holds the bytes after the head. */
  upgrade: [req: IncomingMessage, socket: Socket, head: Buffer];
  /** A CONNECT request; the socket is raw from here, `head` holds the bytes after the head. */
  connect: [req: IncomingMessage, socket: Socket, head: Buffer];
  /** A malformed request or a request timeout; the listener answers on the socket and closes it. */
  clientError: [err: Error & { code?: string }, socket: Socket];
  /** The server is bound. */
  listening: [];
  /** The server closed and every connection is gone. */
  close: [];
  /** A listen error (`EADDRINUSE`, `EACCES`). */
  error: [err: Error & { code?: string }];
  /** HTTPS servers: a TLS handshake failed; the socket is already destroyed (see `@wire/http/https`). */
  tlsClientError: [err: Error & { code?: string }, socket: Socket];
  /** A listener is being added (Node's emitter event). */
  // deno-lint-ignore no-explicit-any
  newListener: [event: string | symbol, listener: (...args: any[]) => void];
  /** HTTPS servers: a connection finished its handshake. */
  secureConnection: [socket: Socket];
  /** HTTPS servers: one NSS key log line of a handshake (a failed one: the closed socket of its `tlsClientError`). */
  keylog: [line: Uint8Array, socket: Socket];
  /** A request past `maxRequestsPerSocket` was dropped (answered 503), as Node's `'dropRequest'`. */
  dropRequest: [req: IncomingMessage, socket: Socket];
  /** A socket was idle longer than `server.setTimeout()` allows. */
  timeout: [socket: Socket];
}

/**
 * An HTTP/1.1 server.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "@wire/http";
 * const server = createServer((req, res) => res.end(`you asked for ${req.url}\n`));
 * server.listen(8080, "127.0.0.1", () => console.log("listening on", server.address()));
 * ```
 */
export class ServerClass extends EventEmitter<ServerEvents> {
  // The fields are set by `initServer` (`_server_setup.ts`), not by initializers, so that
  // `Server.call(this)` (Node's function-style subclassing, which never runs this constructor) sets up the
  // same object.
  /** Node's: refuse connections beyond this many (default: no limit). */
  declare maxConnections: number | undefined;
  /**
   * Node's: when a client ends its side (half-close), still answer the requests already read, then close
   * (default false: the connection closes at once, as Node's does).
   */
  declare httpAllowHalfOpen: boolean;
  /** Node's: at most this many request fields are kept (default 2000; 0: no limit). */
  declare maxHeadersCount: number | null;
  /** Milliseconds to receive a request head. */
  declare headersTimeout: number;
  /** Milliseconds to receive a whole request. */
  declare requestTimeout: number;
  /** Milliseconds an idle keep-alive connection stays open. */
  declare keepAliveTimeout: number;
  /** Requests per connection (0: unlimited). */
  declare maxRequestsPerSocket: number;
  /** Socket inactivity timeout set with `setTimeout()` (0: none). */
  declare timeout: number;
  /** True while accepting connections. */
  declare listening: boolean;
  /** @ignore Internal: the server's own state (see {@linkcode ServerState}). */
  declare readonly [kState]: ServerState;

  /** Creates a server; prefer {@linkcode createServer}. */
  constructor(options?: ServerOptions | RequestListener | null, listener?: RequestListener) {
    super();
    initServer(this, options, listener);
  }

  /**
   * Starts listening. Forms: `listen(port, [hostname], [backlog], [callback])`, `listen(path, [callback])`,
   * `listen(options, [callback])`, `listen([callback])`. Errors (`EADDRINUSE`, `EACCES`) arrive as
   * `'error'`; success as `'listening'` (and `callback`).
   */
  listen(...args: unknown[]): this {
    const callback = typeof args.at(-1) === "function" ? args.pop() as () => void : undefined;
    const target = listenTarget(args);
    const state = this[kState];
    if (state.listener || state.listenPending) {
      throw new HttpUsageError(
        "ERR_SERVER_ALREADY_LISTEN",
        "Listen method has been called more than once without closing.",
      );
    }
    state.listenPending = true;
    state.closing = false;
    if (callback) this.once("listening", callback);
    let transport: Transport;
    try {
      transport = state.transport ??= defaultTransportOrThrow();
    } catch (err) {
      state.listenPending = false;
      queueMicrotask(() => this.emit("error", err as Error));
      return this;
    }
    transport.listen(target, (conn) => accept(this, conn)).then(
      (listener) => {
        state.listenPending = false;
        if (state.closing) {
          listener.close();
          return;
        }
        state.listener = listener;
        this.listening = true;
        state.sweep ??= startSweep(state.connections, this, state.options.connectionsCheckingInterval);
        this.emit("listening");
      },
      (err: Error) => {
        state.listenPending = false;
        this.emit("error", err);
      },
    );
    return this;
  }

  /** The bound address: `{ address, port, family }`, a unix socket path, or `null` before listening. */
  address(): { address: string; port: number; family: string } | string | null {
    const a = this[kState].listener?.address;
    if (!a) return null;
    if (a.family === "unix") return a.address;
    return { address: a.address, port: a.port, family: a.family };
  }

  /**
   * Stops accepting connections and closes idle ones; responses in flight finish, then their
   * connections close. `'close'` (and `callback`) follow once every connection is gone.
   */
  close(callback?: (err?: Error) => void): this {
    const state = this[kState];
    if (callback) state.closeCallbacks.push(callback);
    if (!state.listener && !state.listenPending) {
      if (callback) {
        state.closeCallbacks = state.closeCallbacks.filter((cb) => cb !== callback);
        queueMicrotask(() =>
          callback(new HttpUsageError("ERR_SERVER_NOT_RUNNING", "Server is not running."))
        );
      }
      return this;
    }
    state.closing = true;
    this.listening = false;
    const listener = state.listener;
    state.listener = undefined;
    const closed = listener ? listener.close() : Promise.resolve();
    this.closeIdleConnections();
    closed.then(() => {
      state.listenerClosed = true;
      maybeClosed(this);
    });
    return this;
  }

  /** Closes every connection that is between requests. */
  closeIdleConnections(): void {
    for (const conn of [...this[kState].connections]) conn.closeIfIdle();
  }

  /** Closes every connection now, in flight or not. */
  closeAllConnections(): void {
    for (const conn of [...this[kState].connections]) conn.socket.destroy();
  }

  /** Sets the inactivity timeout of every socket; `'timeout'` (or `callback`) gets the socket. */
  setTimeout(ms: number, callback?: (socket: Socket) => void): this {
    this.timeout = validTimeout(ms);
    if (callback !== undefined) {
      if (typeof callback !== "function") throw invalidArg("callback", "function", callback);
      this.on("timeout", callback);
    }
    return this;
  }

  /** Node's `net.Server#getConnections`: the number of open connections, to `callback`. */
  getConnections(callback: (err: Error | null, count: number) => void): this {
    const state = this[kState];
    const count = state.connections.size + state.handedOver.size;
    queueMicrotask(() => callback(null, count));
    return this;
  }

  /** Node compatibility: servers here always keep the process alive while listening. */
  ref(): this {
    return this;
  }

  /** Node compatibility: servers here always keep the process alive while listening. */
  unref(): this {
    return this;
  }

  /** Closes the server; for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    const state = this[kState];
    if (!state.listener && !state.listenPending) return;
    await new Promise<void>((resolve) => this.close(() => resolve()));
  }

  /** @ignore Hook for subclasses (the https server): the socket HTTP now runs on. */
  protected socketAccepted(_socket: Socket): void {}
}

/**
 * Creates a server; `listener` is added for `'request'`.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "@wire/http";
 * createServer({ keepAliveTimeout: 10_000 }, (_req, res) => res.end("ok")).listen(8080);
 * ```
 */
export function createServer(
  options?: ServerOptions | RequestListener,
  listener?: RequestListener,
): Server {
  return new Server(options, listener);
}

/**
 * `Server` as Node has it: a constructor that also works without `new` (`http.Server(listener)`), and
 * that subclasses extend.
 *
 * @example
 * ```ts ignore
 * import { Server } from "@wire/http";
 * const a = Server((_req, res) => res.end("ok"));
 * class Tracing extends Server {}
 * ```
 */
export interface ServerConstructor {
  /** `new Server([options][, listener])`. */
  new (options?: ServerOptions | RequestListener | null, listener?: RequestListener): Server;
  /** `Server([options][, listener])`, the same without `new`. */
  (options?: ServerOptions | RequestListener | null, listener?: RequestListener): Server;
  /** Shared by every server. */
  readonly prototype: Server;
}

/** An HTTP/1.1 server: Node's `http.Server`. See {@linkcode ServerClass} for its members. */
export type Server = ServerClass;
/**
 * Node's `http.Server`: `new Server([options][, listener])`, or the same without `new`; subclasses
 * extend it.
 *
 * @example
 * ```ts ignore
 * import { Server } from "@wire/http";
 * const server = Server((_req, res) => res.end("ok"));
 * server.listen(8080);
 * ```
 */
export const Server: ServerConstructor = callableClass<ServerConstructor>(ServerClass, initInPlace);
