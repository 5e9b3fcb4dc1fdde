/**
 * TLS for the Bun transport: option mapping and the handshake step between Bun's `open` and handing the
 * connection out.
 *
 * Bun's pitfalls, measured on Bun 1.4.5, each handled here: `tls: {}` or a key set to `undefined` silently
 * serves plain TCP (so absent options are left out and a server without `key`/`cert` is refused); ALPN
 * must be given in the wire format; a server reports an authorization error even when it never asked for
 * a certificate (hidden, as Node reports none); `checkServerIdentity` is ignored (the client passes
 * `rejectUnauthorized: false` to Bun and applies Node's rules itself in the handshake callback).
 *
 * @module
 */

import type {
  TlsCommonOptions,
  TlsConnectOptions,
  TlsServerOptions,
  TransportAddress,
  TransportConn,
  TransportListenOptions,
  TransportTls,
} from "../io/transport.ts";
import { SystemError } from "../io/transport.ts";
import { bun, BunConn, type BunSocketHandlerLike, type BunSocketLike } from "./_bun_conn.ts";
import {
  alpnWire,
  authorizationCode,
  isIp,
  nodeVerifyCode,
  pemList,
  requireKeyAndCert,
  SocketTls,
  tlsError,
  type TlsSocketFacts,
  toPeerCertificate,
  unavailable,
  verifyError,
} from "./_tls_facts.ts";

/** The TLS members of a Bun socket. */
export interface BunTlsSocketLike extends TlsSocketFacts {
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly remoteFamily?: string;
  getAuthorizationError?(): unknown;
  getServername?(): string | undefined;
  getTLSVersion?(): string | null;
  terminate(): void;
}

/** Bun's `tls` settings for the options both ends share; absent options stay absent (see above). */
function commonTls(tls: TlsCommonOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (tls.key !== undefined) out.key = pemList(tls.key);
  if (tls.cert !== undefined) out.cert = pemList(tls.cert);
  if (tls.ca !== undefined) out.ca = pemList(tls.ca);
  if (tls.passphrase !== undefined) out.passphrase = tls.passphrase;
  if (tls.ALPNProtocols !== undefined && tls.ALPNProtocols.length > 0) {
    out.ALPNProtocols = alpnWire(tls.ALPNProtocols);
  }
  if (tls.minVersion !== undefined || tls.maxVersion !== undefined) {
    throw unavailable("Choosing the TLS version (minVersion, maxVersion)", "Bun");
  }
  return out;
}

/** Bun's `tls` for `Bun.listen`. Throws `ERR_MISSING_OPTION` without `key` and `cert`. */
export function bunServerTls(tls: TlsServerOptions): Record<string, unknown> {
  requireKeyAndCert(tls);
  const out = commonTls(tls);
  // Authorization is decided in serverHandshake, after Bun reports it: Bun's own refusal gives the
  // client no reason and the server no 'tlsClientError'.
  out.requestCert = tls.requestCert === true;
  out.rejectUnauthorized = false;
  return out;
}

/** Per listener: what the handshake step needs. */
export interface BunTlsAcceptor {
  readonly handshakeTimeout: number;
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
  readonly onConnection: (conn: TransportConn) => void;
  readonly onTlsError: TransportListenOptions["onTlsError"];
}

/** Builds the acceptor for one `listen` call. */
export function bunTlsAcceptor(
  tls: TlsServerOptions,
  onConnection: (conn: TransportConn) => void,
  onTlsError: TransportListenOptions["onTlsError"],
): BunTlsAcceptor {
  const requestCert = tls.requestCert === true;
  return {
    // Node's default; Bun has no handshake timeout of its own, so a silent peer would stay forever.
    handshakeTimeout: tls.handshakeTimeout ?? 120_000,
    requestCert,
    rejectUnauthorized: requestCert && tls.rejectUnauthorized !== false,
    onConnection,
    onTlsError,
  };
}

/**
 * Bun's `handshake(socket, success, authorizationError)` on a server: hands `conn` to `onConnection` with
 * its TLS facts set, or reports the failure (`'tlsClientError'`) and drops the connection.
 */
function serverHandshake(
  acceptor: BunTlsAcceptor,
  conn: TransportConn & { tls: TransportTls | undefined },
  socket: BunTlsSocketLike,
  success: boolean,
  error: unknown,
): void {
  const code = authorizationCode(error ?? socket.getAuthorizationError?.());
  const authorized = acceptor.requestCert && success && socket.authorized === true;
  if (!success || (acceptor.rejectUnauthorized && !authorized)) {
    const reason = code ?? "ECONNRESET";
    const failure = new SystemError(reason, `TLS handshake failed: ${reason}`, "tls");
    socket.terminate();
    acceptor.onTlsError?.(failure, conn.remote);
    return;
  }
  conn.tls = new SocketTls(socket, {
    authorized,
    authorizationError: acceptor.requestCert ? code : null,
    // SNI carries host names only (RFC 6066, section 3); Bun's client sends an IP when given one.
    servername: sniOf(socket.getServername?.()),
    protocol: () => socket.getTLSVersion?.() ?? null,
  });
  acceptor.onConnection(conn);
}

/** Drops a connection whose handshake is not done after `acceptor.handshakeTimeout` ms. */
function armHandshakeTimer(
  acceptor: BunTlsAcceptor,
  socket: { terminate(): void },
  remote: TransportAddress,
  onFire: () => void,
): ReturnType<typeof setTimeout> {
  return setTimeout(() => {
    onFire();
    acceptor.onTlsError?.(
      new SystemError("ERR_TLS_HANDSHAKE_TIMEOUT", "TLS handshake timeout", "tls"),
      remote,
    );
    socket.terminate();
  }, acceptor.handshakeTimeout);
}

function sniOf(name: string | undefined): string | false {
  return name === undefined || name === "" || isIp(name) ? false : name;
}

/** A socket closed before its handshake finished: Node reports that as `'tlsClientError'` too. */
function serverHandshakeAborted(
  acceptor: BunTlsAcceptor,
  remote: TransportAddress,
  error?: Error,
): void {
  const code = (error as { code?: string } | undefined)?.code ?? "ECONNRESET";
  const message = "Client network socket disconnected before secure TLS connection was established";
  acceptor.onTlsError?.(new SystemError(code, message, "tls"), remote);
}

/**
 * Server sockets with TLS: `open` wraps the socket but the connection is handed out only by a successful
 * `handshake` (see {@linkcode serverHandshake}); a socket that closes before that is a failed handshake.
 */
export function tlsServerHandlers(
  acceptor: BunTlsAcceptor,
  unix: { local: TransportAddress; remote: TransportAddress } | undefined,
): BunSocketHandlerLike {
  // Sockets still in their handshake, with the timer that drops them if it never finishes.
  const pending = new Map<BunSocketLike, ReturnType<typeof setTimeout>>();
  return {
    ...BunConn.handlers,
    open(socket: BunSocketLike): void {
      // Read the peer's address now: a socket whose handshake fails has forgotten it by then.
      const remote = new BunConn(socket, unix).remote;
      pending.set(socket, armHandshakeTimer(acceptor, socket, remote, () => pending.delete(socket)));
    },
    handshake(socket: BunSocketLike, success: boolean, error: unknown): void {
      const timer = pending.get(socket);
      if (timer === undefined) return; // Timed out already.
      clearTimeout(timer);
      pending.delete(socket);
      serverHandshake(acceptor, socket.data, socket as unknown as BunTlsSocketLike, success, error);
    },
    close(socket: BunSocketLike, error?: Error): void {
      const timer = pending.get(socket);
      if (timer !== undefined) {
        clearTimeout(timer);
        pending.delete(socket);
        serverHandshakeAborted(acceptor, socket.data.remote, error);
      }
      BunConn.handlers.close(socket, error);
    },
  };
}

// ---- Client ---------------------------------------------------------------------------------------------

/** Bun's `tls` for `Bun.connect`; Bun never rejects by itself (see `clientHandshake`). */
export function bunClientTls(tls: TlsConnectOptions, hostname: string): Record<string, unknown> {
  const out = commonTls(tls);
  const servername = sniName(tls, hostname);
  // An empty name keeps Bun from sending the IP address as SNI.
  out.serverName = servername ?? "";
  out.rejectUnauthorized = false;
  return out;
}

/** The SNI name: `servername`, else the host unless it is an IP address. */
export function sniName(tls: TlsConnectOptions, hostname: string): string | undefined {
  if (tls.servername !== undefined && tls.servername !== "") {
    return isIp(tls.servername) ? undefined : tls.servername;
  }
  return isIp(hostname) ? undefined : hostname;
}

/**
 * Bun's `handshake` on a client: Node's decision, made here because Bun is told not to reject. A chain
 * that does not verify, or a name that does not match (Bun's check, or the caller's
 * `checkServerIdentity`), rejects with Node's code unless `rejectUnauthorized` is false; otherwise the
 * session's facts are set on `conn`.
 */
export function clientHandshake(
  tls: TlsConnectOptions,
  hostname: string,
  conn: { tls: TransportTls | undefined },
  socket: BunTlsSocketLike,
  error: unknown,
): Error | undefined {
  const reported = error ?? socket.getAuthorizationError?.();
  let code = authorizationCode(reported);
  let failure: Error | undefined;
  if (code !== null && code !== ALTNAME_INVALID) {
    const refined = nodeVerifyCode(code, toPeerCertificate(socket.getPeerCertificate?.(false)));
    failure = refined === code
      ? tlsError(code, messageOf(reported) ?? verifyError(code).message)
      : verifyError(refined);
    code = refined;
  } else {
    const host = tls.host ?? tls.servername ?? hostname;
    if (tls.checkServerIdentity !== undefined) {
      const cert = toPeerCertificate(socket.getPeerCertificate?.(false));
      failure = cert === null
        ? tlsError("ERR_TLS_CERT_ALTNAME_INVALID", "The server presented no certificate")
        : tls.checkServerIdentity(host, cert);
      code = failure === undefined ? null : authorizationCode(failure);
    } else if (code === ALTNAME_INVALID) {
      failure = tlsError(
        code,
        messageOf(reported) ?? `Hostname/IP does not match certificate's altnames: ${host}`,
        {
          host,
        },
      );
    }
  }
  if (failure !== undefined && tls.rejectUnauthorized !== false) return failure;
  conn.tls = new SocketTls(socket, {
    authorized: failure === undefined,
    authorizationError: code,
    servername: sniName(tls, hostname) ?? false,
    protocol: () => socket.getTLSVersion?.() ?? null,
    keepCertificate: true,
  });
  return undefined;
}

const ALTNAME_INVALID = "ERR_TLS_CERT_ALTNAME_INVALID";

function messageOf(error: unknown): string | undefined {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === "string" && message !== "" ? message : undefined;
}

/**
 * `Bun.connect` with TLS, resolving after the handshake passed Node's checks ({@linkcode clientHandshake}).
 * Errors before the handshake reject with the mapped socket error; `signal` aborts either phase.
 */
export function connectTls(
  target: { hostname: string; port: number } | { path: string },
  tls: TlsConnectOptions,
  signal: AbortSignal | undefined,
  mapFailure: (error: unknown) => Error,
): Promise<BunConn> {
  const hostname = "path" in target ? (tls.servername ?? "localhost") : target.hostname;
  return new Promise<BunConn>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, conn?: BunConn): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      if (error === undefined) resolve(conn!);
      else reject(error);
    };
    let opened: BunSocketLike | undefined;
    const onAbort = (): void => {
      opened?.terminate();
      finish(signal!.reason instanceof Error ? signal!.reason : new Error(String(signal!.reason)));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const socket: BunSocketHandlerLike = {
      ...BunConn.handlers,
      open(s: BunSocketLike): void {
        opened = s;
        new BunConn(s);
      },
      handshake(s: BunSocketLike, success: boolean, error: unknown): void {
        const reported = error ?? (success ? undefined : tlsError("ECONNRESET", "TLS handshake failed"));
        const failure = clientHandshake(tls, hostname, s.data, s as unknown as BunTlsSocketLike, reported);
        if (failure !== undefined) {
          // Settle first: Bun calls `close` synchronously from inside terminate().
          finish(failure);
          s.terminate();
        } else finish(undefined, s.data);
      },
      close(s: BunSocketLike, error?: Error): void {
        BunConn.handlers.close(s, error);
        finish(
          mapFailure(
            error ??
              tlsError(
                "ECONNRESET",
                "Client network socket disconnected before secure TLS connection was established",
              ),
          ),
        );
      },
    };
    let config: Record<string, unknown>;
    try {
      config = bunClientTls(tls, hostname);
    } catch (error) {
      finish(error as Error);
      return;
    }
    const where = "path" in target ? { unix: target.path } : { hostname: target.hostname, port: target.port };
    bun().connect({ ...where, allowHalfOpen: true, socket, tls: config }).then(
      (s) => {
        if (settled) s.terminate();
      },
      (error) => finish(mapFailure(error)),
    );
  });
}
