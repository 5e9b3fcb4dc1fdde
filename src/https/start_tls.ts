/**
 * `startTls(socket, options)`: a TLS client session over an open {@linkcode Socket}, for HTTPS through a
 * CONNECT tunnel (Node's `tls.connect({ socket })`). Where the transport can do it natively
 * (`TransportConn.startTls`, e.g. workerd's `startTls()`), it does; elsewhere `node:tls` runs over the
 * socket through a Node duplex stream (measured on Deno 2.9.6 and Bun 1.4.5: both accept a plain
 * `Duplex` as `socket`). Both `node:` modules load on first use only.
 *
 * @module
 */

import { kStartTls, Socket } from "../io/socket.ts";
import type { TlsConnectOptions } from "../io/transport.ts";
import { tlsOverStream } from "../transports/tls_over_stream.ts";

/** The members of `node:stream`'s `Duplex` used here. */
interface DuplexLike {
  push(chunk: Uint8Array | null): boolean;
  destroy(error?: Error): unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

interface DuplexOptions {
  read(): void;
  write(chunk: Uint8Array, encoding: string, callback: (error?: Error | null) => void): void;
  final(callback: () => void): void;
  destroy(error: Error | null, callback: (error: Error | null) => void): void;
}

let duplexClass: Promise<new (options: DuplexOptions) => DuplexLike> | undefined;

function loadDuplex(): Promise<new (options: DuplexOptions) => DuplexLike> {
  const specifier = ["node", "stream"].join(":");
  return duplexClass ??= import(specifier).then((m: { Duplex: new (options: DuplexOptions) => DuplexLike }) =>
    m.Duplex
  );
}

/** A Node duplex stream over a raw {@linkcode Socket}, with backpressure both ways. */
async function duplexOver(socket: Socket): Promise<DuplexLike> {
  const Duplex = await loadDuplex();
  const duplex = new Duplex({
    read: () => socket.resume(),
    write: (chunk, _encoding, callback) => {
      socket.write(chunk, (error) => callback(error ?? null));
    },
    final: (callback) => {
      socket.end();
      callback();
    },
    destroy: (error, callback) => {
      socket.destroy();
      callback(error);
    },
  });
  socket.on("data", (chunk) => {
    if (!duplex.push(chunk as Uint8Array)) socket.pause();
  });
  socket.on("end", () => duplex.push(null));
  socket.on("error", (error) => duplex.destroy(error));
  socket.on("close", () => duplex.destroy());
  return duplex;
}

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
  const conn = await tlsOverStream(await duplexOver(socket), hostname, withAlpn);
  return new Socket(conn);
}
