/**
 * Pieces every TLS adapter shares: option material as the runtimes take it, the peer certificate in
 * Node's shape, Node's error codes, and the session facts read from a Node-style TLS socket (Deno's
 * `node:tls`, Bun's sockets), so each adapter reports the same things the same way.
 *
 * @module
 */

import type {
  CipherInfo,
  PeerCertificate,
  TlsAlpnProtocols,
  TlsCommonOptions,
  TlsConnectOptions,
  TlsContext,
  TlsMaterial,
  TransportTls,
} from "../io/transport.ts";
import { SystemError } from "../io/transport.ts";

const decoder = new TextDecoder();

/**
 * Copies the options both ends share onto Node `tls` options (`tls.connect()`, `tls.createServer()`), under
 * Node's names; absent options stay absent so the runtime's defaults apply.
 */
export function copyNodeTlsCommon(tls: TlsCommonOptions, options: Record<string, unknown>): void {
  if (tls.key !== undefined) options.key = pemList(tls.key);
  if (tls.cert !== undefined) options.cert = pemList(tls.cert);
  if (tls.ca !== undefined) options.ca = pemList(tls.ca);
  if (tls.passphrase !== undefined) options.passphrase = tls.passphrase;
  // Both runtimes' node:tls take Node's pfx forms as they are (checked on Deno 2.9.6 and Bun 1.4.5).
  if (tls.pfx !== undefined) options.pfx = tls.pfx;
  if (tls.ALPNProtocols !== undefined) options.ALPNProtocols = alpnNames(tls.ALPNProtocols);
  if (tls.minVersion !== undefined) options.minVersion = tls.minVersion;
  if (tls.maxVersion !== undefined) options.maxVersion = tls.maxVersion;
}

/** The parts of `node:tls` that turn options into a secure context. */
export interface SecureContextMaker {
  createSecureContext(options: Record<string, unknown>): { context: unknown };
}

/**
 * The runtime's secure context for an SNI choice: a context made by the runtime's `createSecureContext()`
 * is used as it is; options are turned into one once and kept (per options object) for later handshakes.
 */
export function secureContextFor(
  tls: SecureContextMaker,
  choice: TlsContext,
  made: WeakMap<object, { context: unknown }>,
  extra?: Record<string, unknown>,
): { context: unknown } {
  if ("context" in choice) return choice as { context: unknown };
  let context = made.get(choice);
  if (context === undefined) {
    const options: Record<string, unknown> = { ...extra };
    copyNodeTlsCommon(choice as TlsCommonOptions, options);
    context = tls.createSecureContext(options);
    made.set(choice, context);
  }
  return context;
}

/**
 * ALPN names from any of Node's forms: names (strings or bytes) or one wire-format buffer. A wire buffer
 * whose length bytes overrun it is refused (Node would send it as it is and fail the handshake).
 */
export function alpnNames(protocols: TlsAlpnProtocols): string[] {
  if (!(protocols instanceof Uint8Array)) {
    return protocols.map((name) => typeof name === "string" ? name : decoder.decode(name));
  }
  const names: string[] = [];
  for (let at = 0; at < protocols.byteLength;) {
    const length = protocols[at]!;
    if (length === 0 || at + 1 + length > protocols.byteLength) {
      throw new SystemError(
        "ERR_INVALID_ARG_VALUE",
        "ALPNProtocols buffer is not in the wire format (length-prefixed names)",
      );
    }
    names.push(decoder.decode(protocols.subarray(at + 1, at + 1 + length)));
    at += 1 + length;
  }
  return names;
}

/** Node's process-wide switch and its warning, shown once per process as Node does. */
let warnedInsecureEnv = false;

/** The members of `process` read here (Deno and Bun both have a Node-style global `process`). */
interface ProcessLike {
  env: Record<string, string | undefined>;
  emitWarning?(message: string): void;
}

/**
 * Whether a client refuses a server that does not verify: its own `rejectUnauthorized` when given, else
 * Node's default, which `NODE_TLS_REJECT_UNAUTHORIZED=0` turns off (with Node's warning, once). Without
 * permission to read the environment (Deno without `--allow-env`) the safe default stands.
 */
export function rejectsUnauthorized(tls: TlsConnectOptions): boolean {
  if (tls.rejectUnauthorized !== undefined) return tls.rejectUnauthorized;
  let value: string | undefined;
  const proc = (globalThis as { process?: ProcessLike }).process;
  try {
    value = proc?.env.NODE_TLS_REJECT_UNAUTHORIZED;
  } catch {
    return true;
  }
  if (value !== "0") return true;
  if (!warnedInsecureEnv) {
    warnedInsecureEnv = true;
    const message = "Setting the NODE_TLS_REJECT_UNAUTHORIZED environment variable to '0' makes TLS " +
      "connections and HTTPS requests insecure by disabling certificate verification.";
    if (proc?.emitWarning !== undefined) proc.emitWarning(message);
    else console.warn(`Warning: ${message}`);
  }
  return false;
}

/** PEM material as a list of strings (runtimes differ in what they take; all take strings). */
export function pemList(material: TlsMaterial | undefined): string[] | undefined {
  if (material === undefined) return undefined;
  const items = typeof material === "string" || material instanceof Uint8Array ? [material] : material;
  return items.map((item) => typeof item === "string" ? item : decoder.decode(item));
}

/** ALPN names in the wire format (length-prefixed), as Bun wants them. */
export function alpnWire(protocols: TlsAlpnProtocols): Uint8Array {
  const encoded = alpnNames(protocols).map((name) => new TextEncoder().encode(name));
  const out = new Uint8Array(encoded.reduce((n, e) => n + 1 + e.byteLength, 0));
  let at = 0;
  for (const e of encoded) {
    if (e.byteLength === 0 || e.byteLength > 255) {
      throw new SystemError("ERR_OUT_OF_RANGE", `ALPN protocol name has ${e.byteLength} bytes (1-255)`);
    }
    out[at++] = e.byteLength;
    out.set(e, at);
    at += e.byteLength;
  }
  return out;
}

/** A TLS error with Node's `code`, for errors raised here rather than by the runtime. */
export function tlsError(code: string, message: string, extra?: Record<string, unknown>): SystemError {
  const error = new SystemError(code, message, "tls");
  if (extra !== undefined) Object.assign(error, extra);
  return error;
}

/**
 * A TLS server needs something to present: without `key` and `cert` (or `pfx`) listening is refused
 * (Node's code).
 */
export function requireKeyAndCert(tls: { key?: unknown; cert?: unknown; pfx?: unknown }): void {
  if ((tls.key === undefined || tls.cert === undefined) && tls.pfx === undefined) {
    throw new SystemError("ERR_MISSING_OPTION", "A TLS server needs both key and cert, or pfx", "listen");
  }
}

/** The refusal every adapter gives for an option its runtime cannot honour. */
export function unavailable(what: string, runtime: string): SystemError {
  return new SystemError(
    "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
    `${what} is not available on ${runtime}`,
    "tls",
  );
}

/** A `Buffer` (or any view) as a plain `Uint8Array` over the same memory. */
function plainBytes(view: Uint8Array): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** A Node-style certificate object as the runtime gives it (Buffers, possibly `{}` for none). */
type RawCertificate = Record<string, unknown> & { raw?: Uint8Array; issuerCertificate?: RawCertificate };

/**
 * Node's `getPeerCertificate()` object with `raw` as a plain `Uint8Array` view, or null when the peer sent
 * none (the runtimes return `{}` or `undefined` then). The chain keeps Node's self-reference at the root.
 */
export function toPeerCertificate(raw: unknown): PeerCertificate | null {
  if (typeof raw !== "object" || raw === null) return null;
  const cert = raw as RawCertificate;
  if (cert.raw === undefined && cert.subject === undefined) return null;
  const seen = new Map<RawCertificate, PeerCertificate>();
  const convert = (c: RawCertificate): PeerCertificate => {
    const done = seen.get(c);
    if (done !== undefined) return done;
    const out = { ...c } as PeerCertificate;
    seen.set(c, out);
    // Bun gives the name objects a null prototype; Node's are plain objects.
    if (typeof c.subject === "object" && c.subject !== null) out.subject = { ...c.subject };
    if (typeof c.issuer === "object" && c.issuer !== null) out.issuer = { ...c.issuer };
    if (c.raw instanceof Uint8Array) {
      out.raw = new Uint8Array(c.raw.buffer, c.raw.byteOffset, c.raw.byteLength);
    }
    if (c.issuerCertificate !== undefined) out.issuerCertificate = convert(c.issuerCertificate);
    return out;
  };
  return convert(cert);
}

/** OpenSSL's texts for the verification codes, as Node's errors carry them. */
const VERIFY_MESSAGES: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "unable to verify the first certificate",
  UNABLE_TO_GET_ISSUER_CERT: "unable to get issuer certificate",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "unable to get local issuer certificate",
  CERT_HAS_EXPIRED: "certificate has expired",
  CERT_NOT_YET_VALID: "certificate is not yet valid",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
  SELF_SIGNED_CERT_IN_CHAIN: "self-signed certificate in certificate chain",
  CERT_SIGNATURE_FAILURE: "certificate signature failure",
  CERT_REVOKED: "certificate revoked",
  CERT_UNTRUSTED: "certificate not trusted",
  CERT_REJECTED: "certificate rejected",
};

function sameName(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The code Node's OpenSSL would give. Deno's `node:tls` (rustls below) reports every untrusted chain as
 * UNABLE_TO_VERIFY_LEAF_SIGNATURE and Bun reports a self-signed leaf that way too; the certificate tells
 * the cases OpenSSL checks first apart: dates, then a self-issued leaf.
 */
export function nodeVerifyCode(code: string, cert: PeerCertificate | null, now = Date.now()): string {
  if (
    cert === null ||
    (code !== "UNABLE_TO_VERIFY_LEAF_SIGNATURE" && code !== "UNABLE_TO_GET_ISSUER_CERT_LOCALLY")
  ) {
    return code;
  }
  const from = Date.parse(cert.valid_from);
  const to = Date.parse(cert.valid_to);
  if (to < now) return "CERT_HAS_EXPIRED";
  if (from > now) return "CERT_NOT_YET_VALID";
  if (cert.issuerCertificate === undefined || cert.issuerCertificate === cert) {
    if (sameName(cert.subject, cert.issuer)) return "DEPTH_ZERO_SELF_SIGNED_CERT";
  }
  return code;
}

/** A certificate verification failure as Node raises it: the code and OpenSSL's text. */
export function verifyError(code: string): SystemError {
  return tlsError(code, VERIFY_MESSAGES[code] ?? `certificate verification failed: ${code}`);
}

/** An authorization error as Node's code string (runtimes give a string, an Error or `{code}`). */
export function authorizationCode(error: unknown): string | null {
  if (error === null || error === undefined || error === false) return null;
  if (typeof error === "string") return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return code;
  const message = (error as { message?: unknown }).message;
  return typeof message === "string" ? message : String(error);
}

/** The members of a Node-style TLS socket that describe its session (Deno's `node:tls`, Bun's sockets). */
export interface TlsSocketFacts {
  readonly authorized?: boolean;
  readonly alpnProtocol?: string | false | null;
  getPeerCertificate?(detailed?: boolean): unknown;
  getCipher?(): unknown;
  getSession?(): Uint8Array | undefined;
  isSessionReused?(): boolean;
}

/** Session facts fixed at handshake time plus live lookups on the runtime's socket. */
export class SocketTls implements TransportTls {
  readonly authorized: boolean;
  readonly authorizationError: string | null;
  readonly alpnProtocol: string | false;
  readonly servername: string | false;
  readonly #socket: TlsSocketFacts;
  readonly #protocol: () => string | null;

  /** Snapshots the handshake's outcome; the certificate and cipher are read from `socket` on demand. */
  constructor(
    socket: TlsSocketFacts,
    facts: {
      authorized: boolean;
      authorizationError: string | null;
      servername: string | false;
      protocol: () => string | null;
      /**
       * Read the peer's certificate now. Clients do: a response is often read after the pool closed its
       * connection, and the runtimes forget the certificate with the socket (Node returns `{}` then too).
       */
      keepCertificate?: boolean;
      /** The runtime resumes sessions: offer `getSession()` and `isSessionReused()`. */
      sessions?: boolean;
    },
  ) {
    this.#socket = socket;
    this.authorized = facts.authorized;
    this.authorizationError = facts.authorized ? null : facts.authorizationError;
    const alpn = socket.alpnProtocol;
    this.alpnProtocol = typeof alpn === "string" && alpn !== "" ? alpn : false;
    this.servername = facts.servername;
    this.#protocol = facts.protocol;
    if (facts.keepCertificate === true) this.#kept = this.#read(false);
    if (facts.sessions === true) {
      // The latest ticket: TLS 1.3 servers send theirs after the handshake. Kept once read, because the
      // runtimes forget it when the socket closes (a pooled connection often has by the time it is asked).
      this.getSession = () => {
        if (this.#session !== undefined) return this.#session;
        const session = socket.getSession?.();
        return session === undefined || session === null ? undefined : plainBytes(session);
      };
      const reused = socket.isSessionReused?.() === true;
      this.isSessionReused = () => reused;
    }
  }

  #session: Uint8Array | undefined;

  /**
   * The adapter saw the server offer a session (Bun's `session` callback, node:tls's `'session'`): it is
   * what `getSession()` answers from now on, also after the socket closed (the runtimes forget theirs).
   */
  noteSession(session: Uint8Array): void {
    this.#session = plainBytes(session);
  }

  /** Present where the runtime resumes sessions (see the constructor's `sessions`). */
  readonly getSession?: () => Uint8Array | undefined;
  /** Present with `getSession`. */
  readonly isSessionReused?: () => boolean;

  #kept: PeerCertificate | null | undefined;

  #read(detailed: boolean): PeerCertificate | null {
    return toPeerCertificate(this.#socket.getPeerCertificate?.(detailed));
  }

  getPeerCertificate(detailed?: boolean): PeerCertificate | null {
    if (detailed === true) return this.#read(true) ?? this.#kept ?? null;
    return this.#kept !== undefined ? this.#kept : this.#read(false);
  }

  getProtocol(): string | null {
    return this.#protocol();
  }

  getCipher(): CipherInfo {
    const cipher = this.#socket.getCipher?.() as Partial<CipherInfo> | undefined;
    const name = cipher?.name ?? "";
    return { name, standardName: cipher?.standardName ?? name, version: cipher?.version ?? "" };
  }
}
