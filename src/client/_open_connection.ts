/**
 * Opens the socket for a request: its `createConnection`, a unix socket path, or host and port through
 * the transport (the Agent's, or the runtime's default).
 *
 * @module
 */

import { Socket } from "../io/socket.ts";
import type { Transport, TransportConn } from "../io/transport.ts";
import { defaultTransportOrThrow } from "../io/default_transport.ts";
import { originOf, type OriginOptions } from "./_origin.ts";
import { tlsConnectOptions } from "./tls_options.ts";

/** Opens a socket for `options`. Rejects with the transport's coded error (`ECONNREFUSED`, ...). */
export async function openConnection(
  options: OriginOptions,
  transport: Transport | undefined,
): Promise<Socket> {
  if (options.createConnection) {
    const made = await options.createConnection(options);
    return made instanceof Socket ? made : new Socket(made as TransportConn);
  }
  const t = transport ?? defaultTransportOrThrow();
  const origin = originOf(options);
  const tls = origin.tls ? { tls: tlsConnectOptions(options, origin.host) } : undefined;
  const conn = origin.socketPath
    ? await t.connect({ path: origin.socketPath }, tls)
    : await t.connect({ hostname: origin.host, port: origin.port }, tls);
  // Requests are written in one piece per flush; Nagle would only delay them.
  conn.setNoDelay(true);
  return new Socket(conn);
}
