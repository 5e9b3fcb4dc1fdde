/**
 * What an HTTPS server keeps beside the HTTP server: the TLS options and the SNI name table it hands to
 * the transport's listener, the certificate waiting for a listener still binding, the key log lines of
 * handshakes in progress, and the hand-over of each encrypted connection to the HTTP server (then
 * `'secureConnection'`). Kept apart from the server class, on the server under {@linkcode kTls}, so that
 * `https.Server.call(this)` (Node's function-style subclassing, which never runs a class constructor) can
 * set up an object it did not make.
 *
 * @module
 */

import type { Socket } from "../io/socket.ts";
import type {
  TlsCommonOptions,
  TlsContext,
  TlsServerOptions,
  Transport,
  TransportAddress,
  TransportConn,
  TransportListener,
  TransportListenOptions,
} from "../io/transport.ts";
import { featureUnavailable, keylogRefusal } from "./_tls_features.ts";
import { SniTable } from "./_sni.ts";
import { failedHandshakeSocket } from "./_failed_handshake.ts";

/** Internal: where an HTTPS server keeps its {@linkcode TlsAcceptor}. */
export const kTls: unique symbol = Symbol("wire.httpsServer");

/** The options that make up a certificate: what `setSecureContext()` replaces. */
export const CONTEXT_KEYS = ["key", "cert", "ca", "passphrase", "pfx", "minVersion", "maxVersion"] as const;

/** The certificate part of `options` (for `setSecureContext`). */
function contextPart(options: TlsCommonOptions): TlsCommonOptions {
  const part: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) if (options[key] !== undefined) part[key] = options[key];
  return part as TlsCommonOptions;
}

/** What the acceptor needs of its server: its events. */
export interface TlsAcceptorHost {
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}

/**
 * The TLS side of one HTTPS server. The server's wrapped transport listens through {@linkcode listen};
 * the server reports the socket the HTTP server made for a connection through {@linkcode socketAccepted}.
 *
 * @example
 * ```ts ignore
 * const acceptor = new TlsAcceptor(() => transport, { key, cert, ALPNProtocols: ["http/1.1"] });
 * acceptor.host = server; // before anything listens
 * const listener = await acceptor.listen({ hostname: "127.0.0.1", port: 0 }, (conn) => httpServerTakes(conn));
 * ```
 */
export class TlsAcceptor {
  /** The server whose events this emits; set right after the server is. */
  host!: TlsAcceptorHost;
  /** The TLS options the next `listen()` uses. */
  tls: TlsServerOptions;
  /** Names added with `addContext()`. */
  readonly names: SniTable = new SniTable();
  /** The transport, looked up when used (the entry installs the runtime's after modules load). */
  readonly transport: () => Transport;
  /** The transport's listener while listening. */
  listener: TransportListener | undefined;
  /** A certificate given to `setSecureContext()` while `listen` was still binding. */
  pendingContext: TlsCommonOptions | undefined;
  /** True between `listen()` and the transport's listener being ready. */
  listening = false;
  /** Key log lines of handshakes still in progress, by connection. */
  readonly #keylog = new WeakMap<TransportConn, Uint8Array[]>();
  /** The socket of each connection handed over, for key log lines that come after that. */
  readonly #sockets = new WeakMap<TransportConn, Socket>();
  /** The socket the HTTP server made for the connection being handed over (see `#handOver`). */
  #accepted: Socket | undefined;
  #handingOver = false;

  constructor(transport: () => Transport, tls: TlsServerOptions) {
    this.transport = transport;
    this.tls = tls;
  }

  /** The HTTP server made `socket` for the connection being handed over (see `#handOver`). */
  socketAccepted(socket: Socket): void {
    if (this.#handingOver) this.#accepted = socket;
  }

  /** Listens with TLS on the transport; each connection goes to `onConnection` once its handshake is done. */
  listen(
    target: Parameters<Transport["listen"]>[0],
    onConnection: (conn: TransportConn) => void,
  ): Promise<TransportListener> {
    const transport = this.transport();
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
    const host = this.host;
    if (features?.keylog === true) {
      // Always on where the runtime has it, so a 'keylog' listener added after listen() still gets lines;
      // lines are kept only while someone listens.
      options.onKeylog = (line, conn) => {
        if (host.listenerCount("keylog") === 0) return;
        // A line can come after the hand-over (Bun logs TLS 1.2's CLIENT_RANDOM after its handshake
        // callback): its socket exists by then.
        const socket = this.#sockets.get(conn);
        if (socket !== undefined) {
          host.emit("keylog", line, socket);
          return;
        }
        const lines = this.#keylog.get(conn);
        if (lines === undefined) this.#keylog.set(conn, [line]);
        else lines.push(line);
      };
    } else if (host.listenerCount("keylog") > 0) {
      return Promise.reject(featureUnavailable("TLS key logging ('keylog')", transport));
    }
    this.listening = true;
    return transport.listen(target, (conn) => this.#handOver(conn, onConnection), options).then(
      (listener) => {
        this.listening = false;
        this.listener = listener;
        const pending = this.pendingContext;
        this.pendingContext = undefined;
        if (pending !== undefined) listener.setSecureContext?.(pending);
        return {
          get address() {
            return listener.address;
          },
          close: () => {
            if (this.listener === listener) this.listener = undefined;
            return listener.close();
          },
        };
      },
      (error) => {
        this.listening = false;
        throw error;
      },
    );
  }

  /** Node's `addContext()`: see the server's. */
  addContext(hostname: string, context: TlsContext): void {
    const transport = this.transport();
    if (transport.tlsFeatures?.sni !== true) {
      throw featureUnavailable("Choosing the certificate by SNI name (addContext)", transport);
    }
    this.names.add(hostname, context);
  }

  /** Node's `setSecureContext()` for checked options: see the server's. */
  setSecureContext(options: TlsCommonOptions): void {
    const context = contextPart(options);
    const listener = this.listener;
    if (listener !== undefined) {
      if (listener.setSecureContext === undefined) {
        throw featureUnavailable("Replacing the certificate of a listening server", this.transport());
      }
      listener.setSecureContext(context);
    } else if (this.listening) this.pendingContext = context;
    // Kept for a later listen() (after close()): the new certificate replaces the old one whole.
    const next: Record<string, unknown> = { ...this.tls };
    for (const key of CONTEXT_KEYS) delete next[key];
    this.tls = { ...next, ...context } as TlsServerOptions;
  }

  /** Refuses a `'keylog'` listener where the runtime cannot produce key log lines (a `'newListener'` hook). */
  readonly refuseKeylog: (event: string | symbol) => void = keylogRefusal(() => this.transport());

  /** The TLS options for the transport: ours, with the SNI choice (the caller's, else the name table). */
  #tlsForListen(transport: Transport): TlsServerOptions {
    const tls = { ...this.tls };
    if (transport.tlsFeatures?.sni !== true) {
      if (tls.SNICallback !== undefined || this.names.size > 0) {
        throw featureUnavailable("Choosing the certificate by SNI name", transport);
      }
      return tls;
    }
    if (tls.SNICallback === undefined) {
      // Looked up per handshake, so names added after listen() count.
      tls.SNICallback = (servername, callback) => callback(null, this.names.find(servername));
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
    // 'connection' was emitted synchronously inside onConnection (see the server's `socketAccepted`).
    const socket = this.#accepted as Socket | undefined;
    this.#accepted = undefined;
    if (socket === undefined) return; // Refused (maxConnections): the connection was dropped.
    this.#sockets.set(conn, socket);
    this.#releaseKeylog(conn, socket);
    this.host.emit("secureConnection", socket);
  }

  #handshakeFailed(error: Error, remote: TransportAddress, conn: TransportConn | undefined): void {
    // The transport's connection, where it passes one, may still know the local end; its Socket is no
    // use here (the transport closed it without telling any handler), so the listeners get a closed one:
    // the same socket for the handshake's key log lines (as Node's TLSSocket) and its failure.
    const socket = failedHandshakeSocket(remote, conn?.local);
    if (conn !== undefined) this.#releaseKeylog(conn, socket);
    this.host.emit("tlsClientError", error, socket);
  }

  /** Emits the key log lines kept for `conn`'s handshake, now that it has `socket`, and forgets them. */
  #releaseKeylog(conn: TransportConn, socket: Socket): void {
    const lines = this.#keylog.get(conn);
    if (lines === undefined) return;
    this.#keylog.delete(conn);
    for (const line of lines) this.host.emit("keylog", line, socket);
  }
}
