/**
 * `Server`: Node's `http.Server` on a {@linkcode Transport}. Accepts connections, runs one
 * `ServerConnection` per socket, enforces the timeouts with one sweep timer, and closes gracefully.
 *
 * @module
 */

import { EventEmitter, type EventMap } from "../io/emitter.ts";
import { Socket } from "../io/socket.ts";
import type { IncomingMessage } from "../io/incoming_message.ts";
import type { ListenTarget, Transport, TransportConn, TransportListener } from "../io/transport.ts";
import { defaultTransportOrThrow } from "../io/default_transport.ts";
import { HttpUsageError } from "../core/errors.ts";
import { MAX_HEADER_SIZE } from "../core/limits.ts";
import { ServerConnection } from "./_connection.ts";
import type { ServerResponse } from "./server_response.ts";

/** A request listener; it may return a promise, whose rejection is handled like a throw. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/** Options of {@linkcode createServer}, with Node's defaults. */
export interface ServerOptions {
  /** Largest request head in bytes (default 16 KiB); larger heads get 431. */
  maxHeaderSize?: number;
  /** Milliseconds to receive a whole request head (default 60 000); then 408 and close. */
  headersTimeout?: number;
  /** Milliseconds to receive a whole request, body included (default 300 000); then 408 and close. */
  requestTimeout?: number;
  /** Milliseconds an idle keep-alive connection stays open (default 5 000). */
  keepAliveTimeout?: number;
  /** Requests served per connection before it closes (default 0: no limit). */
  maxRequestsPerSocket?: number;
  /** Reject HTTP/1.1 requests without exactly one valid `Host` field with 400 (default true). */
  requireHostHeader?: boolean;
  /**
   * Accept some malformed input (bare LF line endings, obs-fold, control characters in values). Never
   * relaxes Content-Length/Transfer-Encoding rules. Default false.
   */
  insecureHTTPParser?: boolean;
  /** How often (ms) the timeouts are checked. Default: a quarter of the shortest timeout, 50–1 000 ms. */
  connectionsCheckingInterval?: number;
  /** Disable Nagle's algorithm on accepted sockets (default true, as Node). */
  noDelay?: boolean;
  /** The socket layer; defaults to the running runtime's. */
  transport?: Transport;
}

/** Options of `server.listen(options)`. */
export interface ListenOptions {
  /** TCP port (0 or omitted: an ephemeral port). */
  port?: number;
  /** Address to bind (default `0.0.0.0`, all IPv4 addresses, as the seed says). */
  host?: string;
  /** A unix socket path instead of a port. */
  path?: string;
  /** Let several processes bind the same port (Linux `SO_REUSEPORT`). */
  reusePort?: boolean;
  /** Accepted for Node compatibility; the runtimes pick their own backlog. */
  backlog?: number;
}

/** Events of a {@linkcode Server}. */
export interface ServerEvents extends EventMap {
  /** A request; a listener that throws or returns a rejected promise gets the request a 500. */
  request: [req: IncomingMessage, res: ServerResponse];
  /** A request with `Expect: 100-continue` (instead of `request`): call `writeContinue()` or answer. */
  checkContinue: [req: IncomingMessage, res: ServerResponse];
  /** A request with another `Expect` value (instead of `request`); without a listener it gets 417. */
  checkExpectation: [req: IncomingMessage, res: ServerResponse];
  /** A new connection. */
  connection: [socket: Socket];
  /** A request to switch protocols; the socket is raw from here, `head` holds the bytes after the head. */
  upgrade: [req: IncomingMessage, socket: Socket, head: Uint8Array];
  /** A CONNECT request; the socket is raw from here, `head` holds the bytes after the head. */
  connect: [req: IncomingMessage, socket: Socket, head: Uint8Array];
  /** A malformed request or a request timeout; the listener answers on the socket and closes it. */
  clientError: [err: Error & { code?: string }, socket: Socket];
  /** The server is bound. */
  listening: [];
  /** The server closed and every connection is gone. */
  close: [];
  /** A listen error (`EADDRINUSE`, `EACCES`), or an error thrown by a request listener. */
  error: [err: Error & { code?: string }];
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
export class Server extends EventEmitter<ServerEvents> {
  /** Milliseconds to receive a request head. */
  headersTimeout: number;
  /** Milliseconds to receive a whole request. */
  requestTimeout: number;
  /** Milliseconds an idle keep-alive connection stays open. */
  keepAliveTimeout: number;
  /** Requests per connection (0: unlimited). */
  maxRequestsPerSocket: number;
  /** Socket inactivity timeout set with `setTimeout()` (0: none). */
  timeout = 0;
  /** True while accepting connections. */
  listening = false;

  #transport: Transport | undefined;
  #options: ServerOptions;
  #listener: TransportListener | undefined;
  #listenPending = false;
  #connections = new Set<ServerConnection>();
  #sweep: ReturnType<typeof setInterval> | undefined;
  #closing = false;
  #closeCallbacks: ((err?: Error) => void)[] = [];
  #parserOptions: { maxHeaderSize: number; insecure: boolean; requireHost: boolean };

  /** Creates a server; prefer {@linkcode createServer}. */
  constructor(options: ServerOptions = {}, listener?: RequestListener) {
    super();
    this.#options = options;
    this.#transport = options.transport;
    this.headersTimeout = options.headersTimeout ?? 60_000;
    this.requestTimeout = options.requestTimeout ?? 300_000;
    this.keepAliveTimeout = options.keepAliveTimeout ?? 5_000;
    this.maxRequestsPerSocket = options.maxRequestsPerSocket ?? 0;
    this.#parserOptions = {
      maxHeaderSize: options.maxHeaderSize ?? MAX_HEADER_SIZE,
      insecure: options.insecureHTTPParser ?? false,
      requireHost: options.requireHostHeader ?? true,
    };
    if (listener) this.on("request", listener);
  }

  /** Whether `close()` was called. */
  get closing(): boolean {
    return this.#closing;
  }

  /**
   * Starts listening. Forms: `listen(port, [hostname], [backlog], [callback])`, `listen(path, [callback])`,
   * `listen(options, [callback])`, `listen([callback])`. Errors (`EADDRINUSE`, `EACCES`) arrive as
   * `'error'`; success as `'listening'` (and `callback`).
   */
  listen(...args: unknown[]): this {
    const callback = typeof args.at(-1) === "function" ? args.pop() as () => void : undefined;
    const target = listenTarget(args);
    if (this.#listener || this.#listenPending) {
      throw new HttpUsageError(
        "ERR_SERVER_ALREADY_LISTEN",
        "Listen method has been called more than once without closing.",
      );
    }
    this.#listenPending = true;
    this.#closing = false;
    if (callback) this.once("listening", callback);
    let transport: Transport;
    try {
      transport = this.#transport ??= defaultTransportOrThrow();
    } catch (err) {
      this.#listenPending = false;
      queueMicrotask(() => this.emit("error", err as Error));
      return this;
    }
    transport.listen(target, (conn) => this.#accept(conn)).then(
      (listener) => {
        this.#listenPending = false;
        if (this.#closing) {
          listener.close();
          return;
        }
        this.#listener = listener;
        this.listening = true;
        this.#startSweep();
        this.emit("listening");
      },
      (err: Error) => {
        this.#listenPending = false;
        this.emit("error", err);
      },
    );
    return this;
  }

  /** The bound address: `{ address, port, family }`, a unix socket path, or `null` before listening. */
  address(): { address: string; port: number; family: string } | string | null {
    const a = this.#listener?.address;
    if (!a) return null;
    if (a.family === "unix") return a.address;
    return { address: a.address, port: a.port, family: a.family };
  }

  /**
   * Stops accepting connections and closes idle ones; responses in flight finish, then their
   * connections close. `'close'` (and `callback`) follow once every connection is gone.
   */
  close(callback?: (err?: Error) => void): this {
    if (callback) this.#closeCallbacks.push(callback);
    if (!this.#listener && !this.#listenPending) {
      if (callback) {
        this.#closeCallbacks = this.#closeCallbacks.filter((cb) => cb !== callback);
        queueMicrotask(() =>
          callback(new HttpUsageError("ERR_SERVER_NOT_RUNNING", "Server is not running."))
        );
      }
      return this;
    }
    this.#closing = true;
    this.listening = false;
    const listener = this.#listener;
    this.#listener = undefined;
    const closed = listener ? listener.close() : Promise.resolve();
    this.closeIdleConnections();
    closed.then(() => {
      this.#listenerClosed = true;
      this.#maybeClosed();
    });
    return this;
  }

  #listenerClosed = false;

  /** Closes every connection that is between requests. */
  closeIdleConnections(): void {
    for (const conn of [...this.#connections]) conn.closeIfIdle();
  }

  /** Closes every connection now, in flight or not. */
  closeAllConnections(): void {
    for (const conn of [...this.#connections]) conn.socket.destroy();
  }

  /** Sets the inactivity timeout of every socket; `'timeout'` (or `callback`) gets the socket. */
  setTimeout(ms: number, callback?: (socket: Socket) => void): this {
    this.timeout = ms;
    if (callback) this.on("timeout", callback);
    return this;
  }

  /** Closes the server; for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#listener && !this.#listenPending) return;
    await new Promise<void>((resolve) => this.close(() => resolve()));
  }

  // ---- ConnectionHost ----

  /** @ignore Internal (server connections). */
  emitRequest(req: IncomingMessage, res: ServerResponse, event: "request"): void {
    this.#dispatch(event, req, res);
  }

  /** @ignore Internal (server connections). */
  emitRequestIfListened(
    req: IncomingMessage,
    res: ServerResponse,
    event: "checkContinue" | "checkExpectation",
  ): boolean {
    if (this.listenerCount(event) === 0) return false;
    this.#dispatch(event, req, res);
    return true;
  }

  /** @ignore Internal (server connections). */
  emitTakeover(
    event: "upgrade" | "connect",
    req: IncomingMessage,
    socket: Socket,
    head: Uint8Array,
  ): boolean {
    if (this.listenerCount(event) === 0) return false;
    this.emit(event, req, socket, head);
    return true;
  }

  /** @ignore Internal (server connections). */
  emitClientError(error: Error, socket: Socket): boolean {
    if (this.listenerCount("clientError") === 0) return false;
    this.emit("clientError", error, socket);
    return true;
  }

  /** @ignore Internal (ConnectionHost). */
  connectionClosed(conn: ServerConnection): void {
    this.#connections.delete(conn);
    this.#maybeClosed();
  }

  /** @ignore Internal (ConnectionHost). */
  connectionHandedOver(conn: ServerConnection): void {
    // As a net.Server in Node: 'close' waits for upgraded sockets too, though HTTP no longer drives them.
    this.#connections.delete(conn);
    const socket = conn.socket;
    this.#handedOver.add(socket);
    socket.once("close", () => {
      this.#handedOver.delete(socket);
      this.#maybeClosed();
    });
  }

  #handedOver = new Set<Socket>();

  // ---- internals ----

  #accept(conn: TransportConn): void {
    if (this.#closing) {
      conn.start({ onData: () => false, onEnd() {}, onDrain() {}, onClose() {} });
      conn.destroy();
      return;
    }
    if (this.#options.noDelay !== false) conn.setNoDelay(true);
    const socket = new Socket(conn);
    const connection = new ServerConnection(socket, this, this.#parserOptions);
    this.#connections.add(connection);
    if (this.timeout > 0) {
      socket.setTimeout(this.timeout, () => {
        if (!this.emit("timeout", socket)) socket.destroy();
      });
    }
    this.emit("connection", socket);
  }

  /** Runs the listeners of `event`; a throw or a rejected promise becomes a 500 (or a destroyed socket). */
  #dispatch(
    event: "request" | "checkContinue" | "checkExpectation",
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    for (const listener of this.rawListenersOf(event)) {
      try {
        const result = listener.call(this, req, res) as unknown;
        if (result && typeof (result as Promise<void>).then === "function") {
          (result as Promise<void>).then(undefined, (err: unknown) => this.#handlerFailed(err, res));
        }
      } catch (err) {
        this.#handlerFailed(err, res);
      }
    }
  }

  #handlerFailed(err: unknown, res: ServerResponse): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (!res.headersSent) {
      res.writeHead(500, { "Content-Length": 0, Connection: "close" });
      res.end();
    } else res.socket.destroy();
    // Report it: to 'error' listeners when there are any, else on the console, never as a crash.
    if (this.listenerCount("error") > 0) this.emit("error", error);
    else console.error("Unhandled error in a request listener:", error);
  }

  #startSweep(): void {
    if (this.#sweep !== undefined) return;
    const shortest = Math.min(
      ...[this.headersTimeout, this.requestTimeout, this.keepAliveTimeout].filter((t) => t > 0),
    );
    const every = this.#options.connectionsCheckingInterval ??
      Math.max(50, Math.min(1000, Math.floor(shortest / 4)));
    this.#sweep = setInterval(() => {
      const now = Date.now();
      for (const conn of this.#connections) conn.checkTimeouts(now);
    }, every);
  }

  #maybeClosed(): void {
    if (!this.#closing || !this.#listenerClosed || this.#connections.size > 0 || this.#handedOver.size > 0) {
      return;
    }
    if (this.#sweep !== undefined) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
    this.#listenerClosed = false;
    const callbacks = this.#closeCallbacks;
    this.#closeCallbacks = [];
    this.emit("close");
    for (const cb of callbacks) cb();
  }
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
  if (typeof options === "function") return new Server({}, options);
  return new Server(options ?? {}, listener);
}

function listenTarget(args: unknown[]): ListenTarget {
  const [first, second] = args;
  if (typeof first === "object" && first !== null) {
    const o = first as ListenOptions;
    if (o.path !== undefined) return { path: o.path };
    return {
      port: validPort(o.port ?? 0),
      hostname: o.host ?? "0.0.0.0",
      ...(o.reusePort !== undefined ? { reusePort: o.reusePort } : {}),
    };
  }
  if (typeof first === "string" && !/^\d+$/.test(first)) return { path: first };
  const port = first === undefined || first === null ? 0 : validPort(Number(first));
  return { port, hostname: typeof second === "string" ? second : "0.0.0.0" };
}

function validPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw Object.assign(new RangeError(`options.port should be >= 0 and < 65536. Received ${port}.`), {
      code: "ERR_SOCKET_BAD_PORT",
    });
  }
  return port;
}
