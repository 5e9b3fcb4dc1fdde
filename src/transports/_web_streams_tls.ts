/**
 * TLS for the Web Streams transport, as workerd's `connect()` offers it: `secureTransport: "on"` for a
 * TLS connection, `"starttls"` and `socket.startTls()` to upgrade one later (tunnels). The runtime checks
 * the server against its public roots with the hostname connected to, and tells nothing about the
 * session. So this refuses what it cannot honour — custom CAs, client certificates, turning verification
 * off, a different SNI name, protocol bounds — with `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM`, and the
 * session facts it cannot know throw the same code: it never pretends.
 *
 * @module
 */

import {
  type CipherInfo,
  type PeerCertificate,
  SystemError,
  type TlsConnectOptions,
  type TransportTls,
} from "../io/transport.ts";
import { alpnNames } from "./_tls_facts.ts";

function unavailable(what: string): SystemError {
  return new SystemError(
    "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
    `TLS over Web Streams sockets (workerd) cannot ${what}`,
    "connect",
  );
}

/**
 * Throws `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM` for each option the runtime cannot honour; `hostname` is
 * the host connected to (the only name the runtime sends and checks).
 */
export function checkEdgeTls(options: TlsConnectOptions, hostname: string): void {
  if (options.ca !== undefined) unavailableOption("trust a custom CA (`ca`): it trusts public roots only");
  if (options.cert !== undefined || options.key !== undefined || options.passphrase !== undefined) {
    unavailableOption("present a client certificate (`cert`/`key`)");
  }
  if (options.rejectUnauthorized === false) {
    unavailableOption("skip certificate verification (`rejectUnauthorized: false`)");
  }
  if (options.checkServerIdentity !== undefined) unavailableOption("run `checkServerIdentity`");
  if (options.maxVersion !== undefined || options.minVersion === "TLSv1.3") {
    unavailableOption("bound the protocol version (`minVersion`/`maxVersion`)");
  }
  if (options.servername !== undefined && options.servername !== hostname) {
    unavailableOption("send an SNI name other than the host connected to (`servername`)");
  }
  if (options.pfx !== undefined) unavailableOption("present a client certificate (`pfx`)");
  if (options.session !== undefined) unavailableOption("resume a TLS session (`session`)");
  const alpn = options.ALPNProtocols === undefined ? undefined : alpnNames(options.ALPNProtocols);
  if (alpn !== undefined && alpn.some((p) => p !== "http/1.1")) {
    unavailableOption("offer ALPN protocols (HTTP/1.1 without ALPN only)");
  }
}

function unavailableOption(what: string): never {
  throw unavailable(what);
}

/** The session facts of a Web Streams TLS connection: verified (or it would not be open), little else. */
export class EdgeTlsFacts implements TransportTls {
  /** The runtime verified the server against its public roots and the hostname, or refused to connect. */
  readonly authorized = true;
  /** Never set: an unverified server is not connected to. */
  readonly authorizationError = null;
  /** The runtime offers no ALPN: HTTP/1.1 is spoken without it. */
  readonly alpnProtocol = false as const;
  /** The SNI name sent (the host connected to). */
  readonly servername: string;

  /** `servername` is the host connected to. */
  constructor(servername: string) {
    this.servername = servername;
  }

  /** Not available: the runtime does not expose the peer's certificate. */
  getPeerCertificate(_detailed?: boolean): PeerCertificate | null {
    throw unavailable("report the peer's certificate");
  }

  /** Unknown: the runtime does not say which version was negotiated. */
  getProtocol(): string | null {
    return null;
  }

  /** Not available: the runtime does not say which cipher was negotiated. */
  getCipher(): CipherInfo {
    throw unavailable("report the negotiated cipher");
  }
}
