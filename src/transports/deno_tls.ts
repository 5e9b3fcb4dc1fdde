/**
 * TLS for the Deno transport.
 *
 * Server: Deno's `node:tls`. `Deno.listenTls` can neither request a client certificate nor report the SNI
 * name, and a new connection to it stalled ~45 ms on its first exchange (measured on Deno 2.9.6: accepted
 * connections have Nagle on and cannot be switched); `node:tls` has Node's whole server API at a small
 * cost, so every server connection goes through it and {@linkcode NodeSocketConn}.
 *
 * Client: `node:tls` too (see `_node_tls_client.ts`): it alone gives Node's certificate codes, the peer's
 * certificate, client certificates and `rejectUnauthorized: false` on Deno.
 *
 * Known limit (Deno 2.9.6): `node:tls` absorbs every written byte into its own unbounded buffer, so a peer
 * that reads slowly does not hold writes back ('drain' comes at once); reading is backpressured as usual.
 *
 * @module
 */

import {
  type ListenTarget,
  SystemError,
  type TlsCommonOptions,
  type TlsServerOptions,
  type TransportConn,
  type TransportListener,
  type TransportListenOptions,
} from "../io/transport.ts";
import { describeTarget, mapError } from "./_map_error.ts";
import { nodeAddress, NodeSocketConn } from "./_node_socket_conn.ts";
import {
  loadNodeTls,
  type NodeTlsModuleLike,
  type NodeTlsServerLike,
  type NodeTlsSocketLike,
} from "./_node_tls.ts";
import {
  authorizationCode,
  copyNodeTlsCommon,
  pemList,
  requireKeyAndCert,
  secureContextFor,
  SocketTls,
  unavailable,
} from "./_tls_facts.ts";

/** The parts of `node:crypto` that check key and certificate material. */
interface NodeCryptoLike {
  createPrivateKey(options: { key: string; passphrase?: string }): unknown;
  X509Certificate: new (pem: string) => { checkPrivateKey(key: unknown): boolean };
}

/**
 * Refuses key and certificate material that does not parse or does not match, with Node's codes.
 * Deno's node:tls takes any text in `createSecureContext()` and `setSecureContext()` (measured on 2.9.6)
 * and only every later handshake fails, where Node throws at once and keeps the certificate it had.
 */
export function checkMaterial(tls: TlsCommonOptions): void {
  const proc = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  const crypto = proc?.getBuiltinModule?.("node:crypto") as NodeCryptoLike | undefined;
  const keys = pemList(tls.key) ?? [];
  const certs = pemList(tls.cert) ?? [];
  if (crypto === undefined || (keys.length === 0 && certs.length === 0)) return;
  const parsedKeys = keys.map((key) => {
    try {
      return crypto.createPrivateKey(
        tls.passphrase === undefined ? { key } : { key, passphrase: tls.passphrase },
      );
    } catch (cause) {
      throw new SystemError("ERR_OSSL_PEM_NO_START_LINE", `Cannot read the private key: ${cause}`, "tls");
    }
  });
  certs.forEach((cert, i) => {
    let leaf: { checkPrivateKey(key: unknown): boolean };
    try {
      leaf = new crypto.X509Certificate(cert);
    } catch (cause) {
      throw new SystemError("ERR_OSSL_PEM_NO_START_LINE", `Cannot read the certificate: ${cause}`, "tls");
    }
    const key = parsedKeys[i];
    if (key !== undefined && !leaf.checkPrivateKey(key)) {
      throw new SystemError(
        "ERR_OSSL_X509_KEY_VALUES_MISMATCH",
        "The key does not match the certificate",
        "tls",
      );
    }
  });
}

/** Node's default `handshakeTimeout`: a connection that has not finished its handshake by then is dropped. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 120_000;

/**
 * Node `tls.createServer()` options for our {@linkcode TlsServerOptions}. `nodeTls` makes the contexts an
 * `SNICallback` names by options (once per options object).
 */
export function nodeServerOptions(
  tls: TlsServerOptions,
  nodeTls: NodeTlsModuleLike,
): Record<string, unknown> {
  const requestCert = tls.requestCert === true;
  const options: Record<string, unknown> = {
    // The HTTP layer decides when to close; the peer's FIN alone must not end our side.
    allowHalfOpen: true,
    requestCert,
    rejectUnauthorized: requestCert && tls.rejectUnauthorized !== false,
  };
  copyNodeTlsCommon(tls, options);
  options.handshakeTimeout = tls.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const choose = tls.SNICallback;
  if (choose !== undefined) options.SNICallback = sniCallback(choose, nodeTls);
  return options;
}

/** `SNICallback` for node:tls: our choice turned into the runtime's context (options become one, kept). */
function sniCallback(
  choose: NonNullable<TlsServerOptions["SNICallback"]>,
  nodeTls: NodeTlsModuleLike,
): (servername: string, callback: (error: Error | null, context?: unknown) => void) => void {
  const made = new WeakMap<object, { context: unknown }>();
  const checked = {
    createSecureContext(options: Record<string, unknown>): { context: unknown } {
      checkMaterial(options as TlsCommonOptions);
      return nodeTls.createSecureContext(options);
    },
  };
  return (servername, callback) => {
    // Deno's node:tls asks even when the client sent no name (Node does not): the default applies.
    if (servername === "") return callback(null, undefined);
    choose(servername, (error, choice) => {
      if (error !== null && error !== undefined) return callback(error);
      if (choice === undefined) return callback(null, undefined);
      let context: { context: unknown };
      try {
        context = secureContextFor(checked, choice, made);
      } catch (failure) {
        return callback(failure as Error);
      }
      callback(null, context);
    });
  };
}

/** Wraps a server-side TLS socket whose handshake is done. */
export function acceptedTlsConn(socket: NodeTlsSocketLike, requestCert: boolean): TransportConn {
  // Without requestCert nothing was asked of the client: not authorized, and no error to report (Node).
  const authorized = requestCert && socket.authorized === true;
  return new NodeSocketConn(
    socket,
    new SocketTls(socket, {
      authorized,
      authorizationError: requestCert ? authorizationCode(socket.authorizationError) : null,
      servername: typeof socket.servername === "string" && socket.servername !== ""
        ? socket.servername
        : false,
      protocol: () => socket.getProtocol(),
    }),
  );
}

class NodeTlsListener implements TransportListener {
  readonly address;
  readonly #server: NodeTlsServerLike;
  #closing: Promise<void> | undefined;

  constructor(server: NodeTlsServerLike, address: TransportListener["address"]) {
    this.#server = server;
    this.address = address;
  }

  close(): Promise<void> {
    // Node's close callback waits for every open connection; the contract asks only that the listener be
    // gone. Deno's node:net closes the listening resource at once; one macrotask lets the cancelled
    // accept settle, so the resource sanitizer sees nothing pending.
    return this.#closing ??= new Promise<void>((resolve) => {
      this.#server.close();
      setTimeout(resolve, 0);
    });
  }

  setSecureContext(options: TlsCommonOptions): void {
    checkMaterial(options);
    const node: Record<string, unknown> = {};
    copyNodeTlsCommon(options, node);
    this.#server.setSecureContext(node);
  }
}

/** Listens for TLS connections on Deno. */
export async function listenTls(
  target: ListenTarget,
  onConnection: (conn: TransportConn) => void,
  options: TransportListenOptions & { tls: TlsServerOptions },
): Promise<TransportListener> {
  requireKeyAndCert(options.tls);
  checkMaterial(options.tls);
  // Deno's node:tls never emits 'keylog' (measured on 2.9.6, server and client).
  if (options.onKeylog !== undefined) throw unavailable("TLS key logging ('keylog')", "Deno");
  const tls = await loadNodeTls();
  const requestCert = options.tls.requestCert === true;
  const onTlsError = options.onTlsError;
  let server: NodeTlsServerLike;
  try {
    server = tls.createServer(nodeServerOptions(options.tls, tls), (socket) => {
      // The 45 ms stall of Deno.listenTls is Nagle's algorithm on small TLS records: never here.
      socket.setNoDelay(true);
      onConnection(acceptedTlsConn(socket, requestCert));
    });
  } catch (error) {
    throw mapError(error, "listen", describeTarget(target));
  }
  server.on("tlsClientError", (error: Error, socket: NodeTlsSocketLike & { _parent?: NodeTlsSocketLike }) => {
    // A failed TLS socket has already dropped its address; the TCP socket below it still knows.
    const tcp = socket.remoteAddress === undefined && socket._parent !== undefined ? socket._parent : socket;
    // Deno's node:tls raises Node's timeout error without Node's code.
    if ((error as { code?: unknown }).code === undefined && error.message === "TLS handshake timeout") {
      Object.assign(error, { code: "ERR_TLS_HANDSHAKE_TIMEOUT" });
    }
    onTlsError?.(error, nodeAddress(tcp.remoteAddress, tcp.remotePort, tcp.remoteFamily));
    // A failed handshake never reaches the HTTP layer: close it here (Deno leaves a timed-out one open).
    socket.destroy();
    socket._parent?.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(mapError(error, "listen", describeTarget(target)));
    server.once("error", onError);
    server.once("listening", () => {
      server.off("error", onError);
      resolve();
    });
    server.listen("path" in target ? { path: target.path } : { port: target.port, host: target.hostname });
  });
  const bound = server.address();
  const address = typeof bound === "string" || bound === null
    ? { address: "path" in target ? target.path : String(bound), port: 0, family: "unix" as const }
    : nodeAddress(bound.address, bound.port, bound.family);
  return new NodeTlsListener(server, address);
}

export { connectNodeTls as connectTls } from "./_node_tls_client.ts";
