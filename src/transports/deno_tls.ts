/**
 * TLS for the Deno transport.
 *
 * Server: Deno's `node:tls`. `Deno.listenTls` can neither request a client certificate nor report the SNI
 * name, and a new connection to it stalled ~45 ms on its first exchange (measured on Deno 2.9.6: accepted
 * connections have Nagle on and cannot be switched); `node:tls` has Node's whole server API at a small
 * cost, so every server connection goes through it and {@linkcode NodeSocketConn}.
 *
 * @module
 */

import type {
  ConnectTarget,
  ListenTarget,
  TlsConnectOptions,
  TlsServerOptions,
  TransportConn,
  TransportListener,
  TransportListenOptions,
} from "../io/transport.ts";
import { describeTarget, mapError } from "./_map_error.ts";
import { nodeAddress, NodeSocketConn } from "./_node_socket_conn.ts";
import { loadNodeTls, type NodeTlsServerLike, type NodeTlsSocketLike } from "./_node_tls.ts";
import {
  authorizationCode,
  isIp,
  nodeVerifyCode,
  pemList,
  requireKeyAndCert,
  SocketTls,
  toPeerCertificate,
  verifyError,
} from "./_tls_facts.ts";

/** Node `tls.createServer()` options for our {@linkcode TlsServerOptions}. */
export function nodeServerOptions(tls: TlsServerOptions): Record<string, unknown> {
  const requestCert = tls.requestCert === true;
  const options: Record<string, unknown> = {
    // The HTTP layer decides when to close; the peer's FIN alone must not end our side.
    allowHalfOpen: true,
    requestCert,
    rejectUnauthorized: requestCert && tls.rejectUnauthorized !== false,
  };
  if (tls.key !== undefined) options.key = pemList(tls.key);
  if (tls.cert !== undefined) options.cert = pemList(tls.cert);
  if (tls.ca !== undefined) options.ca = pemList(tls.ca);
  if (tls.passphrase !== undefined) options.passphrase = tls.passphrase;
  if (tls.ALPNProtocols !== undefined) options.ALPNProtocols = [...tls.ALPNProtocols];
  if (tls.minVersion !== undefined) options.minVersion = tls.minVersion;
  if (tls.maxVersion !== undefined) options.maxVersion = tls.maxVersion;
  return options;
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
    // Node's close callback waits for every connection; the contract only needs the listener gone, which
    // the 'close' of the listening handle... is not observable separately, so resolve on the next turn.
    return this.#closing ??= new Promise<void>((resolve) => {
      this.#server.close();
      setTimeout(resolve, 0);
    });
  }
}

/** Listens for TLS connections on Deno. */
export async function listenTls(
  target: ListenTarget,
  onConnection: (conn: TransportConn) => void,
  options: TransportListenOptions & { tls: TlsServerOptions },
): Promise<TransportListener> {
  requireKeyAndCert(options.tls);
  const tls = await loadNodeTls();
  const requestCert = options.tls.requestCert === true;
  const onTlsError = options.onTlsError;
  let server: NodeTlsServerLike;
  try {
    server = tls.createServer(nodeServerOptions(options.tls), (socket) => {
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
    onTlsError?.(error, nodeAddress(tcp.remoteAddress, tcp.remotePort, tcp.remoteFamily));
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

// ---- Client ---------------------------------------------------------------------------------------------

/** An error from `node:tls` keeps its own code (`UNABLE_TO_VERIFY_LEAF_SIGNATURE` is not errno-shaped). */
function clientFailure(error: unknown, target: ConnectTarget): Error {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && !code.startsWith("E") && error instanceof Error) return error;
  return mapError(error, "connect", describeTarget(target));
}

/** Node `tls.connect()` options for our {@linkcode TlsConnectOptions}. */
function nodeClientOptions(
  tls: TlsConnectOptions,
  target: ConnectTarget,
  checkIdentity: (host: string, cert: unknown) => Error | undefined,
): Record<string, unknown> {
  const options: Record<string, unknown> = { allowHalfOpen: true, noDelay: true };
  if ("path" in target) options.path = target.path;
  else {
    options.host = target.hostname;
    options.port = target.port;
  }
  const hostname = "path" in target ? "localhost" : target.hostname;
  const servername = tls.servername ?? hostname;
  // Node never sends an IP as SNI; an empty servername means "none" to node:tls.
  options.servername = isIp(servername) ? "" : servername;
  if (tls.key !== undefined) options.key = pemList(tls.key);
  if (tls.cert !== undefined) options.cert = pemList(tls.cert);
  if (tls.ca !== undefined) options.ca = pemList(tls.ca);
  if (tls.passphrase !== undefined) options.passphrase = tls.passphrase;
  if (tls.ALPNProtocols !== undefined) options.ALPNProtocols = [...tls.ALPNProtocols];
  if (tls.minVersion !== undefined) options.minVersion = tls.minVersion;
  if (tls.maxVersion !== undefined) options.maxVersion = tls.maxVersion;
  // The decision is taken after the handshake (see connectTls), where the certificate can refine the code.
  options.rejectUnauthorized = false;
  const host = tls.host ?? servername;
  options.checkServerIdentity = (_host: string, cert: unknown) => checkIdentity(host, cert);
  return options;
}

/** Opens a TLS connection on Deno through `node:tls`; resolves after the handshake passed Node's checks. */
export async function connectTls(
  target: ConnectTarget,
  tls: TlsConnectOptions,
  signal: AbortSignal | undefined,
): Promise<TransportConn> {
  const nodeTls = await loadNodeTls();
  signal?.throwIfAborted();
  let socket: NodeTlsSocketLike;
  let identityError: Error | undefined;
  const checkIdentity = (host: string, cert: unknown): Error | undefined => {
    const custom = tls.checkServerIdentity;
    const peer = custom === undefined ? null : toPeerCertificate(cert);
    identityError = peer === null || custom === undefined
      ? nodeTls.checkServerIdentity(host, cert)
      : custom(host, peer);
    return identityError;
  };
  try {
    socket = nodeTls.connect(nodeClientOptions(tls, target, checkIdentity));
  } catch (error) {
    throw clientFailure(error, target);
  }
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      socket.destroy();
      reject(signal!.reason);
    };
    const onError = (error: Error): void => {
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      reject(clientFailure(error, target));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("error", onError);
    socket.once("secureConnect", () => {
      signal?.removeEventListener("abort", onAbort);
      socket.removeListener("error", onError);
      resolve();
    });
  });
  // Node's decision (see nodeClientOptions): a chain that does not verify, or the identity check's error.
  let code: string | null = null;
  if (socket.authorized !== true) {
    code = authorizationCode(socket.authorizationError) ?? "UNABLE_TO_VERIFY_LEAF_SIGNATURE";
    let failure: Error;
    if (identityError !== undefined && authorizationCode(identityError) === code) failure = identityError;
    else {
      code = nodeVerifyCode(code, toPeerCertificate(socket.getPeerCertificate?.(false)));
      failure = verifyError(code);
    }
    if (tls.rejectUnauthorized !== false) {
      socket.destroy();
      throw failure;
    }
  }
  const servername = typeof socket.servername === "string" && socket.servername !== ""
    ? socket.servername
    : false;
  return new NodeSocketConn(
    socket,
    new SocketTls(socket, {
      authorized: code === null,
      authorizationError: code,
      servername,
      protocol: () => socket.getProtocol(),
    }),
  );
}
