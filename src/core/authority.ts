/**
 * Authority syntax for callers holding a string (a `Host` value, a configured host name), checked by the
 * same byte rules the request parser applies to a `Host` field.
 *
 * @module
 */

import { isAuthority } from "./_start_line.ts";
import { encodeLatin1 } from "./latin1.ts";

/**
 * Whether `value` is `uri-host [ ":" port ]` (RFC 3986 section 3.2, the `Host` field of RFC 9112 section
 * 3.2): a reg-name or IPv4 address, or an IP literal in brackets, then an optional `:` and digits. Exactly
 * the values the request parser accepts in a `Host` field, so anything built from it (an absolute URL)
 * cannot gain a path, userinfo or query from the host part.
 *
 * @example
 * ```ts
 * import { isHostAuthority } from "./authority.ts";
 * console.log(isHostAuthority("example.com:8080")); // true
 * console.log(isHostAuthority("[::1]")); // true
 * console.log(isHostAuthority("evil.test/path")); // false
 * ```
 */
export function isHostAuthority(value: string): boolean {
  // The parser's check reads bytes. A char above 0x7F is never a host byte; rejecting it here keeps
  // encodeLatin1's "?" substitute (and a Latin-1 byte that merely looks allowed) out of the decision.
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return false;
  const bytes = encodeLatin1(value);
  return isAuthority(bytes, 0, bytes.length, false);
}

/**
 * Whether a host name is written as an IP address (dotted IPv4, or IPv6 without brackets), so there is no
 * name to look up and none to send as TLS SNI. A quick shape test, as Node's `net.isIP` is used for these
 * decisions: four dot-separated 1-3 digit groups, or anything with a colon.
 *
 * @example
 * ```ts
 * import { isIpLiteral } from "./authority.ts";
 * console.log(isIpLiteral("127.0.0.1"), isIpLiteral("::1"), isIpLiteral("example.com")); // true true false
 * ```
 */
export function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}
