/**
 * Opens the socket for a request: its `createConnection`, a unix socket path, or host and port through
 * the transport (the Agent's, or the runtime's default).
 *
 * @module
 */

import { Socket } from "../io/socket.ts";
import { SystemError, type Transport, type TransportConn } from "../io/transport.ts";
import { resolveHost } from "./_lookup.ts";
import { defaultTransportOrThrow } from "../io/default_transport.ts";
import { originOf, type OriginOptions } from "./_origin.ts";
import { tlsConnectOptions } from "./tls_options.ts";
import { duplexConn } from "../io/duplex_conn.ts";
import type { Duplex } from "node:stream";
import { PendingConn } from "./_pending_conn.ts";

/** Node's `createConnection(options, callback)`: returns the socket, or hands it to `callback`. */
function created(options: OriginOptions): Promise<Socket | TransportConn | Duplex> {
  return new Promise((resolve, reject) => {
    const made = options.createConnection!(options, (err, socket) => {
      if (err) reject(err);
      else if (socket) resolve(socket);
    });
    if (made !== undefined && made !== null) Promise.resolve(made).then(resolve, reject);
  });
}

/** Opens a socket for `options`. Rejects with the transport's coded error (`ECONNREFUSED`, ...). */
export async function openConnection(
  options: OriginOptions,
  transport: Transport | undefined,
): Promise<Socket> {
  if (options.createConnection) {
    const made = await created(options);
    if (made instanceof Socket) return made;
    // Ours (a TransportConn has `start`), or any Duplex: a net/tls socket, a test's in-memory pair.
    return new Socket("start" in made ? made : duplexConn(made));
  }
  return new Socket(await connectTransport(options, transport));
}

/**
 * Node's `net.connect` for the Agent: the socket at once, still connecting (it emits `'connect'` and
 * `'ready'` once open; a failure to open is its `'error'` and `'close'`). Undefined for TLS, whose socket
 * facts (`encrypted`, the peer certificate) exist only after the handshake: that one waits.
 *
 * @example
 * ```ts ignore
 * const socket = connectingSocket({ host: "127.0.0.1", port: 8080 }, undefined)!;
 * console.log(socket.connecting); // true
 * socket.on("connect", () => console.log(socket.remoteAddress)); // "127.0.0.1"
 * ```
 */
export function connectingSocket(
  options: OriginOptions,
  transport: Transport | undefined,
): Socket | undefined {
  if (options.createConnection || originOf(options).tls) return undefined;
  const pending = new PendingConn(connectTransport(options, transport));
  const socket = new Socket(pending);
  pending.onConnect = () => {
    socket.emit("connect");
    socket.emit("ready");
  };
  return socket;
}

/** Opens the transport connection for `options` (host and port, or a unix socket path). */
async function connectTransport(
  options: OriginOptions,
  transport: Transport | undefined,
): Promise<TransportConn> {
  const t = transport ?? defaultTransportOrThrow();
  const origin = originOf(options);
  const local = options as { localAddress?: string; localPort?: number };
  if (local.localAddress || local.localPort) {
    // The transports cannot bind the local end; refused rather than silently ignored.
    throw new SystemError(
      "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
      `localAddress/localPort are not available on the ${t.name} transport`,
      "connect",
    );
  }
  const tls = origin.tls ? { tls: tlsConnectOptions(options, origin.host) } : undefined;
  const conn = origin.socketPath
    ? await t.connect({ path: origin.socketPath }, tls)
    : await t.connect({ hostname: await resolveHost(origin.host, options), port: origin.port }, tls);
  // Requests are written in one piece per flush; Nagle would only delay them.
  conn.setNoDelay(true);
  return conn;
}
