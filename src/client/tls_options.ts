/**
 * How a request's options become TLS: which requests are HTTPS, the {@linkcode TlsConnectOptions} given
 * to the transport, and the part of the Agent's pool key that keeps connections with different TLS
 * settings apart (Node's `https.Agent.prototype.getName`).
 *
 * @module
 */

import type { TlsConnectOptions } from "../io/transport.ts";

/** The TLS fields a request may carry (Node's `https.request` options). */
export interface RequestTlsOptions extends TlsConnectOptions {
  /** `"https:"` makes the request TLS. */
  protocol?: string;
}

/** True when the request goes over TLS. */
export function isHttps(options: { protocol?: string | undefined }): boolean {
  return options.protocol === "https:";
}

/** The name in a `Host` field given in the request options, without port or IPv6 brackets. */
function hostHeaderName(headers: unknown): string | undefined {
  let value: unknown;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === "host") value = headers[i + 1];
    }
  } else if (typeof headers === "object" && headers !== null) {
    for (const [name, v] of Object.entries(headers)) if (name.toLowerCase() === "host") value = v;
  }
  if (typeof value !== "string" || value === "") return undefined;
  if (value.startsWith("[")) return value.slice(1, value.indexOf("]"));
  const colon = value.indexOf(":");
  return colon === -1 ? value : value.slice(0, colon);
}

/** The TLS options for the transport, with `servername` taken from the host as Node does. */
export function tlsConnectOptions(
  options: RequestTlsOptions & { host?: string; hostname?: string; headers?: unknown },
  host: string,
): TlsConnectOptions {
  const tls: TlsConnectOptions = { ALPNProtocols: options.ALPNProtocols ?? ["http/1.1"] };
  if (options.key !== undefined) tls.key = options.key;
  if (options.cert !== undefined) tls.cert = options.cert;
  if (options.ca !== undefined) tls.ca = options.ca;
  if (options.passphrase !== undefined) tls.passphrase = options.passphrase;
  if (options.pfx !== undefined) tls.pfx = options.pfx;
  if (options.session !== undefined) tls.session = options.session;
  if (options.minVersion !== undefined) tls.minVersion = options.minVersion;
  if (options.maxVersion !== undefined) tls.maxVersion = options.maxVersion;
  if (options.rejectUnauthorized !== undefined) tls.rejectUnauthorized = options.rejectUnauthorized;
  if (options.checkServerIdentity !== undefined) tls.checkServerIdentity = options.checkServerIdentity;
  // Node: servername defaults to the Host header's name (without port), else the host connected to.
  tls.servername = options.servername ?? hostHeaderName(options.headers) ?? host;
  return tls;
}

/** TLS fields in Node's `https.Agent.getName()` order; those Node has and we do not stay empty. */
const NAME_FIELDS = [
  "ca",
  "cert",
  "clientCertEngine",
  "ciphers",
  "key",
  "pfx",
  "rejectUnauthorized",
  "servername",
  "minVersion",
  "maxVersion",
  "secureProtocol",
  "crl",
  "honorCipherOrder",
  "ecdhCurve",
  "dhparam",
  "secureOptions",
  "sessionIdContext",
  "sigalgs",
  "privateKeyIdentifier",
  "privateKeyEngine",
] as const;

/**
 * The TLS suffix of a pool name, exactly as Node's `https.Agent` appends it to the HTTP name (verified
 * against Node 20.20.2: `{host: "a.example", port: 8443, ca: "CA", cert: "C", key: "K",
 * rejectUnauthorized: false, servername: "s.example", minVersion: "TLSv1.3"}` →
 * `a.example:8443::CA:C:::K::false:s.example:TLSv1.3:::::::::::`).
 */
export function tlsPoolSuffix(options: Record<string, unknown> & { host?: string | undefined }): string {
  let suffix = "";
  for (const field of NAME_FIELDS) {
    suffix += ":";
    const value = options[field];
    if (field === "rejectUnauthorized" || field === "honorCipherOrder" || field === "secureOptions") {
      if (value !== undefined) suffix += String(value);
    } else if (field === "servername") {
      if (value && value !== options.host) suffix += String(value);
    } else if (field === "sigalgs") {
      // Node's https.Agent writes this one as JSON (a quoted string).
      if (value) suffix += JSON.stringify(value);
    } else if (value) suffix += String(value);
  }
  return suffix;
}
