/**
 * The contract every runtime adapter implements (`src/transports/*`). Everything above this layer talks
 * to sockets only through these interfaces, so nothing there names `Deno` or `Bun`.
 *
 * TLS is part of the contract: `listen`/`connect` take TLS options, an encrypted connection carries its
 * session facts in `conn.tls`, and `startTls` layers TLS on an open connection (tunnels). Adapters do the
 * handshake and the certificate checks; the layers above only read the results.
 *
 * Inbound data is pushed (`onData`) and throttled with `pause()`/`resume()`; outbound data is a
 * `write()` that never blocks and reports fullness through its return value and `onDrain`, the shape of
 * both Bun's socket API and Node's streams. A Deno adapter turns its `read()`/`write()` promises into this.
 *
 * @module
 */

import { type HttpError, isFamilyKind, joinFamily } from "../core/errors.ts";

/** Address of one end of a connection. For unix sockets `address` is the path and `port` is 0. */
export interface TransportAddress {
  /** IP address or unix socket path. */
  address: string;
  /** Port, or 0 for a unix socket. */
  port: number;
  /** `"IPv4"`, `"IPv6"` or `"unix"`. */
  family: "IPv4" | "IPv6" | "unix";
}

/** Callbacks a connection owner installs with {@linkcode TransportConn.start}. */
export interface TransportHandler {
  /**
   * Bytes arrived. The view may point into a buffer the adapter reuses for the next read: return `true` if
   * you kept a reference to it (or a subarray of it) past this call, so the adapter reads the next bytes
   * into a fresh buffer instead.
   */
  onData(chunk: Uint8Array): boolean;
  /** The peer closed its sending side (EOF). Writing may still be possible. */
  onEnd(): void;
  /** Writes that reported fullness have been flushed; `write()` will return `true` again. */
  onDrain(): void;
  /** The connection is fully closed, by either side. Called exactly once, last. `error` if it failed. */
  onClose(error: Error | undefined): void;
}

/** One open byte-stream connection (TCP or unix), as an adapter exposes it. */
export interface TransportConn {
  /**
   * True while the connection is still being opened (a client's socket handed out at once, as Node's
   * `net.connect` does): writes are queued until it opens. Absent or false for an open connection.
   */
  readonly connecting?: boolean;
  /** Local end. */
  readonly local: TransportAddress;
  /** Remote end. */
  readonly remote: TransportAddress;
  /** Installs the handler and starts reading. Called once. */
  start(handler: TransportHandler): void;
  /**
   * Queues bytes for sending; the adapter owns `chunk` from now on (callers must not reuse it). Returns
   * `false` when the queue is over the high-water mark; `onDrain` follows once it empties.
   *
   * With `transient`, the caller will reuse `chunk`'s memory as soon as `write` returns: the adapter
   * copies whatever it cannot hand to the OS right away. This lets the hot path encode every response
   * into one scratch buffer instead of allocating one per response (a fresh buffer per write measured
   * 2–5 µs on Bun, a quarter of a small request's cost).
   */
  write(chunk: Uint8Array, transient?: boolean): boolean;
  /** Bytes queued but not yet handed to the OS. */
  readonly bufferedAmount: number;
  /**
   * Optional: asks for one `onDrain` once every byte written so far has been handed to the OS (in a later
   * microtask when nothing is queued), though no `write()` returned false. For an owner whose own mark is
   * below the adapter's: a Node socket's `write()` returns false for any chunk as large as its mark, even
   * when the OS takes it at once, and `'drain'` follows. Without it, the adapter's answer is the owner's.
   */
  requestDrain?(): void;
  /** Stops delivering `onData` until `resume()`; the OS receive window then applies backpressure. */
  pause(): void;
  /** Resumes delivering `onData`. */
  resume(): void;
  /** Sends FIN after queued writes are flushed (half-close); reading may continue. */
  end(): void;
  /** Closes both directions at once, dropping queued writes. `onClose` follows. */
  destroy(error?: Error): void;
  /**
   * Optional. While on, a read loop waits for the write in flight to finish before it reads again, so
   * reads and writes alternate as in a request/response exchange. Measured on Deno: a read pending
   * while `conn.write` runs made each write cost ~60% more (16 vs 10 µs under the profiler); alternating
   * took a hello-world server from 18 to 14 µs per request. Off for raw (upgraded) sockets, whose two
   * directions must stay independent. Adapters that are not read loops ignore it.
   */
  alternate?(on: boolean): void;
  /** Turns Nagle's algorithm off (true) or on. No-op where the runtime cannot. */
  setNoDelay(noDelay: boolean): void;
  /** Enables TCP keep-alive probes. No-op where the runtime cannot. */
  setKeepAlive(enable: boolean, initialDelayMs: number): void;
  /**
   * Node's `socket.unref()`: an open connection no longer keeps the process alive (an Agent's idle
   * pooled sockets, as in Node). Absent where the runtime cannot.
   */
  unref?(): void;
  /** Undoes {@linkcode TransportConn.unref}. */
  ref?(): void;
  /**
   * Present when the connection is encrypted: the TLS session's facts. On a server the adapter hands the
   * connection to `onConnection` only after the handshake succeeded; on a client `connect` resolves only
   * after it, so this never describes a handshake in progress.
   */
  readonly tls?: TransportTls | undefined;
  /**
   * Optional. Starts a client TLS session over this connection (HTTPS through a CONNECT tunnel, STARTTLS)
   * and resolves with the encrypted connection once the handshake is done. Call `pause()` first (a
   * pending read would take the handshake's bytes; adapters may refuse with `ERR_INVALID_STATE`). Calling
   * it detaches the handler installed with `start()`: no callback reaches it afterwards (not even
   * `onClose`), and this object is spent; use only the returned one, whose close covers both. Rejects like
   * {@linkcode Transport.connect} with `tls` (Node's codes). Absent where the adapter has no native way:
   * the `./https` entry then runs `node:tls` over the `Socket` itself (Deno and Bun do that).
   */
  startTls?(options: TlsConnectOptions): Promise<TransportConn>;
}

// ---- TLS ----------------------------------------------------------------------------------------------

/** PEM text or bytes (DER is not accepted), one item or several, as Node's `tls` options take them. */
export type TlsMaterial = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

/**
 * ALPN protocol names as Node's `ALPNProtocols` takes them: an array of names (strings or bytes), or one
 * buffer in the TLS wire format (each name preceded by its length byte, e.g. `"\x08http/1.1"`).
 *
 * @example
 * ```ts
 * import type { TlsAlpnProtocols } from "@wire/http";
 * const names: TlsAlpnProtocols = ["http/1.1"];
 * const wire: TlsAlpnProtocols = new Uint8Array([8, ...new TextEncoder().encode("http/1.1")]);
 * console.log(names.length, wire.byteLength); // 1 9
 * ```
 */
export type TlsAlpnProtocols = ReadonlyArray<string | Uint8Array> | Uint8Array;

/**
 * Node's `pfx`: a PKCS#12 archive (key and certificate chain in one file), or several, each optionally
 * with its own passphrase (`{ buf, passphrase }`); without one, `passphrase` applies.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "@wire/http/https";
 * const pfx = await Deno.readFile("server.p12");
 * createServer({ pfx, passphrase: "secret" }, (req, res) => res.end("hello\n")).listen(8443);
 * ```
 */
export type TlsPfx =
  | string
  | Uint8Array
  | ReadonlyArray<string | Uint8Array | { readonly buf: string | Uint8Array; readonly passphrase?: string }>;

/**
 * The certificate a server presents for one SNI name: TLS options (`key` and `cert`, or `pfx`), or a
 * secure context made by the runtime's own `createSecureContext()` from `node:tls` (recognized by its
 * `context` member, as Node's `SecureContext` has). Adapters turn options into their runtime's context
 * once per options object and reuse it for every handshake.
 *
 * @example
 * ```ts ignore
 * import type { TlsContext } from "@wire/http";
 * import { createSecureContext } from "node:tls";
 * const fromOptions: TlsContext = { key: apiKey, cert: apiCert };
 * const fromNodeTls: TlsContext = createSecureContext({ key: apiKey, cert: apiCert });
 * ```
 */
export type TlsContext = TlsCommonOptions | { readonly context: unknown };

/**
 * Node's `SNICallback(servername, callback)`: called during a handshake whose client sent an SNI name;
 * `callback(null, context)` picks the certificate (`undefined` keeps the server's default),
 * `callback(error)` fails the handshake. May answer later (asynchronously): the handshake waits.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "@wire/http/https";
 * createServer({
 *   key,
 *   cert,
 *   SNICallback: (servername, callback) => {
 *     certificateStore.lookup(servername).then(
 *       (found) => callback(null, found && { key: found.key, cert: found.cert }),
 *       (error) => callback(error),
 *     );
 *   },
 * }, (req, res) => res.end(`hello ${req.socket.servername}\n`)).listen(443);
 * ```
 */
export type TlsSniCallback = (
  servername: string,
  callback: (error: Error | null, context?: TlsContext) => void,
) => void;

/** Options both ends take; names and meanings are Node's `tls.createSecureContext()` options. */
export interface TlsCommonOptions {
  /** Private key(s) in PEM. */
  key?: TlsMaterial;
  /** Certificate chain(s) in PEM, leaf first. */
  cert?: TlsMaterial;
  /** Trusted CA certificates in PEM. On a client they are the roots (see each adapter for defaults). */
  ca?: TlsMaterial;
  /** Passphrase of an encrypted `key` or of `pfx`. */
  passphrase?: string;
  /** PKCS#12 key and certificate chain, instead of (or besides) `key` and `cert`. */
  pfx?: TlsPfx;
  /** ALPN protocol names to offer or accept, most preferred first (the HTTP layers pass `["http/1.1"]`). */
  ALPNProtocols?: TlsAlpnProtocols;
  /** Lowest protocol version to allow. */
  minVersion?: "TLSv1.2" | "TLSv1.3";
  /** Highest protocol version to allow. */
  maxVersion?: "TLSv1.2" | "TLSv1.3";
}

/** Server-side TLS: the certificate to present and whether to ask for the client's. */
export interface TlsServerOptions extends TlsCommonOptions {
  /** Ask the client for a certificate (mutual TLS). Default false. */
  requestCert?: boolean;
  /**
   * With `requestCert`: refuse a client that presents no certificate or one that does not chain to `ca`
   * (Node's default, true). With false the connection is accepted and `tls.authorized` tells.
   */
  rejectUnauthorized?: boolean;
  /**
   * Milliseconds a connection may take to finish its handshake before it is dropped with
   * `ERR_TLS_HANDSHAKE_TIMEOUT` (Node's default, 120 000), so idle connections cannot pile up unseen.
   */
  handshakeTimeout?: number;
  /**
   * Chooses the certificate per SNI name (many names on one listener). Not called for a client that
   * sends no name: it gets the default certificate (`key`/`cert`/`pfx`).
   */
  SNICallback?: TlsSniCallback;
}

/** Client-side TLS. */
export interface TlsConnectOptions extends TlsCommonOptions {
  /** SNI name and the name the certificate must match; never an IP address (Node's rule). */
  servername?: string;
  /** Host the certificate is checked against when it differs from `servername` (e.g. an IP). */
  host?: string;
  /**
   * Refuse a server whose certificate does not verify (Node's default, true). With false the connection
   * is made anyway and `tls.authorized`/`tls.authorizationError` tell.
   */
  rejectUnauthorized?: boolean;
  /**
   * Node's `checkServerIdentity(host, cert)`: return an `Error` to refuse the server. Replaces the default
   * RFC 6125 check (which yields `ERR_TLS_CERT_ALTNAME_INVALID`).
   */
  checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
  /**
   * A session from an earlier connection's `getSession()`, to resume instead of doing a full handshake
   * (the server may still decline). Adapters that cannot resume refuse it with a coded error.
   */
  session?: Uint8Array;
}

/** A certificate in Node's `getPeerCertificate()` shape. */
export interface PeerCertificate {
  /** Subject fields (`CN`, `O`, `OU`, `C`, ...). */
  subject: Record<string, string | string[]>;
  /** Issuer fields, same shape. */
  issuer: Record<string, string | string[]>;
  /** e.g. `"DNS:localhost, IP Address:127.0.0.1"`; absent when the certificate has none. */
  subjectaltname?: string;
  /** Start of validity, OpenSSL's text form (`"Nov 29 00:00:00 2026 GMT"`). */
  valid_from: string;
  /** End of validity, same form. */
  valid_to: string;
  /** Serial number in upper-case hex. */
  serialNumber: string;
  /** SHA-1 of the DER bytes, `AA:BB:...`. */
  fingerprint: string;
  /** SHA-256 of the DER bytes, `AA:BB:...`. */
  fingerprint256: string;
  /** Whether it is a CA certificate, when known. */
  ca?: boolean;
  /** The DER bytes. */
  raw: Uint8Array;
  /** With `getPeerCertificate(true)`: the issuer's certificate (itself for a self-signed root). */
  issuerCertificate?: PeerCertificate;
  /** Other fields the runtime reports (`pubkey`, `modulus`, `exponent`, `infoAccess`, ...). */
  [field: string]: unknown;
}

/** Node's `getCipher()` shape. */
export interface CipherInfo {
  /** OpenSSL's name of the cipher suite. */
  name: string;
  /** IETF name of the cipher suite. */
  standardName: string;
  /** Lowest protocol version that suite is defined for (Node's `version` field). */
  version: string;
}

/**
 * The TLS facts of an encrypted {@linkcode TransportConn}. Where the runtime cannot tell one of them,
 * the method throws a {@linkcode SystemError} with `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM`: it never
 * answers with an empty value that would read as "no certificate".
 */
export interface TransportTls {
  /** True when the peer's certificate verified against the trusted CAs (and, on a client, its name). */
  readonly authorized: boolean;
  /** Why the peer is not authorized, as Node's code string (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`); else null. */
  readonly authorizationError: string | null;
  /** Negotiated ALPN protocol, or false. */
  readonly alpnProtocol: string | false;
  /** On a server: the SNI name the client sent, or false. On a client: the name it sent, or false. */
  readonly servername: string | false;
  /** The peer's certificate in Node's shape, or null when it presented none. */
  getPeerCertificate(detailed?: boolean): PeerCertificate | null;
  /** Negotiated protocol version (`"TLSv1.3"`), or null if unknown. */
  getProtocol(): string | null;
  /** Negotiated cipher suite. */
  getCipher(): CipherInfo;
  /**
   * Optional (clients, where the runtime can resume sessions). The session to pass as `session` on a
   * later connection, or undefined while the server has sent none (TLS 1.3 sends its tickets after the
   * handshake).
   */
  getSession?(): Uint8Array | undefined;
  /** Optional, with `getSession`: whether this connection resumed an earlier session. */
  isSessionReused?(): boolean;
}

/** Where to listen: a TCP port (and host), or a unix socket path. */
export type ListenTarget =
  | { readonly port: number; readonly hostname: string; readonly reusePort?: boolean }
  | { readonly path: string };

/** An open listening socket. */
export interface TransportListener {
  /** Bound address (with the real port after `port: 0`). */
  readonly address: TransportAddress;
  /** Stops accepting; connections already accepted stay open. Resolves once the listener is closed. */
  close(): Promise<void>;
  /**
   * Optional (TLS listeners). Replaces the default certificate and its settings for handshakes that start
   * from now on; connections already open keep theirs. Throws the runtime's error for bad material.
   */
  setSecureContext?(options: TlsCommonOptions): void;
}

/** Where to connect: a TCP host and port, or a unix socket path. */
export type ConnectTarget =
  | { readonly hostname: string; readonly port: number }
  | { readonly path: string };

/**
 * What an adapter provides. `listen` and `connect` reject with errors that carry Node's `code`
 * (`EADDRINUSE`, `EACCES`, `ECONNREFUSED`, `ENOENT`, ...), mapped in the adapter.
 *
 * @example
 * ```ts ignore
 * import type { Transport } from "@wire/http";
 * declare const transport: Transport;
 * const listener = await transport.listen({ port: 0, hostname: "127.0.0.1" }, (conn) => conn.destroy());
 * await listener.close();
 * ```
 */
export interface Transport {
  /** Name for diagnostics: `"deno"`, `"bun"`, `"web-streams"`. */
  readonly name: string;
  /**
   * Optional: the TLS features beyond the common ones that this adapter's runtime has, so the layers
   * above can refuse (`ERR_FEATURE_UNAVAILABLE_ON_PLATFORM`) at the call that asks for one instead of
   * failing later. Absent means none of them.
   */
  readonly tlsFeatures?: TlsFeatures | undefined;
  /**
   * Starts listening; `onConnection` is called for every accepted connection. With `options.tls` every
   * connection is TLS: `onConnection` gets it after a successful handshake (with `conn.tls` set) and a
   * failed handshake goes to `options.onTlsError` only. Adapters without server TLS reject with
   * `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM`.
   */
  listen(
    target: ListenTarget,
    onConnection: (conn: TransportConn) => void,
    options?: TransportListenOptions,
  ): Promise<TransportListener>;
  /**
   * Opens a connection; with `options.tls`, a TLS one (resolves after the handshake, `conn.tls` set). A
   * certificate that does not verify rejects with Node's code (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`,
   * `DEPTH_ZERO_SELF_SIGNED_CERT`, `CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`, ...) unless
   * `rejectUnauthorized` is false. Options the runtime cannot honour reject with
   * `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM` instead of being ignored.
   */
  connect(target: ConnectTarget, options?: TransportConnectOptions): Promise<TransportConn>;
}

/**
 * TLS features an adapter may have (see {@linkcode Transport.tlsFeatures}).
 *
 * @example
 * ```ts ignore
 * import type { Transport } from "@wire/http";
 * declare const transport: Transport;
 * if (transport.tlsFeatures?.keylog) console.log("key logs available for Wireshark");
 * ```
 */
export interface TlsFeatures {
  /** Key log lines (`onKeylog`) on listeners and connections. */
  readonly keylog: boolean;
  /** Client session resumption (`session`, `getSession()`, `isSessionReused()`). */
  readonly sessionResumption: boolean;
  /** `TransportListener.setSecureContext` and `SNICallback`. */
  readonly sni: boolean;
}

/** Options of {@linkcode Transport.listen}. */
export interface TransportListenOptions {
  /** Serve TLS with these settings. */
  tls?: TlsServerOptions;
  /**
   * A TLS handshake failed (Node's `'tlsClientError'`): the connection is already closed and never
   * reached `onConnection`. `error.code` is Node's when known (e.g. `ERR_SSL_NO_SHARED_CIPHER`).
   */
  onTlsError?: (error: Error & { code?: string }, remote: TransportAddress, conn?: TransportConn) => void;
  /**
   * Receives the key log lines of every handshake (NSS key log format, one line with its `\n`, e.g.
   * `CLIENT_RANDOM <64 hex> <96 hex>` or TLS 1.3's `CLIENT_TRAFFIC_SECRET_0 ...`), with the connection
   * they belong to, before it reaches `onConnection` (or `onTlsError`). Adapters whose runtime cannot
   * expose key material (`tlsFeatures.keylog` false) reject `listen` with
   * `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM`.
   */
  onKeylog?: (line: Uint8Array, conn: TransportConn) => void;
}

/** Options of {@linkcode Transport.connect}. */
export interface TransportConnectOptions {
  /** Aborts connecting (and the TLS handshake). */
  signal?: AbortSignal;
  /** Speak TLS with these settings. */
  tls?: TlsConnectOptions;
  /**
   * With `tls`: receives the handshake's key log lines as they are made (see
   * {@linkcode TransportListenOptions.onKeylog}); refused where `tlsFeatures.keylog` is false.
   */
  onKeylog?: (line: Uint8Array) => void;
  /**
   * With `tls`: receives each session the server offers for resumption (TLS 1.3 tickets arrive after
   * the handshake, TLS 1.2 sessions with it), to pass as `session` later. Refused where
   * `tlsFeatures.sessionResumption` is false.
   */
  onSession?: (session: Uint8Array) => void;
  /** The local IP address to connect from (Node's `localAddress`); refused where an adapter cannot bind it. */
  localAddress?: string;
  /** The local port to connect from (Node's `localPort`); refused where an adapter cannot bind it. */
  localPort?: number;
}

/**
 * The codes of a failed name resolution (getaddrinfo's), which Node reports as `getaddrinfo <code> <host>`
 * and as the error of a socket's `'lookup'`.
 *
 * @example
 * ```ts ignore
 * if (RESOLVE_ERROR_CODES.has(error.code)) socket.emit("lookup", error, undefined, undefined, host);
 * ```
 */
export const RESOLVE_ERROR_CODES: ReadonlySet<string> = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "EAI_NONAME",
  "EAI_NODATA",
]);

/** Constructor type of {@linkcode SystemError}. */
export interface SystemErrorConstructor {
  /** Creates a plain `Error` with a Node-style code (and `syscall` when known). */
  new (code: string, message: string, syscall?: string, options?: ErrorOptions): SystemError;
  /** True for a system error of this package (or of another copy of it). */
  [Symbol.hasInstance](value: unknown): boolean;
}

/**
 * Error with a Node-style `code` (and `syscall` when known), as adapters raise them. As Node's connect and
 * TLS errors, it is a plain `Error` ("Error: connect ECONNREFUSED ...", `err.constructor === Error`); it is
 * part of the package's one error family too: `isHttpError()` and `instanceof HttpError` hold for it.
 *
 * @example
 * ```ts
 * import { SystemError } from "@wire/http";
 * const err = new SystemError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1", "connect");
 * console.log(err.code, err.constructor === Error); // "ECONNREFUSED" true
 * ```
 */
export interface SystemError extends HttpError {
  /** The operation that failed: `listen`, `connect`, `read`, `write`. */
  readonly syscall: string | undefined;
}

/** See {@linkcode SystemError}: a function, so that `new` can hand back a plain `Error`. */
export const SystemError: SystemErrorConstructor = function SystemError(
  code: string,
  message: string,
  syscall?: string,
  options?: ErrorOptions,
) {
  const error = new Error(message, options) as Error & { syscall: string | undefined };
  (Error as { captureStackTrace?: (e: object, fn: unknown) => void }).captureStackTrace?.(error, SystemError);
  error.syscall = syscall;
  return joinFamily(error, code, 500, "system");
} as unknown as SystemErrorConstructor;
Object.defineProperty(SystemError, Symbol.hasInstance, {
  value: (value: unknown) => isFamilyKind(value, "system"),
});
