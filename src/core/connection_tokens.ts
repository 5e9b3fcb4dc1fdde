/**
 * Comma-separated token lists (`Connection`, `Transfer-Encoding`, `Upgrade`, `Expect`) and the
 * persistence rule of RFC 9112 section 9.3 that both roles apply.
 *
 * @module
 */

const OWS = /^[ \t]+|[ \t]+$/g;

/**
 * Whether a comma-separated field value lists `token` (ASCII case-insensitive, OWS and empty list
 * elements ignored, `;parameters` ignored), as RFC 9110 section 5.6.1 defines lists. `token` must be
 * lower-case.
 *
 * @example
 * ```ts
 * import { hasToken } from "@wire/http/core";
 * console.log(hasToken("Keep-Alive, Upgrade", "upgrade")); // true
 * console.log(hasToken("close-ish", "close")); // false
 * ```
 */
export function hasToken(value: string | readonly string[] | undefined, token: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "string") return value.some((v) => hasToken(v, token));
  // Fast path: a single token, the overwhelmingly common case ("keep-alive", "close").
  if (value.length === token.length) return value.toLowerCase() === token;
  if (value.length < token.length) return false;
  for (const part of value.split(",")) {
    const semi = part.indexOf(";");
    const item = (semi === -1 ? part : part.slice(0, semi)).replace(OWS, "");
    if (item.length === token.length && item.toLowerCase() === token) return true;
  }
  return false;
}

/**
 * RFC 9112 section 9.3: an HTTP/1.1 connection persists unless `Connection` lists `close`; an HTTP/1.0
 * connection persists only if `Connection` lists `keep-alive` (RFC 9112 appendix C.2.2).
 *
 * @example
 * ```ts
 * import { isKeepAlive } from "@wire/http/core";
 * console.log(isKeepAlive(1, undefined)); // true
 * console.log(isKeepAlive(0, "keep-alive")); // true
 * console.log(isKeepAlive(1, "close")); // false
 * ```
 */
export function isKeepAlive(versionMinor: number, connection: string | readonly string[] | undefined): boolean {
  if (hasToken(connection, "close")) return false;
  return versionMinor >= 1 || hasToken(connection, "keep-alive");
}
