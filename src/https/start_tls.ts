/**
 * `startTls(socket, options)`: a TLS client session over an open {@linkcode Socket}, for HTTPS through a
 * CONNECT tunnel (Node's `tls.connect({ socket })`). Where the transport can do it natively
 * (`TransportConn.startTls`, e.g. workerd's `startTls()`), it does; elsewhere `node:tls` runs over the
 * socket, itself a Node duplex stream (measured on Deno 2.9.6 and Bun 1.4.5: both accept a plain
 * `Duplex` as `socket`).
 *
 * @module
 */

import { kStartTls, Socket } from "../io/socket.ts";
import type { TlsConnectOptions } from "../io/transport.ts";
import { tlsOverStream } from "../transports/tls_over_stream.ts";

/**
 * Starts a TLS client session over `socket` (typically the socket of a `'connect'` event: a tunnel
 * through an HTTP proxy) and resolves with the encrypted {@linkcode Socket} once the handshake passed
 * Node's checks; certificate failures reject with Node's codes. `options.servername` names the server
 * (SNI and the certificate check).
 *
 * @example
 * ```ts ignore
 * import { request } from "@wire/http";
 * import { request as httpsRequest, startTls } from "@wire/http/https";
 * const connect = request({ host: "proxy.local", port: 3128, method: "CONNECT", path: "example.com:443" });
 * connect.on("connect", async (_res, socket) => {
 *   const tls = await startTls(socket, { servername: "example.com" });
 *   httpsRequest({ host: "example.com", createConnection: () => tls }, (res) => res.resume()).end();
 * });
 * connect.end();
 * ```
 */
export async function startTls(socket: Socket, options: TlsConnectOptions = {}): Promise<Socket> {
  const withAlpn: TlsConnectOptions = { ALPNProtocols: ["http/1.1"], ...options };
  const native = socket[kStartTls](withAlpn);
  if (native !== undefined) return new Socket(await native);
  const hostname = options.servername ?? options.host ?? "localhost";
  // Our socket is a Duplex carrying the tunnel's raw bytes: node:tls runs over it as over any stream.
  const conn = await tlsOverStream(socket, hostname, withAlpn);
  return new Socket(conn);
}
