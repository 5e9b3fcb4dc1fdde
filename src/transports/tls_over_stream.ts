/**
 * A TLS client session over a byte stream that is already open, such as a tunnel a proxy opened for a
 * `CONNECT` request (Node's `tls.connect({ socket })`). The transport layer's one public door to it, so
 * the layers above never reach into the `node:tls` client files behind it.
 *
 * @module
 */

import type { TlsConnectOptions, TransportConn } from "../io/transport.ts";
import { connectNodeTls } from "./_node_tls_client.ts";

/**
 * Runs the TLS client handshake over `stream`, a Node-style duplex stream (`node:stream`'s `Duplex`;
 * both Deno's and Bun's `node:tls` accept one as `socket`, measured on Deno 2.9.6 and Bun 1.4.5), and
 * resolves with the encrypted connection once the handshake passed Node's checks; certificate failures
 * reject with Node's codes. `hostname` is what the client asked for: the SNI name and the name the
 * certificate must match unless `tls.servername` or `tls.host` say otherwise. `node:tls` loads on first
 * use.
 *
 * @example
 * ```ts
 * import type { Duplex } from "node:stream";
 * import { tlsOverStream } from "./tls_over_stream.ts";
 * // `tunnel`: the bytes of a proxy's CONNECT tunnel to example.com:443, as a Node duplex stream.
 * async function overTunnel(tunnel: Duplex): Promise<void> {
 *   const conn = await tlsOverStream(tunnel, "example.com", { ALPNProtocols: ["http/1.1"] });
 *   console.log(conn.remote); // the tunnel's far end, as the stream reports it
 *   conn.destroy();
 * }
 * console.log(typeof overTunnel); // "function"
 * ```
 */
export function tlsOverStream(
  stream: unknown,
  hostname: string,
  tls: TlsConnectOptions,
): Promise<TransportConn> {
  return connectNodeTls({ stream, hostname }, tls, undefined);
}
