/**
 * What a {@linkcode Socket} knows about its TLS session: Node's `TLSSocket` members (`encrypted`,
 * `authorized`, `getPeerCertificate()`, ...) and the seed's `verifyPeer()`, read from the transport's
 * {@linkcode TransportTls}. Kept apart from `socket.ts` so the byte-moving code stays in one small file.
 *
 * @module
 */

import { Duplex, type DuplexOptions } from "node:stream";
import { type CipherInfo, type PeerCertificate, SystemError, type TransportTls } from "./transport.ts";

/**
 * Internal: the socket made over each TLS session. Whoever watched that session's handshake (the https
 * Agent's key log) can name the socket once the session is known: at once for a socket made over an open
 * connection, at its `'connect'` for one made while connecting.
 */
export const socketsByTls: WeakMap<TransportTls, SocketBase> = new WeakMap();

/** Internal: tells a socket made while connecting that its connection opened (see `socketsByTls`). */
export const kTlsOpened: unique symbol = Symbol("wire.tlsOpened");

/** Where a socket reads its TLS facts: the transport connection (its `tls` may come once it opened). */
export interface TlsSource {
  /** The session's facts; undefined on a plain connection, or while a TLS one is still opening. */
  readonly tls?: TransportTls | undefined;
  /** True when the connection is TLS, also while it opens; absent: whether `tls` is there. */
  readonly encrypted?: boolean;
}

/**
 * The TLS half of {@linkcode Socket}; `Socket` is the class to use.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "@wire/http/https";
 * createServer({ key, cert }, (req, res) => res.end(`${req.socket.encrypted} ${req.socket.getProtocol()}\n`));
 * ```
 */
export class SocketBase extends Duplex {
  /** True on a TLS connection (Node's `TLSSocket.encrypted`), false on plain TCP or unix. */
  readonly encrypted: boolean;
  readonly #source: TlsSource;

  /**
   * Reads TLS facts from `source` when asked (a connection still opening has none yet); `options` go to
   * `Duplex`.
   */
  constructor(source: TlsSource, options?: DuplexOptions) {
    super(options);
    this.#source = source;
    const tls = source.tls;
    this.encrypted = source.encrypted ?? tls !== undefined;
    if (tls !== undefined) socketsByTls.set(tls, this);
  }

  /** The session's facts, once there (read at each use: they come when a connecting socket opens). */
  get #tls(): TransportTls | undefined {
    return this.#source.tls;
  }

  /** @ignore Internal (a socket made while connecting): its connection opened, so its session is known. */
  [kTlsOpened](): void {
    const tls = this.#source.tls;
    if (tls !== undefined) socketsByTls.set(tls, this);
  }

  // ---- TLS (Node's TLSSocket members; `undefined` or null on a plain socket, as they are absent there) ----

  /** TLS: whether the peer's certificate verified against the trusted CAs (and, on a client, its name). */
  get authorized(): boolean | undefined {
    // A TLS socket still connecting is not authorized yet (false, as Node's); a plain one has no such field.
    return this.#tls?.authorized ?? (this.encrypted ? false : undefined);
  }

  /** TLS: why the peer is not authorized, as Node's code (`UNABLE_TO_GET_ISSUER_CERT`), or null. */
  get authorizationError(): string | null | undefined {
    return this.#tls === undefined ? undefined : this.#tls.authorizationError;
  }

  /**
   * Node's `TLSSocket._secureEstablished`, which libraries read to tell a TLS socket that finished its
   * handshake: true once it did, false on a TLS socket still connecting, undefined on a plain socket (a
   * `net.Socket` has no such field).
   */
  get _secureEstablished(): boolean | undefined {
    return this.encrypted ? this.#tls !== undefined : undefined;
  }

  /** TLS: the negotiated ALPN protocol, or false. */
  get alpnProtocol(): string | false | undefined {
    return this.#tls?.alpnProtocol;
  }

  /** TLS: on a server, the SNI name the client asked for; on a client, the name sent; else false. */
  get servername(): string | false | undefined {
    return this.#tls?.servername;
  }

  /**
   * TLS: the peer's certificate in Node's shape (`subject`, `issuer`, `valid_from`, `valid_to`,
   * `fingerprint256`, `raw`, ...; with `detailed`, `issuerCertificate` where the runtime gives the chain).
   * An empty object when the peer presented none (or on a plain socket), as Node. Throws
   * `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM` where the runtime cannot tell.
   *
   * @example
   * ```ts ignore
   * import { createServer } from "@wire/http/https";
   * createServer({ key, cert, ca, requestCert: true }, (req, res) => {
   *   res.end(`hello ${req.socket.getPeerCertificate().subject?.CN}\n`);
   * });
   * ```
   */
  getPeerCertificate(detailed?: boolean): PeerCertificate {
    // Node's shape and typing: an empty object stands for "no certificate" (also on a plain socket).
    return this.#tls?.getPeerCertificate(detailed) ?? ({} as PeerCertificate);
  }

  /**
   * The seed's `verifyPeer()`: true when the peer presented a certificate that chains to the trusted CAs
   * (on a server: a client certificate checked against `ca`). False on a plain socket.
   *
   * @example
   * ```ts ignore
   * createServer({ key, cert, ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
   *   res.statusCode = req.connection.verifyPeer() ? 200 : 401;
   *   res.end();
   * });
   * ```
   */
  verifyPeer(): boolean {
    const tls = this.#tls;
    return tls !== undefined && tls.authorized && tls.getPeerCertificate() !== null;
  }

  /** TLS: the negotiated protocol version (`"TLSv1.3"`); null on a plain socket or when unknown. */
  getProtocol(): string | null {
    return this.#tls?.getProtocol() ?? null;
  }

  /** TLS: the negotiated cipher suite (`{ name, standardName, version }`); undefined on a plain socket. */
  getCipher(): CipherInfo | undefined {
    return this.#tls?.getCipher();
  }

  /**
   * TLS client: the session to pass as the `session` option of a later request, skipping the full
   * handshake; undefined on a plain socket or before the server sent one (TLS 1.3 sends tickets after
   * the handshake). Throws `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM` where the runtime cannot resume (Deno).
   *
   * @example
   * ```ts ignore
   * import { get } from "@wire/http/https";
   * get("https://example.com/", (res) => {
   *   const session = res.socket?.getSession();
   *   res.resume();
   *   res.on("end", () => get("https://example.com/", { session, agent: false }, (again) => {
   *     console.log(again.socket?.isSessionReused()); // true when the server resumed it
   *     again.resume();
   *   }));
   * });
   * ```
   */
  getSession(): Uint8Array | undefined {
    const tls = this.#tls;
    if (tls === undefined) return undefined;
    if (tls.getSession === undefined) {
      throw new SystemError(
        "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
        "TLS session resumption is not available on this runtime",
        "tls",
      );
    }
    return tls.getSession();
  }

  /** TLS: whether this connection resumed an earlier session (false where the runtime cannot resume). */
  isSessionReused(): boolean {
    return this.#tls?.isSessionReused?.() ?? false;
  }
}
