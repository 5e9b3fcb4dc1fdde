/**
 * `Server`: Node's `http.Server` on a {@linkcode Transport}. Accepts connections, runs one
 * `ServerConnection` per socket, enforces the timeouts with one sweep timer, and closes gracefully.
 *
 * @module
 */

import { EventEmitter } from "node:events";
import { kClosed, Socket, validTimeout } from "../io/socket.ts";
import { reportUncaught } from "../io/_uncaught.ts";
import { callableClass } from "../io/_callable.ts";
import { duplexConn } from "../io/duplex_conn.ts";
import type { Duplex } from "node:stream";
import { invalidArgType as invalidArg, outOfRange } from "../io/_node_errors.ts";
import { Buffer } from "node:buffer";
import { IncomingMessage } from "../io/incoming_message.ts";
import type { ListenTarget, Transport, TransportConn, TransportListener } from "../io/transport.ts";
import { defaultTransportOrThrow } from "../io/default_transport.ts";
import { HttpUsageError } from "../core/errors.ts";
import { MAX_HEADER_SIZE } from "../core/limits.ts";
import { STATUS_CODES } from "../core/status_codes.ts";
import { ServerConnection } from "./_connection.ts";
import { ServerResponse } from "./server_response.ts";

/** A request listener. What it throws is the process's uncaught exception, as in Node. */
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
  /** Enable TCP keep-alive probes on accepted sockets (default false, as Node). */
  keepAlive?: boolean;
  /** Initial delay (ms) of those probes (default 0). */
  keepAliveInitialDelay?: number;
  /**
   * A request listener's rejected promise answers 500 (or destroys a response already started), as
   * Node's `captureRejections`; default `EventEmitter.captureRejections` (false: the rejection is the
   * process's unhandled rejection).
   */
  captureRejections?: boolean;
  /** Throw `ERR_HTTP_BODY_NOT_ALLOWED` when a handler writes a body a HEAD/204/304 response cannot carry. */
  rejectNonStandardBodyWrites?: boolean;
  /** Join every repeated request field with `", "` in `req.headers` (default false, as Node). */
  joinDuplicateHeaders?: boolean;
  /** Node's: a custom `IncomingMessage` subclass for requests. */
  IncomingMessage?: typeof IncomingMessage;
  /** Node's: a custom `ServerResponse` subclass for responses. */
  ServerResponse?: typeof ServerResponse;
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
  /** HTTPS servers: a TLS handshake failed (see `@wire/http/https`). */
  tlsClientError: [err: Error & { code?: string }, info: unknown];
  /** A listener is being added (Node's emitter event). */
  // deno-lint-ignore no-explicit-any
  newListener: [event: string | symbol, listener: (...args: any[]) => void];
  /** HTTPS servers: a connection finished its handshake. */
  secureConnection: [socket: Socket];
  /** HTTPS servers: one NSS key log line of a handshake (`socket` null when the handshake failed). */
  keylog: [line: Uint8Array, socket: Socket | null];
  /** A request past `maxRequestsPerSocket` was dropped (answered 503), as Node's `'dropRequest'`. */
  dropRequest: [req: IncomingMessage, socket: Socket];
  /** A socket was idle longer than `server.setTimeout()` allows. */
  timeout: [socket: Socket];
}

/** Key of a server's {@linkcode ServerState}. */
const kState = Symbol("@wire/http.serverState");

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
  // The fields are set by `initServer`, not by initializers, so that `Server.call(this)` (Node's
  // function-style subclassing, which never runs this constructor) sets up the same object.
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
  /** @ignore Internal (server connections): see `ConnectionHost.messageClasses`. */
  declare readonly messageClasses: {
    IncomingMessage: typeof IncomingMessage;
    ServerResponse: typeof ServerResponse;
    joinDuplicateHeaders: boolean;
    responseOptions: { rejectNonStandardBodyWrites: boolean };
  };
  /** @ignore Internal: the server's own state (see {@linkcode ServerState}). */
  declare readonly [kState]: ServerState;

  /** Creates a server; prefer {@linkcode createServer}. */
  constructor(options?: ServerOptions | RequestListener | null, listener?: RequestListener) {
    super();
    initServer(this, options, listener);
  }

  /** Whether `close()` was called. */
  get closing(): boolean {
    return this[kState].closing;
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
        startSweep(this);
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

  // ---- ConnectionHost ----

  /** @ignore Internal (server connections). */
  emitRequest(req: IncomingMessage, res: ServerResponse, event: "request"): void {
    dispatch(this, event, req, res);
  }

  /** @ignore Internal (server connections). */
  emitRequestIfListened(
    req: IncomingMessage,
    res: ServerResponse,
    event: "checkContinue" | "checkExpectation",
  ): boolean {
    if (this.listenerCount(event) === 0) return false;
    dispatch(this, event, req, res);
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
    try {
      this.emit(event, req, socket, Buffer.from(head.buffer, head.byteOffset, head.byteLength));
    } catch (err) {
      reportUncaught(err);
    }
    return true;
  }

  /** @ignore Internal (server connections). */
  emitClientError(error: Error, socket: Socket): boolean {
    if (this.listenerCount("clientError") === 0) return false;
    try {
      this.emit("clientError", error, socket);
    } catch (err) {
      reportUncaught(err);
    }
    return true;
  }

  /** @ignore Internal (server connections). */
  emitDropRequest(req: IncomingMessage, socket: Socket): void {
    try {
      this.emit("dropRequest", req, socket);
    } catch (err) {
      reportUncaught(err);
    }
  }

  /** @ignore Internal (server connections). */
  emitTimeout(socket: Socket): boolean {
    return this.emit("timeout", socket);
  }

  /** @ignore Internal (ConnectionHost). */
  connectionClosed(conn: ServerConnection): void {
    this[kState].connections.delete(conn);
    maybeClosed(this);
  }

  /** @ignore Internal (ConnectionHost). */
  connectionHandedOver(conn: ServerConnection): void {
    // As a net.Server in Node: 'close' waits for upgraded sockets too, though HTTP no longer drives them.
    const state = this[kState];
    state.connections.delete(conn);
    const socket = conn.socket;
    state.handedOver.add(socket);
    socket[kClosed] = () => {
      state.handedOver.delete(socket);
      maybeClosed(this);
    };
  }

  /** @ignore Hook for subclasses (the https server): the socket HTTP now runs on. */
  protected socketAccepted(_socket: Socket): void {}
}

/**
 * What a server keeps for itself. One symbol-keyed object rather than `#private` fields: those can only
 * be added by the class's own constructor, and Node's function-style subclassing (`http.Server.call(this)`
 * on an object made by another constructor) must set up a working server on any object.
 */
interface ServerState {
  options: ServerOptions;
  transport: Transport | undefined;
  listener: TransportListener | undefined;
  listenPending: boolean;
  /** The listener's close finished (part of the condition for `'close'`). */
  listenerClosed: boolean;
  closing: boolean;
  closeCallbacks: ((err?: Error) => void)[];
  connections: Set<ServerConnection>;
  /** Upgraded/CONNECT sockets, which `close()` still waits for. */
  handedOver: Set<Socket>;
  sweep: ReturnType<typeof setInterval> | undefined;
  parserOptions: { maxHeaderSize: number; insecure: boolean; requireHost: boolean };
}

/**
 * Sets up `server` as an HTTP server: the constructor's body, and what `Server.call(self, ...)` runs on
 * an object of a function-style subclass (whose `EventEmitter` part is set up first, as Node's chain of
 * `.call`s does).
 */
function initServer(
  server: ServerClass,
  options: ServerOptions | RequestListener | null | undefined,
  listener: RequestListener | undefined,
): void {
  if (typeof options === "function") {
    listener = options;
    options = {};
  } else if (options === null || options === undefined) options = {};
  else if (typeof options !== "object" || Array.isArray(options)) {
    throw invalidArg("options", "object", options);
  }
  for (const name of ["headersTimeout", "requestTimeout", "keepAliveTimeout", "maxHeaderSize"] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== "number" || !(value >= 0))) {
      throw typeof value !== "number"
        ? invalidArg(`options.${name}`, "number", value)
        : outOfRange(`options.${name}`, ">= 0", value);
    }
  }
  const self = server as
    & {
      -readonly [K in keyof ServerClass]: ServerClass[K];
    }
    & { [kState]: ServerState };
  self.maxConnections = undefined;
  self.httpAllowHalfOpen = false;
  self.maxHeadersCount = null;
  self.timeout = 0;
  self.listening = false;
  self.requestTimeout = options.requestTimeout ?? 300_000;
  // As Node: the head's budget defaults to 60 s, or less when the whole request has less.
  self.headersTimeout = options.headersTimeout ??
    (self.requestTimeout > 0 ? Math.min(60_000, self.requestTimeout) : 60_000);
  if (self.requestTimeout > 0 && self.headersTimeout > 0 && self.headersTimeout > self.requestTimeout) {
    throw outOfRange("headersTimeout", "<= requestTimeout", self.headersTimeout);
  }
  self.keepAliveTimeout = options.keepAliveTimeout ?? 5_000;
  self.maxRequestsPerSocket = options.maxRequestsPerSocket ?? 0;
  self.messageClasses = {
    IncomingMessage: options.IncomingMessage ?? IncomingMessage,
    ServerResponse: options.ServerResponse ?? ServerResponse,
    joinDuplicateHeaders: options.joinDuplicateHeaders ?? false,
    responseOptions: { rejectNonStandardBodyWrites: options.rejectNonStandardBodyWrites ?? false },
  };
  self[kState] = {
    options,
    transport: options.transport,
    listener: undefined,
    listenPending: false,
    listenerClosed: false,
    closing: false,
    closeCallbacks: [],
    connections: new Set(),
    handedOver: new Set(),
    sweep: undefined,
    parserOptions: {
      maxHeaderSize: options.maxHeaderSize ?? MAX_HEADER_SIZE,
      insecure: options.insecureHTTPParser ?? false,
      requireHost: options.requireHostHeader ?? true,
    },
  };
  server.on("connection", onConnection);
  if (listener) server.on("request", listener);
}

/** `Server.call(self, ...)` from a function-style subclass: `self` becomes a server in place. */
function initInPlace(self: object, args: unknown[]): void {
  const server = self as ServerClass;
  // A server already set up keeps its state (Node would start over, orphaning live connections).
  if (Object.hasOwn(server, kState)) return;
  EventEmitter.call(server);
  initServer(server, args[0] as ServerOptions | RequestListener | undefined, args[1] as RequestListener);
}

function accept(server: ServerClass, conn: TransportConn): void {
  const state = server[kState];
  if (state.closing) {
    conn.start({ onData: () => false, onEnd() {}, onDrain() {}, onClose() {} });
    conn.destroy();
    return;
  }
  if (server.maxConnections !== undefined && state.connections.size >= server.maxConnections) {
    conn.start({ onData: () => false, onEnd() {}, onDrain() {}, onClose() {} });
    conn.destroy();
    return;
  }
  if (state.options.noDelay !== false) conn.setNoDelay(true);
  if (state.options.keepAlive) conn.setKeepAlive(true, state.options.keepAliveInitialDelay ?? 0);
  try {
    server.emit("connection", new Socket(conn));
  } catch (err) {
    reportUncaught(err);
  }
}

/**
 * Node's connectionListener, the server's own first 'connection' listener (one function for every
 * server: the emitter passes the server as `this`): HTTP over the socket. A socket of ours is driven
 * directly; any other Duplex (`server.emit("connection", duplex)`, as Node allows) through a transport
 * adapter over it.
 */
function onConnection(this: ServerClass, stream: Socket | Duplex): void {
  const state = this[kState];
  const socket = stream instanceof Socket ? stream : new Socket(duplexConn(stream));
  const connection = new ServerConnection(socket, this, state.parserOptions);
  state.connections.add(connection);
  if (this.timeout > 0) socket.setTimeout(this.timeout);
  (this as unknown as { socketAccepted(socket: Socket): void }).socketAccepted(socket);
}

/**
 * Emits `event`. What a listener throws is the process's uncaught exception, as in Node (where it
 * propagates out of the socket's data handler): reported outside our stack, so the connection's own
 * error handling never mistakes it for bad input from the peer.
 */
function dispatch(
  server: ServerClass,
  event: "request" | "checkContinue" | "checkExpectation",
  req: IncomingMessage,
  res: ServerResponse,
): void {
  if (!captureRejections(server)) {
    try {
      server.emit(event, req, res);
    } catch (err) {
      reportUncaught(err);
    }
    return;
  }
  // With captureRejections (Node's option, or `EventEmitter.captureRejections`), a listener's rejected
  // promise goes to the rejection handler below, as Node's emitter does (Deno's does not, so it is here).
  for (const listener of server.rawListeners(event)) {
    try {
      const result = (listener as (...args: unknown[]) => unknown).call(server, req, res);
      if (result && typeof (result as Promise<unknown>).then === "function") {
        (result as Promise<unknown>).then(undefined, (err: unknown) => rejected(err, res));
      }
    } catch (err) {
      reportUncaught(err);
    }
  }
}

/** Node's `Server[captureRejectionSymbol]` for requests: a 500 if nothing was sent, else destroy. */
function rejected(_err: unknown, res: ServerResponse): void {
  if (!res.headersSent && !res.writableEnded) {
    // Don't leak headers the listener set before it failed.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    res.statusCode = 500;
    res.end(STATUS_CODES[500]);
  } else res.destroy();
}

function captureRejections(server: ServerClass): boolean {
  return server[kState].options.captureRejections ??
    (EventEmitter as { captureRejections?: boolean }).captureRejections ??
    false;
}

function startSweep(server: ServerClass): void {
  const state = server[kState];
  if (state.sweep !== undefined) return;
  const shortest = Math.min(
    ...[server.headersTimeout, server.requestTimeout, server.keepAliveTimeout].filter((t) => t > 0),
  );
  const every = state.options.connectionsCheckingInterval ??
    Math.max(50, Math.min(1000, Math.floor(shortest / 4)));
  state.sweep = setInterval(() => {
    const now = Date.now();
    for (const conn of state.connections) conn.checkTimeouts(now);
  }, every);
}

function maybeClosed(server: ServerClass): void {
  const state = server[kState];
  if (
    !state.closing || !state.listenerClosed || state.connections.size > 0 || state.handedOver.size > 0
  ) {
    return;
  }
  if (state.sweep !== undefined) {
    clearInterval(state.sweep);
    state.sweep = undefined;
  }
  state.listenerClosed = false;
  const callbacks = state.closeCallbacks;
  state.closeCallbacks = [];
  server.emit("close");
  for (const cb of callbacks) cb();
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
