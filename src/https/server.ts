/**
 * Node's `https.Server`: the HTTP server of `../server/server.ts` on a transport that listens with TLS.
 * The server code itself knows nothing of TLS; it gets a wrapped {@linkcode Transport} whose `listen` adds
 * the TLS options, and failed handshakes come back as `'tlsClientError'`.
 *
 * What a deployment needs on top: many names on one server (`SNICallback`, `addContext()`), a new
 * certificate without a restart (`setSecureContext()`), key logs for Wireshark (`'keylog'`), and
 * `'secureConnection'`. The transport does the TLS; this file keeps the state Node keeps on its server
 * (the name table, the current certificate) and hands it to the transport's listener.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { HttpUsageError } from "../core/errors.ts";
import { alpnWire } from "../transports/_tls_facts.ts";
import { defaultTransportOrThrow } from "../io/default_transport.ts";
import type { Socket } from "../io/socket.ts";
import {
  SystemError,
  type TlsAlpnProtocols,
  type TlsCommonOptions,
  type TlsContext,
  type TlsServerOptions,
  type Transport,
  type TransportAddress,
  type TransportConn,
  type TransportListener,
  type TransportListenOptions,
} from "../io/transport.ts";
import {
  type RequestListener,
  ServerClass,
  type ServerOptions as HttpServerOptions,
} from "../server/server.ts";
import { kState } from "../server/_server_state.ts";
import { callableClass } from "../io/_callable.ts";
import { invalidArgType } from "../io/_node_errors.ts";
import { SniTable } from "./_sni.ts";
import { failedHandshakeSocket } from "./_failed_handshake.ts";

/** Options of {@linkcode createServer}: Node's TLS server options plus the HTTP server's. */
export interface ServerOptions extends HttpServerOptions, TlsServerOptions {
  /**
   * `net.Server`'s, for the sockets once they are raw (after an upgrade or CONNECT): false (the default,
   * as Node's `tls.Server`) ends a socket's writable side a tick after the client's FIN; true leaves it
   * open until the listener ends it. While HTTP reads a socket, `httpAllowHalfOpen` decides.
   */
  allowHalfOpen?: boolean;
}

/**
 * Who failed a TLS handshake: the fields of the socket `'tlsClientError'` and `'clientError'` carry (the
 * connection is already closed), for code that reads only the peer's address.
 */
export interface TlsClientInfo {
  /** Peer IP address. */
  remoteAddress: string;
  /** Peer port. */
  remotePort: number;
  /** `"IPv4"` or `"IPv6"`. */
  remoteFamily: string;
}

/** The options that make up a certificate: what `setSecureContext()` replaces. */
const CONTEXT_KEYS = ["key", "cert", "ca", "passphrase", "pfx", "minVersion", "maxVersion"] as const;

const TLS_KEYS = [
  ...CONTEXT_KEYS,
  "requestCert",
  "rejectUnauthorized",
  "ALPNProtocols",
  "handshakeTimeout",
  "SNICallback",
] as const;

/** The TLS part of `options`; HTTP/1.1 is announced through ALPN unless the caller says otherwise. */
function tlsPart(options: ServerOptions): TlsServerOptions {
  const tls: Record<string, unknown> = { ALPNProtocols: ["http/1.1"] };
  for (const key of TLS_KEYS) if (options[key] !== undefined) tls[key] = options[key];
  return tls as TlsServerOptions;
}

/** The certificate part of `options` (for `setSecureContext`). */
function contextPart(options: TlsCommonOptions): TlsCommonOptions {
  const part: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) if (options[key] !== undefined) part[key] = options[key];
  return part as TlsCommonOptions;
}

/**
 * As Node's `createSecureContext`: `ca`, `cert` and `key` (each a value or an array of them; a key may be
 * `{ pem }`) must be PEM text or bytes, or left out (any falsy value); anything else (`true`, a number, a
 * plain object) throws `ERR_INVALID_ARG_TYPE` when the server is made, in that order of options, instead
 * of failing later in the runtime's TLS layer.
 */
function validateTlsMaterial(options: TlsCommonOptions): void {
  for (const name of ["ca", "cert", "key"] as const) {
    const value = (options as Record<string, unknown>)[name];
    if (!value) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      const pem =
        name === "key" && Array.isArray(value) && (item as { pem?: unknown } | null)?.pem !== undefined
          ? (item as { pem: unknown }).pem
          : item;
      if (typeof pem !== "string" && !ArrayBuffer.isView(pem)) {
        throw invalidArgType(
          `options.${name}`,
          "string or an instance of Buffer, TypedArray, or DataView",
          pem,
        );
      }
    }
  }
}

/** How Node's `ERR_INVALID_ARG_TYPE` messages name a received value. */
function describe(value: unknown): string {
  if (Array.isArray(value)) return "an instance of Array";
  return `type ${typeof value} (${JSON.stringify(value)})`;
}

function featureUnavailable(what: string, transport: Transport): SystemError {
  return new SystemError(
    "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
    `${what} is not available on the ${transport.name} transport`,
    "tls",
  );
}

/**
 * An HTTPS server: Node's `https.Server`. Every connection is TLS; `req.socket` has `encrypted`,
 * `authorized`, `authorizationError`, `getPeerCertificate()`, `getProtocol()`, `getCipher()`,
 * `alpnProtocol`, `servername` and `verifyPeer()`. A failed handshake emits `'clientError'` and
 * `'tlsClientError'` with the error (Node's code) and a socket already destroyed (with the peer's
 * address, `_secureEstablished` false), and touches no other connection.
 *
 * Events besides the HTTP server's: `'secureConnection'(socket)` after each handshake (right after
 * `'connection'`, with the same socket: connections are handed out only once encrypted);
 * `'keylog'(line, socket)` with each NSS key log line of a handshake (for a handshake that failed, the
 * closed socket its `'tlsClientError'` carries), where the runtime exposes key material;
 * `'tlsClientError'(error, socket)`, which the server's own first listener passes on as
 * `'clientError'(error, socket)`, as Node's does.
 *
 * @example
 * ```ts ignore
 * import { Server } from "@wire/http/https";
 * const server = new Server({ key, cert }, (req, res) => res.end("secure\n"));
 * server.on("tlsClientError", (err) => console.log("handshake failed:", err.code));
 * server.listen(8443);
 * ```
 */
export class HttpsServerClass extends ServerClass {
  #tls: TlsServerOptions;
  readonly #names = new SniTable();
  readonly #transport: () => Transport;
  #listener: TransportListener | undefined;
  /** A certificate given to `setSecureContext()` while `listen` was still binding. */
  #pendingContext: TlsCommonOptions | undefined;
  /** Key log lines of handshakes still in progress, by connection. */
  readonly #keylog = new WeakMap<TransportConn, Uint8Array[]>();
  /** The socket of each connection handed over, for key log lines that come after that. */
  readonly #sockets = new WeakMap<TransportConn, Socket>();
  /** The socket the HTTP server made for the connection being handed over (see `#handOver`). */
  #accepted: Socket | undefined;
  #handingOver = false;
  /** True between `listen()` and the transport's listener being ready. */
  #listening = false;

  /**
   * Creates a server; prefer {@linkcode createServer}. As Node's, `options` may be left out (the listener
   * first) and anything but an options object is refused with `ERR_INVALID_ARG_TYPE`.
   */
  constructor(options: ServerOptions | RequestListener | null = {}, listener?: RequestListener) {
    if (typeof options === "function") {
      listener = options;
      options = {};
    } else if (options === null || options === undefined) options = {};
    else if (typeof options !== "object" || Array.isArray(options)) {
      throw new HttpUsageError(
        "ERR_INVALID_ARG_TYPE",
        `The "options" argument must be of type object. Received ${describe(options)}`,
      );
    }
    validateTlsMaterial(options as TlsCommonOptions);
    const base = options.transport;
    // Looked up when used, so the entry can install the runtime's transport after this module loads.
    const inner = (): Transport => base ?? defaultTransportOrThrow();
    const wrapped: Transport = {
      get name(): string {
        return inner().name;
      },
      listen: (target, onConnection) => this.#listen(target, onConnection),
      connect: (target, connectOptions) => inner().connect(target, connectOptions),
    };
    super({ ...options, transport: wrapped }, listener);
    this[kState].socketAllowHalfOpen = options.allowHalfOpen === true;
    this.#transport = inner;
    this.#tls = tlsPart(options);
    // Thrown from 'newListener', the refusal keeps the listener from being added.
    this.on("newListener", this.#refuseKeylog);
    // Node's https.Server adds this listener in its constructor, so 'clientError' comes before the
    // user's own 'tlsClientError' listeners (measured on Node 20), and removing all 'tlsClientError'
    // listeners stops it too. Node then destroys the socket when nobody listens; ours is closed already.
    this.on("tlsClientError", (error, socket) => this.emit("clientError", error, socket));
  }

  /**
   * Node's `server.ALPNProtocols`: the protocols the server offers through ALPN (`http/1.1` unless the
   * `ALPNProtocols` option said otherwise), as one `Buffer` in the wire format (each name after its
   * length byte), as `tls.convertALPNProtocols()` makes it. Assigning names or a wire buffer changes what
   * the next `listen()` offers; a server listening keeps what it started with.
   *
   * @example
   * ```ts
   * import { createServer } from "@wire/http/https";
   * console.log(createServer().ALPNProtocols); // <Buffer 08 68 74 74 70 2f 31 2e 31>
   * ```
   */
  get ALPNProtocols(): Buffer {
    const protocols = this.#tls.ALPNProtocols ?? [];
    // As Node's: a wire buffer given is copied as it is; names are converted (and checked).
    return Buffer.from(protocols instanceof Uint8Array ? protocols : alpnWire(protocols));
  }

  set ALPNProtocols(value: TlsAlpnProtocols) {
    this.#tls = { ...this.#tls, ALPNProtocols: value };
  }

  /**
   * The socket the HTTP server made for the connection being handed over, which `'secureConnection'`
   * and `'keylog'` then carry (seen here rather than through a listener, which `removeAllListeners()`
   * could take away).
   */
  protected override socketAccepted(socket: Socket): void {
    if (this.#handingOver) this.#accepted = socket;
  }

  /**
   * Node's `server.addContext(hostname, context)`: clients that ask for `hostname` by SNI get this
   * certificate. `hostname` may hold `*` for any run of characters within one label (`*.example.com`
   * matches `a.example.com`, not `a.b.example.com`); the entry added last wins when several match.
   * `context` is TLS options (`key`/`cert` or `pfx`) or a context from `node:tls`'s
   * `createSecureContext()`. Works before and after `listen()`; unused when an `SNICallback` was given
   * (as in Node). Clients that send no name get the default certificate. With `requestCert`, the chosen
   * context's own `ca` verifies client certificates, as in Node: give it one.
   *
   * @example
   * ```ts ignore
   * import { createServer } from "@wire/http/https";
   * const server = createServer({ key, cert }, (req, res) => res.end(req.socket.servername + "\n"));
   * server.addContext("api.example.com", { key: apiKey, cert: apiCert });
   * server.addContext("*.example.com", { key: wildKey, cert: wildCert });
   * server.listen(443);
   * ```
   */
  addContext(hostname: string, context: TlsContext): void {
    const transport = this.#transport();
    if (transport.tlsFeatures?.sni !== true) {
      throw featureUnavailable("Choosing the certificate by SNI name (addContext)", transport);
    }
    this.#names.add(hostname, context);
  }

  /**
   * Node's `server.setSecureContext(options)`: handshakes from now on use the certificate in `options`
   * (`key`, `cert`, `ca`, `pfx`, `passphrase`, ...), for certificate rotation without a restart.
   * Connections already open keep the certificate they were made with; `requestCert`, ALPN and the names
   * added with `addContext()` stay as they are. Bad material throws the runtime's error and changes
   * nothing.
   *
   * @example
   * ```ts ignore
   * import { createServer } from "@wire/http/https";
   * const server = createServer({ key, cert }, (req, res) => res.end("hello\n"));
   * server.listen(443);
   * // Later, when the certificate was renewed on disk:
   * server.setSecureContext({ key: await Deno.readTextFile("new.key"), cert: await Deno.readTextFile("new.pem") });
   * ```
   */
  setSecureContext(options: TlsCommonOptions): void {
    if (typeof options !== "object" || options === null) {
      throw new HttpUsageError("ERR_INVALID_ARG_TYPE", 'The "options" argument must be of type object');
    }
    validateTlsMaterial(options);
    const context = contextPart(options);
    const listener = this.#listener;
    if (listener !== undefined) {
      if (listener.setSecureContext === undefined) {
        throw featureUnavailable("Replacing the certificate of a listening server", this.#transport());
      }
      listener.setSecureContext(context);
    } else if (this.#listening) this.#pendingContext = context;
    // Kept for a later listen() (after close()): the new certificate replaces the old one whole.
    const next: Record<string, unknown> = { ...this.#tls };
    for (const key of CONTEXT_KEYS) delete next[key];
    this.#tls = { ...next, ...context } as TlsServerOptions;
  }

  /**
   * Node's `server.getTicketKeys()`: refused with `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM` on both runtimes.
   * Bun has no ticket keys to read; Deno 2.9.6's node:tls answers with bytes it does not use (its servers
   * share one ticket key per process, measured: keys set per server change nothing).
   *
   * @example
   * ```ts ignore
   * import { createServer } from "@wire/http/https";
   * const server = createServer({ key, cert });
   * try {
   *   server.getTicketKeys();
   * } catch (error) {
   *   console.log((error as { code?: string }).code); // "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM"
   * }
   * ```
   */
  getTicketKeys(): Uint8Array {
    throw featureUnavailable("Reading the TLS session ticket keys (getTicketKeys)", this.#transport());
  }

  /**
   * Node's `server.setTicketKeys(keys)` (48 bytes), to share session tickets between instances: checked
   * as Node checks it, then refused with `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM` (see `getTicketKeys()`);
   * accepting keys that are then ignored would break resumption across instances without a word.
   *
   * @example
   * ```ts ignore
   * import { createServer } from "@wire/http/https";
   * const server = createServer({ key, cert });
   * server.setTicketKeys(crypto.getRandomValues(new Uint8Array(48))); // throws on Deno and Bun
   * ```
   */
  setTicketKeys(keys: Uint8Array): void {
    if (!(keys instanceof Uint8Array)) {
      throw new HttpUsageError(
        "ERR_INVALID_ARG_TYPE",
        'The "buffer" argument must be a Buffer or Uint8Array',
      );
    }
    if (keys.byteLength !== 48) {
      throw new HttpUsageError("ERR_INVALID_ARG_VALUE", "Session ticket keys must be a 48-byte buffer");
    }
    throw featureUnavailable("Setting the TLS session ticket keys (setTicketKeys)", this.#transport());
  }

  #listen(
    target: Parameters<Transport["listen"]>[0],
    onConnection: (conn: TransportConn) => void,
  ): Promise<TransportListener> {
    const transport = this.#transport();
    const features = transport.tlsFeatures;
    let tls: TlsServerOptions;
    try {
      tls = this.#tlsForListen(transport);
    } catch (error) {
      return Promise.reject(error); // Reaches 'error', as a listen failure does.
    }
    const options: TransportListenOptions = {
      tls,
      onTlsError: (error, remote, conn) => this.#handshakeFailed(error, remote, conn),
    };
    if (features?.keylog === true) {
      // Always on where the runtime has it, so a 'keylog' listener added after listen() still gets lines;
      // lines are kept only while someone listens.
      options.onKeylog = (line, conn) => {
        if (this.listenerCount("keylog") === 0) return;
        // A line can come after the hand-over (Bun logs TLS 1.2's CLIENT_RANDOM after its handshake
        // callback): its socket exists by then.
        const socket = this.#sockets.get(conn);
        if (socket !== undefined) {
          this.emit("keylog", line, socket);
          return;
        }
        const lines = this.#keylog.get(conn);
        if (lines === undefined) this.#keylog.set(conn, [line]);
        else lines.push(line);
      };
    } else if (this.listenerCount("keylog") > 0) {
      return Promise.reject(featureUnavailable("TLS key logging ('keylog')", transport));
    }
    this.#listening = true;
    return transport.listen(target, (conn) => this.#handOver(conn, onConnection), options).then(
      (listener) => {
        this.#listening = false;
        this.#listener = listener;
        const pending = this.#pendingContext;
        this.#pendingContext = undefined;
        if (pending !== undefined) listener.setSecureContext?.(pending);
        return {
          get address() {
            return listener.address;
          },
          close: () => {
            if (this.#listener === listener) this.#listener = undefined;
            return listener.close();
          },
        };
      },
      (error) => {
        this.#listening = false;
        throw error;
      },
    );
  }

  /** The TLS options for the transport: ours, with the SNI choice (the caller's, else the name table). */
  #tlsForListen(transport: Transport): TlsServerOptions {
    const tls = { ...this.#tls };
    if (transport.tlsFeatures?.sni !== true) {
      if (tls.SNICallback !== undefined || this.#names.size > 0) {
        throw featureUnavailable("Choosing the certificate by SNI name", transport);
      }
      return tls;
    }
    if (tls.SNICallback === undefined) {
      // Looked up per handshake, so names added after listen() count.
      tls.SNICallback = (servername, callback) => callback(null, this.#names.find(servername));
    }
    return tls;
  }

  /** A connection finished its handshake: the HTTP server takes it, then the TLS events follow. */
  #handOver(conn: TransportConn, onConnection: (conn: TransportConn) => void): void {
    this.#accepted = undefined;
    this.#handingOver = true;
    try {
      onConnection(conn);
    } finally {
      this.#handingOver = false;
    }
    // 'connection' was emitted synchronously inside onConnection (see `emit`).
    const socket = this.#accepted as Socket | undefined;
    this.#accepted = undefined;
    if (socket === undefined) return; // Refused (maxConnections): the connection was dropped.
    this.#sockets.set(conn, socket);
    const lines = this.#keylog.get(conn);
    if (lines !== undefined) {
      this.#keylog.delete(conn);
      for (const line of lines) this.emit("keylog", line, socket);
    }
    this.emit("secureConnection", socket);
  }

  #handshakeFailed(error: Error, remote: TransportAddress, conn: TransportConn | undefined): void {
    // The transport's connection, where it passes one, may still know the local end; its Socket is no
    // use here (the transport closed it without telling any handler), so the listeners get a closed one:
    // the same socket for the handshake's key log lines (as Node's TLSSocket) and its failure.
    const socket = failedHandshakeSocket(remote, conn?.local);
    const lines = conn === undefined ? undefined : this.#keylog.get(conn);
    if (lines !== undefined) {
      this.#keylog.delete(conn!);
      for (const line of lines) this.emit("keylog", line, socket);
    }
    this.emit("tlsClientError", error, socket);
  }

  /** Refuses a `'keylog'` listener where the runtime cannot produce key log lines (a `'newListener'` hook). */
  #refuseKeylog = (event: string | symbol): void => {
    if (event !== "keylog") return;
    let transport: Transport;
    try {
      transport = this.#transport();
    } catch {
      return; // No runtime transport yet: listen() refuses instead.
    }
    if (transport.tlsFeatures?.keylog !== true) {
      throw featureUnavailable("TLS key logging ('keylog')", transport);
    }
  };
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
  return new Server(options, listener);
}

/**
 * `https.Server` as Node has it: a constructor that also works without `new`, and that subclasses extend.
 *
 * @example
 * ```ts ignore
 * import { Server } from "@wire/http/https";
 * const server = Server({ key, cert }, (_req, res) => res.end("secure\n"));
 * ```
 */
export interface HttpsServerConstructor {
  /** `new Server([options][, listener])`. */
  new (options?: ServerOptions | RequestListener | null, listener?: RequestListener): Server;
  /** `Server([options][, listener])`, the same without `new`. */
  (options?: ServerOptions | RequestListener | null, listener?: RequestListener): Server;
  /** Shared by every server. */
  readonly prototype: Server;
}

/** An HTTPS server: Node's `https.Server`. See {@linkcode HttpsServerClass} for its members. */
export type Server = HttpsServerClass;
/**
 * Node's `https.Server`: `new Server([options][, listener])`, or the same without `new`.
 *
 * @example
 * ```ts ignore
 * import { Server } from "@wire/http/https";
 * new Server({ key, cert }, (_req, res) => res.end("secure\n")).listen(8443);
 * ```
 */
export const Server: HttpsServerConstructor = callableClass<HttpsServerConstructor>(HttpsServerClass);
