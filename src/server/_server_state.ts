/**
 * What a server keeps for itself, and the bookkeeping over it: accepting sockets (and refusing them when
 * closing or full), tracking the connections they become, and the `'close'` that waits for every one of
 * them, upgraded sockets included.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { MAX_HEADER_SIZE } from "../core/limits.ts";
import { Socket, socketOver } from "../io/socket.ts";
import { reportUncaught } from "../io/_uncaught.ts";
import type { Transport, TransportConn, TransportListener } from "../io/transport.ts";
import { ServerConnection } from "./_connection.ts";
import type { ConnectionHost, HostedConnection } from "./_connection_host.ts";
import type { ServerOptions } from "./_server_options.ts";
import type { ServerClass } from "./server.ts";

/** Key of a server's {@linkcode ServerState}. */
export const kState: unique symbol = Symbol("@wire/http.serverState");

/**
 * What a server keeps for itself. One symbol-keyed object rather than `#private` fields: those can only
 * be added by the class's own constructor, and Node's function-style subclassing (`http.Server.call(this)`
 * on an object made by another constructor) must set up a working server on any object.
 */
export interface ServerState {
  options: ServerOptions;
  /** What the server's connections call (`_server_host.ts`): one object, shared by all of them. */
  host: ConnectionHost;
  transport: Transport | undefined;
  listener: TransportListener | undefined;
  listenPending: boolean;
  /** The listener's close finished (part of the condition for `'close'`). */
  listenerClosed: boolean;
  closing: boolean;
  closeCallbacks: ((err?: Error) => void)[];
  connections: Set<HostedConnection>;
  /** Upgraded/CONNECT sockets, which `close()` still waits for. */
  handedOver: Set<Socket>;
  sweep: ReturnType<typeof setInterval> | undefined;
  parserOptions: { maxHeaderSize: number; insecure: boolean; requireHost: boolean };
  /**
   * The sockets' `allowHalfOpen`: true for HTTP servers (Node's http.Server forces it); an HTTPS server
   * sets its option's value (false by default, as Node's tls.Server).
   */
  socketAllowHalfOpen: boolean;
}

/**
 * The state of a server just set up with `options`, whose connections call `host`.
 *
 * @example
 * ```ts ignore
 * self[kState] = newServerState(options, new ServerHost(server, classes));
 * ```
 */
export function newServerState(options: ServerOptions, host: ConnectionHost): ServerState {
  return {
    options,
    host,
    transport: options.transport,
    listener: undefined,
    listenPending: false,
    listenerClosed: false,
    closing: false,
    closeCallbacks: [],
    connections: new Set(),
    handedOver: new Set(),
    sweep: undefined,
    socketAllowHalfOpen: true,
    parserOptions: {
      maxHeaderSize: options.maxHeaderSize ?? MAX_HEADER_SIZE,
      insecure: options.insecureHTTPParser ?? false,
      requireHost: options.requireHostHeader ?? true,
    },
  };
}

/**
 * A new transport connection: refused at `maxConnections`, else a `'connection'`. One that comes while the
 * server is closing is served too, as Node's: the transport accepted it before its listener closed (a TLS
 * listener hands connections over once their handshake is done, which may be after `close()`); its answer
 * says `Connection: close`.
 *
 * @example
 * ```ts ignore
 * transport.listen(target, (conn) => accept(server, conn));
 * ```
 */
export function accept(server: ServerClass, conn: TransportConn): void {
  const state = server[kState];
  if (server.maxConnections !== undefined && state.connections.size >= server.maxConnections) {
    conn.start({ onData: () => false, onEnd() {}, onDrain() {}, onClose() {} });
    conn.destroy();
    return;
  }
  if (state.options.noDelay !== false) conn.setNoDelay(true);
  if (state.options.keepAlive) conn.setKeepAlive(true, state.options.keepAliveInitialDelay ?? 0);
  try {
    const highWaterMark = state.options.highWaterMark;
    const allowHalfOpen = state.socketAllowHalfOpen;
    const socketOptions = highWaterMark === undefined ? { allowHalfOpen } : { highWaterMark, allowHalfOpen };
    server.emit("connection", new Socket(conn, socketOptions));
  } catch (err) {
    reportUncaught(err);
  }
}

/**
 * Node's connectionListener, the server's own first 'connection' listener (one function for every
 * server: the emitter passes the server as `this`): HTTP over the socket. A socket of ours is driven
 * directly; any other Duplex (`server.emit("connection", duplex)`, as Node allows) through a transport
 * adapter over it.
 *
 * @example
 * ```ts ignore
 * server.on("connection", onConnection);
 * ```
 */
export function onConnection(this: ServerClass, stream: Socket | Duplex): void {
  const state = this[kState];
  const socket = stream instanceof Socket ? stream : socketOver(stream);
  const connection = new ServerConnection(socket, state.host, state.parserOptions);
  state.connections.add(connection);
  if (this.timeout > 0) socket.setTimeout(this.timeout);
  (this as unknown as { socketAccepted(socket: Socket): void }).socketAccepted(socket);
}

/**
 * Emits `'close'` (and runs `close()`'s callbacks) once the server is closing and nothing is left.
 *
 * @example
 * ```ts ignore
 * state.connections.delete(conn);
 * maybeClosed(server);
 * ```
 */
export function maybeClosed(server: ServerClass): void {
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
