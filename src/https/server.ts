/**
 * Node's `https.Server`: the HTTP server of `../server/server.ts` on a transport that listens with TLS.
 * The server code itself knows nothing of TLS; it gets a wrapped {@linkcode Transport} whose `listen` adds
 * the TLS options, and failed handshakes come back as `'tlsClientError'`.
 *
 * @module
 */

import { defaultTransportOrThrow } from "../io/default_transport.ts";
import type { TlsServerOptions, Transport, TransportAddress } from "../io/transport.ts";
import {
  type RequestListener,
  Server as HttpServer,
  type ServerOptions as HttpServerOptions,
} from "../server/server.ts";

/** Options of {@linkcode createServer}: Node's TLS server options plus the HTTP server's. */
export interface ServerOptions extends HttpServerOptions, TlsServerOptions {}

/** Who failed a TLS handshake, as `'tlsClientError'` reports it (the connection is already closed). */
export interface TlsClientInfo {
  /** Peer IP address. */
  remoteAddress: string;
  /** Peer port. */
  remotePort: number;
  /** `"IPv4"` or `"IPv6"`. */
  remoteFamily: string;
}

const TLS_KEYS = [
  "key",
  "cert",
  "ca",
  "passphrase",
  "requestCert",
  "rejectUnauthorized",
  "ALPNProtocols",
  "minVersion",
  "maxVersion",
  "handshakeTimeout",
] as const;

/** The TLS part of `options`; HTTP/1.1 is announced through ALPN unless the caller says otherwise. */
function tlsPart(options: ServerOptions): TlsServerOptions {
  const tls: Record<string, unknown> = { ALPNProtocols: ["http/1.1"] };
  for (const key of TLS_KEYS) if (options[key] !== undefined) tls[key] = options[key];
  return tls as TlsServerOptions;
}

/**
 * A transport that listens with TLS on top of `base` (the runtime's by default, looked up when used so
 * the entry can install it after this module loads).
 */
function listeningWithTls(
  base: Transport | undefined,
  tls: TlsServerOptions,
  onTlsError: (error: Error, remote: TransportAddress) => void,
): Transport {
  const inner = (): Transport => base ?? defaultTransportOrThrow();
  return {
    get name(): string {
      return inner().name;
    },
    listen: (target, onConnection) => inner().listen(target, onConnection, { tls, onTlsError }),
    connect: (target, options) => inner().connect(target, options),
  };
}

/**
 * An HTTPS server: Node's `https.Server`. Every connection is TLS; `req.socket` has `encrypted`,
 * `authorized`, `authorizationError`, `getPeerCertificate()`, `getProtocol()`, `getCipher()`,
 * `alpnProtocol`, `servername` and `verifyPeer()`. A failed handshake emits `'tlsClientError'` with the
 * error (Node's code) and {@linkcode TlsClientInfo}, and touches no other connection.
 *
 * @example
 * ```ts ignore
 * import { Server } from "@wire/http/https";
 * const server = new Server({ key, cert }, (req, res) => res.end("secure\n"));
 * server.on("tlsClientError", (err) => console.log("handshake failed:", err.code));
 * server.listen(8443);
 * ```
 */
export class Server extends HttpServer {
  /** Creates a server; prefer {@linkcode createServer}. */
  constructor(options: ServerOptions = {}, listener?: RequestListener) {
    const onTlsError = (error: Error, remote: TransportAddress): void => {
      const info: TlsClientInfo = {
        remoteAddress: remote.address,
        remotePort: remote.port,
        remoteFamily: remote.family,
      };
      this.emit("tlsClientError", error, info);
    };
    super(
      { ...options, transport: listeningWithTls(options.transport, tlsPart(options), onTlsError) },
      listener,
    );
  }
}

/**
 * Node's `https.createServer([options][, listener])`.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "@wire/http/https";
 * const key = await Deno.readTextFile("server.key");
 * const cert = await Deno.readTextFile("server.pem");
 * createServer({ key, cert }, (req, res) => res.end("hello over TLS\n")).listen(8443);
 * ```
 */
export function createServer(
  options?: ServerOptions | RequestListener,
  listener?: RequestListener,
): Server {
  if (typeof options === "function") return new Server({}, options);
  return new Server(options ?? {}, listener);
}
