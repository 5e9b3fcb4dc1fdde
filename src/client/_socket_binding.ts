/**
 * The HTTP driver of each socket an agent (or `createConnection`) hands to `req.onSocket()`. A socket
 * keeps one driver for its whole life, so a pooled socket given again is not wrapped twice; a `net`/`tls`
 * socket or any other Duplex is wrapped in our `Socket` once. Without an agent, a socket is closed after
 * its exchange (with one, the request tells the agent with `'free'`).
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { Socket, socketOver } from "../io/socket.ts";
import { ClientConnection, type ConnectionOwner } from "./_connection.ts";
import { kReleased, kRemoved } from "./_hooks.ts";
import type { ParserOptions } from "../core/parser.ts";

/** A socket as given: ours, or any Duplex. */
export type SourceSocket = Socket | Duplex;

interface Binding {
  source: SourceSocket;
  /** No agent owns the socket: it closes after its exchange. */
  oneOff: boolean;
}

const bindings = new WeakMap<ClientConnection, Binding>();
const bySource = new WeakMap<SourceSocket, ClientConnection>();

const owner: ConnectionOwner = {
  [kReleased](conn) {
    // With an agent the request emits 'free' on the socket when its response has ended (Node's order).
    const binding = bindings.get(conn);
    if (!binding || binding.oneOff) conn.socket.destroy();
  },
  [kRemoved](conn, takenOver) {
    const binding = bindings.get(conn);
    if (!binding) return;
    bySource.delete(binding.source);
    // Taken over (upgrade, CONNECT): its agent stops counting it (Node's 'agentRemove'). A closed one
    // leaves its agent on its own 'close', as in Node, so it is still counted in listeners of the
    // response's 'end' (the socket closes after).
    if (takenOver) binding.source.emit("agentRemove");
  },
};

/** The request options that shape a new connection's parser (Node's `maxHeaderSize`, `insecureHTTPParser`). */
export interface ParserSettings {
  maxHeaderSize?: number;
  insecureHTTPParser?: boolean;
}

/**
 * The driver of `source` (made on first use, its parser shaped by `settings`: a pooled socket keeps the
 * parser of the request that opened it); `oneOff` says whether it closes after this exchange.
 *
 * @example
 * ```ts ignore
 * const conn = bindSocket(netSocket, false, {}); // wraps it once; later calls return the same driver
 * ```
 */
export function bindSocket(
  source: SourceSocket,
  oneOff: boolean,
  settings: ParserSettings,
): ClientConnection {
  let conn = bySource.get(source);
  if (conn && !conn.closed) {
    bindings.get(conn)!.oneOff = oneOff;
    return conn;
  }
  const socket = source instanceof Socket ? source : socketOver(source);
  // Built only here, for a new driver: most requests reuse a pooled socket's.
  const parserOptions: ParserOptions = {};
  if (settings.maxHeaderSize !== undefined) parserOptions.maxHeaderSize = settings.maxHeaderSize;
  if (settings.insecureHTTPParser) parserOptions.insecure = true;
  conn = new ClientConnection(socket, owner, parserOptions);
  bySource.set(source, conn);
  bindings.set(conn, { source, oneOff });
  return conn;
}
