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

import { isIpLiteral } from "../core/authority.ts";
import type {
  TlsCommonOptions,
  TlsConnectOptions,
  TlsServerOptions,
  TlsSniCallback,
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
  copyNodeTlsCommon,
  nodeVerifyCode,
  pemList,
  rejectsUnauthorized,
  requireKeyAndCert,
  secureContextFor,
  type SecureContextMaker,
  SocketTls,
  tlsError,
  type TlsSocketFacts,
  toPeerCertificate,
  unavailable,
  verifyError,
} from "./_tls_facts.ts";

/** A Bun client socket before its handshake, as far as resumption goes. */
interface BunSessionSocketLike {
  setSession(session: Uint8Array): void;
}

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

/** The parts of Bun's `node:tls` used here: secure contexts, and its `Server` for rotation. */
interface BunNodeTlsLike extends SecureContextMaker {
  Server: new (options: Record<string, unknown>) => {
    _handle: unknown;
    setSecureContext(options: Record<string, unknown>): void;
  };
}

/**
 * Bun's `node:tls`, reached synchronously (`process.getBuiltinModule`, Bun 1.4.5) because Node's
 * `setSecureContext()` and `addContext()` are synchronous. Only TLS features beyond key and cert use it:
 * `pfx`, SNI contexts and rotation; `Bun.listen` takes the contexts it makes (`secureContext`).
 */
function bunNodeTls(): BunNodeTlsLike {
  const proc = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  const tls = proc?.getBuiltinModule?.("node:tls") as BunNodeTlsLike | undefined;
  if (tls === undefined) throw unavailable("node:tls (for pfx, SNI contexts and setSecureContext)", "Bun");
  return tls;
}

/**
 * Bun's `tls` settings for the options both ends share; absent options stay absent (see above). `pfx` and
 * the version bounds need a secure context made by Bun's node:tls (Bun's own options have neither; the
 * context carries both, measured on 1.4.5: a server context with `maxVersion: "TLSv1.2"` refuses a client
 * whose context has `minVersion: "TLSv1.3"`); `contextExtra` are the verification settings it must carry.
 */
function commonTls(tls: TlsCommonOptions, contextExtra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (tls.pfx !== undefined || tls.minVersion !== undefined || tls.maxVersion !== undefined) {
    const options: Record<string, unknown> = { ...contextExtra };
    copyNodeTlsCommon(tls, options);
    // ALPN is the listener's or the connection's setting in Bun, not the context's.
    delete options.ALPNProtocols;
    out.secureContext = bunNodeTls().createSecureContext(options).context;
  }
  if (tls.key !== undefined) out.key = pemList(tls.key);
  if (tls.cert !== undefined) out.cert = pemList(tls.cert);
  if (tls.ca !== undefined) out.ca = pemList(tls.ca);
  if (tls.passphrase !== undefined) out.passphrase = tls.passphrase;
  if (tls.ALPNProtocols !== undefined) {
    const wire = alpnWire(tls.ALPNProtocols);
    if (wire.byteLength > 0) out.ALPNProtocols = wire;
  }
  return out;
}

/**
 * What every server context on a listener carries besides its certificate: the client-certificate
 * request, with Bun's own refusal off (see {@linkcode bunServerTls}).
 */
function serverContextExtra(tls: TlsServerOptions): Record<string, unknown> {
  return { requestCert: tls.requestCert === true, rejectUnauthorized: false };
}

/** Bun's `tls` for `Bun.listen`. Throws `ERR_MISSING_OPTION` without `key` and `cert` (or `pfx`). */
export function bunServerTls(tls: TlsServerOptions): Record<string, unknown> {
  requireKeyAndCert(tls);
  const out = commonTls(tls, serverContextExtra(tls));
  // Authorization is decided in serverHandshake, after Bun reports it: Bun's own refusal gives the
  // client no reason and the server no 'tlsClientError'.
  out.requestCert = tls.requestCert === true;
  out.rejectUnauthorized = false;
  return out;
}

/**
 * Certificate rotation for a `Bun.listen` listener: Bun's own `tls.Server.setSecureContext()` swaps the
 * default context of the native listener in its `_handle` (what Bun's node:tls does for its own servers;
 * `listener.reload({ tls })` keeps the old certificate, measured on 1.4.5). New handshakes use the new
 * context; open connections keep theirs.
 */
export function bunContextSwapper(
  listener: unknown,
  tls: TlsServerOptions,
): (options: TlsCommonOptions) => void {
  return (options) => {
    const node = bunNodeTls();
    const server = new node.Server(serverContextExtra(tls));
    if (typeof server.setSecureContext !== "function" || !("_handle" in server)) {
      throw unavailable("Replacing the certificate of a listening server (setSecureContext)", "this Bun");
    }
    server._handle = listener;
    const next: Record<string, unknown> = {};
    copyNodeTlsCommon(options, next);
    delete next.ALPNProtocols;
    server.setSecureContext(next);
  };
}

/** Per listener: what the handshake step needs. */
export interface BunTlsAcceptor {
  readonly handshakeTimeout: number;
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
  readonly onConnection: (conn: TransportConn) => void;
  readonly onTlsError: TransportListenOptions["onTlsError"];
  readonly onKeylog: TransportListenOptions["onKeylog"];
  /** Bun's `serverName` socket handler for `SNICallback`, when there is one. */
  readonly serverName: BunServerNameHandler | undefined;
  /** Errors an `SNICallback` gave, per socket, reported when Bun fails that handshake. */
  readonly sniErrors: WeakMap<object, Error>;
}

/**
 * Bun's `serverName(listenerData, servername, socket)` handler (Bun 1.4.5, the hook its node:tls uses for
 * `SNICallback`): returns the native context to use, `undefined` for the default, an `Error` to fail the
 * handshake, or `true` to suspend it until `socket.resumeSNI(context, failed)`.
 */
type BunServerNameHandler = (data: unknown, servername: string, socket: BunSniSocketLike) => unknown;

/** The socket Bun hands the `serverName` handler. */
interface BunSniSocketLike {
  resumeSNI(context: unknown, failed: boolean): void;
}

/** The `serverName` handler running our `SNICallback` (synchronous or not, as Node allows). */
function serverNameHandler(
  choose: TlsSniCallback,
  tls: TlsServerOptions,
  sniErrors: WeakMap<object, Error>,
): BunServerNameHandler {
  const made = new WeakMap<object, { context: unknown }>();
  const extra = serverContextExtra(tls);
  return (_data, servername, socket) => {
    let answered = false;
    let suspended = false;
    let result: unknown;
    choose(servername, (error, choice) => {
      if (answered) return;
      answered = true;
      let context: unknown;
      let failure: Error | undefined = error ?? undefined;
      if (failure === undefined && choice !== undefined) {
        try {
          context = secureContextFor(bunNodeTls(), choice, made, extra).context;
        } catch (cause) {
          failure = cause as Error;
        }
      }
      if (failure !== undefined) sniErrors.set(socket, failure);
      if (!suspended) {
        result = failure ?? context;
        return;
      }
      try {
        socket.resumeSNI(context, failure !== undefined);
      } catch {
        // The socket went away while the callback worked (closed, or its handshake timed out).
      }
    });
    if (answered) return result;
    suspended = true;
    return true;
  };
}

/** Builds the acceptor for one `listen` call. */
export function bunTlsAcceptor(
  tls: TlsServerOptions,
  onConnection: (conn: TransportConn) => void,
  options: TransportListenOptions,
): BunTlsAcceptor {
  const requestCert = tls.requestCert === true;
  const sniErrors = new WeakMap<object, Error>();
  return {
    // Node's default; Bun has no handshake timeout of its own, so a silent peer would stay forever.
    handshakeTimeout: tls.handshakeTimeout ?? 120_000,
    requestCert,
    rejectUnauthorized: requestCert && tls.rejectUnauthorized !== false,
    onConnection,
    onTlsError: options.onTlsError,
    onKeylog: options.onKeylog,
    serverName: tls.SNICallback === undefined
      ? undefined
      : serverNameHandler(tls.SNICallback, tls, sniErrors),
    sniErrors,
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
    // An SNICallback's own error is what Node reports for the handshake it failed.
    const failure = acceptor.sniErrors.get(socket) ??
      new SystemError(reason, `TLS handshake failed: ${reason}`, "tls");
    socket.terminate();
    acceptor.onTlsError?.(failure, conn.remote, conn);
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
  socket: { terminate(): void; data: TransportConn },
  remote: TransportAddress,
  onFire: () => void,
): ReturnType<typeof setTimeout> {
  return setTimeout(() => {
    onFire();
    acceptor.onTlsError?.(
      new SystemError("ERR_TLS_HANDSHAKE_TIMEOUT", "TLS handshake timeout", "tls"),
      remote,
      socket.data,
    );
    socket.terminate();
  }, acceptor.handshakeTimeout);
}

function sniOf(name: string | undefined): string | false {
  return name === undefined || name === "" || isIpLiteral(name) ? false : name;
}

/** A socket closed before its handshake finished: Node reports that as `'tlsClientError'` too. */
function serverHandshakeAborted(
  acceptor: BunTlsAcceptor,
  conn: TransportConn,
  error?: Error,
): void {
  const code = (error as { code?: string } | undefined)?.code ?? "ECONNRESET";
  const message = "Client network socket disconnected before secure TLS connection was established";
  acceptor.onTlsError?.(new SystemError(code, message, "tls"), conn.remote, conn);
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
  const onKeylog = acceptor.onKeylog;
  // Bun calls into JavaScript for these only when the handler exists: each is added only when asked for.
  const optional: Partial<BunSocketHandlerLike> = {};
  if (acceptor.serverName !== undefined) optional.serverName = acceptor.serverName;
  if (onKeylog !== undefined) {
    optional.keylog = (socket: BunSocketLike, line: Uint8Array) => onKeylog(line, socket.data);
  }
  return {
    ...BunConn.handlers,
    ...optional,
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
        serverHandshakeAborted(acceptor, socket.data, error);
      }
      BunConn.handlers.close(socket, error);
    },
  };
}

// ---- Client ---------------------------------------------------------------------------------------------

/** Bun's `tls` for `Bun.connect`; Bun never rejects by itself (see `clientHandshake`). */
export function bunClientTls(tls: TlsConnectOptions, hostname: string): Record<string, unknown> {
  const out = commonTls(tls, { rejectUnauthorized: false });
  const servername = sniName(tls, hostname);
  // An empty name keeps Bun from sending the IP address as SNI.
  out.serverName = servername ?? "";
  out.rejectUnauthorized = false;
  return out;
}

/** The SNI name: `servername`, else the host unless it is an IP address. */
export function sniName(tls: TlsConnectOptions, hostname: string): string | undefined {
  if (tls.servername !== undefined && tls.servername !== "") {
    return isIpLiteral(tls.servername) ? undefined : tls.servername;
  }
  return isIpLiteral(hostname) ? undefined : hostname;
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
      // Any falsy answer accepts, as Node's `if (verifyError)` does (callers return false too).
      failure = cert === null
        ? tlsError("ERR_TLS_CERT_ALTNAME_INVALID", "The server presented no certificate")
        : tls.checkServerIdentity(host, cert) || undefined;
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
  if (failure !== undefined && rejectsUnauthorized(tls)) return failure;
  conn.tls = new SocketTls(socket, {
    authorized: failure === undefined,
    authorizationError: code,
    servername: sniName(tls, hostname) ?? false,
    protocol: () => socket.getTLSVersion?.() ?? null,
    keepCertificate: true,
    sessions: true,
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
  hooks: {
    onKeylog?: ((line: Uint8Array) => void) | undefined;
    onSession?: ((session: Uint8Array) => void) | undefined;
  } = {},
): Promise<BunConn> {
  const { onKeylog, onSession } = hooks;
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
        // Bun takes a session to resume on the socket before its handshake, not in the options
        // (measured on 1.4.5: `tls.session` in Bun.connect is ignored); its node:tls does the same.
        if (tls.session !== undefined) (s as unknown as BunSessionSocketLike).setSession(tls.session);
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
      ...(onKeylog === undefined ? {} : { keylog: (_s: BunSocketLike, line: Uint8Array) => onKeylog(line) }),
      session(s: BunSocketLike, session: Uint8Array): void {
        // Kept on the connection's facts, so getSession() answers after the socket closed too.
        if (s.data.tls instanceof SocketTls) s.data.tls.noteSession(session);
        onSession?.(session);
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
