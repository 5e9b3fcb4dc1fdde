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
import type {
  TlsAlpnProtocols,
  TlsCommonOptions,
  TlsContext,
  TlsServerOptions,
  Transport,
} from "../io/transport.ts";
import {
  type RequestListener,
  ServerClass,
  type ServerOptions as HttpServerOptions,
} from "../server/server.ts";
import { kState } from "../server/_server_state.ts";
import { initInPlace as initHttpInPlace } from "../server/_server_setup.ts";
import { callableClass } from "../io/_callable.ts";
import { invalidArgType } from "../io/_node_errors.ts";
import { CONTEXT_KEYS, kTls, TlsAcceptor } from "./_tls_acceptor.ts";
import { featureUnavailable } from "./_tls_features.ts";

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

/** What the constructor and `Server.call(this)` work out from their arguments before the HTTP server. */
interface HttpsSetup {
  /** The HTTP server's options, with the transport that listens through the acceptor. */
  httpOptions: HttpServerOptions;
  listener: RequestListener | undefined;
  acceptor: TlsAcceptor;
  allowHalfOpen: boolean;
}

/**
 * Checks the arguments as Node's: `options` may be left out (the listener first); anything but an options
 * object is refused with `ERR_INVALID_ARG_TYPE`, and so is TLS material that is not PEM text or bytes.
 */
function prepare(options: unknown, listener: RequestListener | undefined): HttpsSetup {
  if (typeof options === "function") {
    listener = options as RequestListener;
    options = {};
  } else if (options === null || options === undefined) options = {};
  else if (typeof options !== "object" || Array.isArray(options)) {
    throw new HttpUsageError(
      "ERR_INVALID_ARG_TYPE",
      `The "options" argument must be of type object. Received ${describe(options)}`,
    );
  }
  const given = options as ServerOptions;
  validateTlsMaterial(given);
  const base = given.transport;
  // Looked up when used, so the entry can install the runtime's transport after this module loads.
  const inner = (): Transport => base ?? defaultTransportOrThrow();
  const acceptor = new TlsAcceptor(inner, tlsPart(given));
  const wrapped: Transport = {
    get name(): string {
      return inner().name;
    },
    listen: (target, onConnection) => acceptor.listen(target, onConnection),
    connect: (target, connectOptions) => inner().connect(target, connectOptions),
  };
  return {
    httpOptions: { ...given, transport: wrapped },
    listener,
    acceptor,
    allowHalfOpen: given.allowHalfOpen === true,
  };
}

/** Sets up the HTTPS part of `server`, whose HTTP part is set up already. */
function finish(server: HttpsServerClass, setup: HttpsSetup): void {
  const { acceptor } = setup;
  acceptor.host = server;
  (server as { [kTls]: TlsAcceptor })[kTls] = acceptor;
  server[kState].socketAllowHalfOpen = setup.allowHalfOpen;
  // Thrown from 'newListener', the refusal keeps the listener from being added.
  server.on("newListener", acceptor.refuseKeylog);
  // Node's https.Server adds this listener in its constructor, so 'clientError' comes before the
  // user's own 'tlsClientError' listeners (measured on Node 20), and removing all 'tlsClientError'
  // listeners stops it too. Node then destroys the socket when nobody listens; ours is closed already.
  server.on("tlsClientError", (error, socket) => server.emit("clientError", error, socket));
}

/**
 * Node's function-style subclassing (`function My() { https.Server.call(this, options) }` with
 * `My.prototype` inheriting `Server.prototype`): sets up `self` as the constructor would.
 */
function initInPlace(self: object, args: unknown[]): void {
  const server = self as HttpsServerClass;
  // A server already set up keeps its state, as the HTTP server's does.
  if (Object.hasOwn(server, kState)) return;
  const setup = prepare(args[0], args[1] as RequestListener | undefined);
  initHttpInPlace(server, [setup.httpOptions, setup.listener]);
  finish(server, setup);
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
  // Set by `finish`, not by an initializer or private fields, so that `Server.call(this)` (which never
  // runs this constructor) sets up the same object.
  /** @ignore Internal: the TLS side (see {@linkcode TlsAcceptor}). */
  declare readonly [kTls]: TlsAcceptor;

  /**
   * Creates a server; prefer {@linkcode createServer}. As Node's, `options` may be left out (the listener
   * first) and anything but an options object is refused with `ERR_INVALID_ARG_TYPE`.
   */
  constructor(options: ServerOptions | RequestListener | null = {}, listener?: RequestListener) {
    const setup = prepare(options, listener);
    super(setup.httpOptions, setup.listener);
    finish(this, setup);
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
    const protocols = this[kTls].tls.ALPNProtocols ?? [];
    // As Node's: a wire buffer given is copied as it is; names are converted (and checked).
    return Buffer.from(protocols instanceof Uint8Array ? protocols : alpnWire(protocols));
  }

  set ALPNProtocols(value: TlsAlpnProtocols) {
    const acceptor = this[kTls];
    acceptor.tls = { ...acceptor.tls, ALPNProtocols: value };
  }

  /**
   * The socket the HTTP server made for the connection being handed over, which `'secureConnection'`
   * and `'keylog'` then carry (seen here rather than through a listener, which `removeAllListeners()`
   * could take away).
   */
  protected override socketAccepted(socket: Socket): void {
    this[kTls].socketAccepted(socket);
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
    this[kTls].addContext(hostname, context);
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
    this[kTls].setSecureContext(options);
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
    throw featureUnavailable("Reading the TLS session ticket keys (getTicketKeys)", this[kTls].transport());
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
    throw featureUnavailable("Setting the TLS session ticket keys (setTicketKeys)", this[kTls].transport());
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
export const Server: HttpsServerConstructor = callableClass<HttpsServerConstructor>(
  HttpsServerClass,
  initInPlace,
);
