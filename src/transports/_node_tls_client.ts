/**
 * A TLS client through the runtime's `node:tls`, to a host/port or unix path or over any byte stream (a
 * CONNECT tunnel), with Node's verification decision taken here after the handshake so the certificate
 * can refine the code the runtime reports (see {@linkcode nodeVerifyCode}).
 *
 * @module
 */

import { isIpLiteral } from "../core/authority.ts";
import type { ConnectTarget, TlsConnectOptions, TransportConn } from "../io/transport.ts";
import { describeTarget, mapError } from "./_map_error.ts";
import { NodeSocketConn } from "./_node_socket_conn.ts";
import { connected } from "./_node_connected.ts";
import { loadNodeTls, type NodeTlsSocketLike } from "./_node_tls.ts";
import {
  authorizationCode,
  copyNodeTlsCommon,
  nodeVerifyCode,
  rejectsUnauthorized,
  SocketTls,
  toPeerCertificate,
  unavailable,
  verifyError,
} from "./_tls_facts.ts";

/**
 * Whether this runtime's node:tls resumes sessions. Measured: Bun 1.4.5 does (`isSessionReused()` true on
 * the second connection); Deno 2.9.6 never does (its `getSession()` returns bytes that nothing accepts).
 */
const RESUMES = "Bun" in globalThis;

/** Where the TLS client runs: a socket address, or an open Node-style duplex stream (a tunnel). */
export type NodeTlsTarget = ConnectTarget | { readonly stream: unknown; readonly hostname: string };

/** An error from `node:tls` keeps its own code (`UNABLE_TO_VERIFY_LEAF_SIGNATURE` is not errno-shaped). */
function clientFailure(error: unknown, target: NodeTlsTarget): Error {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && !code.startsWith("E") && error instanceof Error) return error;
  return mapError(
    error,
    "connect",
    "stream" in target ? `tunnel to ${target.hostname}` : describeTarget(target),
  );
}

/** Node `tls.connect()` options for our {@linkcode TlsConnectOptions}. */
function nodeClientOptions(
  tls: TlsConnectOptions,
  target: NodeTlsTarget,
  checkIdentity: (host: string, cert: unknown) => Error | undefined,
): Record<string, unknown> {
  const options: Record<string, unknown> = { allowHalfOpen: true, noDelay: true };
  if ("stream" in target) options.socket = target.stream;
  else if ("path" in target) options.path = target.path;
  else {
    options.host = target.hostname;
    options.port = target.port;
    // A client bound to a local address (see _node_net_client.ts).
    const local = target as { localAddress?: string; localPort?: number };
    if (local.localAddress !== undefined) options.localAddress = local.localAddress;
    if (local.localPort !== undefined) options.localPort = local.localPort;
  }
  const hostname = "path" in target ? "localhost" : target.hostname;
  const servername = tls.servername ?? hostname;
  // Node never sends an IP as SNI; an empty servername means "none" to node:tls.
  options.servername = isIpLiteral(servername) ? "" : servername;
  copyNodeTlsCommon(tls, options);
  if (tls.session !== undefined) options.session = tls.session;
  // The decision is taken after the handshake (see connectTls), where the certificate can refine the code.
  options.rejectUnauthorized = false;
  const host = tls.host ?? servername;
  options.checkServerIdentity = (_host: string, cert: unknown) => checkIdentity(host, cert);
  return options;
}

/**
 * Opens a TLS connection through `node:tls`; resolves after the handshake passed Node's checks.
 * `hooks` get the key log lines and the sessions offered, where the runtime's node:tls has them (Bun).
 */
export async function connectNodeTls(
  target: NodeTlsTarget,
  tls: TlsConnectOptions,
  signal: AbortSignal | undefined,
  hooks: {
    onKeylog?: ((line: Uint8Array) => void) | undefined;
    onSession?: ((session: Uint8Array) => void) | undefined;
  } = {},
): Promise<TransportConn> {
  const { onKeylog, onSession } = hooks;
  if (!RESUMES && (tls.session !== undefined || onSession !== undefined)) {
    throw unavailable("TLS session resumption (session)", "Deno");
  }
  if (!RESUMES && onKeylog !== undefined) throw unavailable("TLS key logging ('keylog')", "Deno");
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
  if (onKeylog !== undefined) socket.on("keylog", onKeylog);
  // The facts exist once the handshake passed; a session offered before that is read live from then on.
  const made: { facts?: SocketTls } = {};
  if (RESUMES) {
    socket.on("session", (session: Uint8Array) => {
      made.facts?.noteSession(session);
      onSession?.(session);
    });
  }
  await connected(socket, "secureConnect", signal, (error) => clientFailure(error, target));
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
    if (rejectsUnauthorized(tls)) {
      socket.destroy();
      throw failure;
    }
  }
  const servername = typeof socket.servername === "string" && socket.servername !== ""
    ? socket.servername
    : false;
  const facts = new SocketTls(socket, {
    authorized: code === null,
    authorizationError: code,
    servername,
    protocol: () => socket.getProtocol(),
    keepCertificate: true,
    sessions: RESUMES,
  });
  made.facts = facts;
  return new NodeSocketConn(socket, facts);
}
