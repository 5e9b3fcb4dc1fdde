/**
 * The pieces of a start line that need more than a byte table: request-target forms (RFC 9112 section
 * 3.2), authority syntax (RFC 3986 section 3.2) and the fast check of the HTTP version (RFC 9112
 * section 2.3; the byte-by-byte one is the head lexer's).
 *
 * @module
 */

import { COLON, HOST, table } from "./_ascii.ts";
import { fail } from "./_head_errors.ts";

/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 section 3.1). */
const SCHEME: Uint8Array = table((b) =>
  (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2b ||
  b === 0x2d || b === 0x2e
);

/** Compares `bytes[s..e)` with an ASCII string. */
function bytesAre(bytes: Uint8Array, s: number, e: number, text: string): boolean {
  if (e - s !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[s + i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * `uri-host [ ":" port ]` (RFC 3986 section 3.2): an IP-literal in brackets or a reg-name/IPv4 of HOST
 * bytes; `port = *DIGIT`, non-empty when `requirePort` (CONNECT's `authority-form = uri-host ":" port`).
 */
export function isAuthority(bytes: Uint8Array, s: number, e: number, requirePort: boolean): boolean {
  let p = s;
  if (bytes[p] === 0x5b) {
    const close = bytes.indexOf(0x5d, p);
    if (close === -1 || close >= e || close === p + 1) return false;
    for (let i = p + 1; i < close; i++) {
      const b = bytes[i] as number;
      if (HOST[b] === 0 || b === 0x5b) return false;
    }
    p = close + 1;
  } else {
    while (p < e && bytes[p] !== COLON) {
      const b = bytes[p] as number;
      if (HOST[b] === 0 || b === 0x5b || b === 0x5d) return false;
      p++;
    }
    if (p === s) return false;
  }
  if (p === e) return !requirePort;
  if (bytes[p] !== COLON) return false;
  p++;
  if (p === e) return !requirePort;
  for (; p < e; p++) {
    const b = bytes[p] as number;
    if (b < 0x30 || b > 0x39) return false;
  }
  return true;
}

/** Request-target forms (RFC 9112 section 3.2). */
export const ORIGIN = 0;
export const ABSOLUTE = 1;
export const ABSOLUTE_WITH_AUTHORITY = 2;
export const AUTHORITY = 3;
export const ASTERISK = 4;

function invalidUrl(message: string, at: number): never {
  fail("HPE_INVALID_URL", "Cannot parse request-target: " + message, at);
}

/**
 * RFC 9112 section 3.2: origin-form (`/...`); absolute-form (`scheme://...`); authority-form "is only used
 * for CONNECT requests" and CONNECT must use it (section 3.2.3); asterisk-form "is only used for a
 * server-wide OPTIONS request" (section 3.2.4). Errors point at `te`, the SP after the target: the
 * byte that proves the target is complete and wrong.
 */
export function targetForm(bytes: Uint8Array, ms: number, me: number, ts: number, te: number): number {
  if (bytesAre(bytes, ms, me, "CONNECT")) {
    if (!isAuthority(bytes, ts, te, true)) invalidUrl("CONNECT needs host:port", te);
    return AUTHORITY;
  }
  const first = bytes[ts] as number;
  if (first === 0x2f) return ORIGIN;
  if (first === 0x2a && te - ts === 1) {
    if (!bytesAre(bytes, ms, me, "OPTIONS")) invalidUrl("* is only for OPTIONS", te);
    return ASTERISK;
  }
  const isAlpha = (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7a;
  if (!isAlpha) invalidUrl("not origin-form or absolute-form", te);
  let i = ts + 1;
  while (i < te && SCHEME[bytes[i] as number] === 1) i++;
  if (te - i < 3 || bytes[i] !== COLON || bytes[i + 1] !== 0x2f || bytes[i + 2] !== 0x2f) {
    invalidUrl("not origin-form or absolute-form", te);
  }
  return i + 3 < te && bytes[i + 3] !== 0x2f ? ABSOLUTE_WITH_AUTHORITY : ABSOLUTE;
}

/**
 * The minor version when `bytes[s..s+8)` is exactly `HTTP/1.0` or `HTTP/1.1`, else -1 (then
 * the head lexer says what is wrong).
 */
export function plainVersion(bytes: Uint8Array, s: number): number {
  if (
    bytes[s] !== 0x48 || bytes[s + 1] !== 0x54 || bytes[s + 2] !== 0x54 || bytes[s + 3] !== 0x50 ||
    bytes[s + 4] !== 0x2f || bytes[s + 5] !== 0x31 || bytes[s + 6] !== 0x2e
  ) return -1;
  const minor = (bytes[s + 7] as number) - 0x30;
  return minor === 0 || minor === 1 ? minor : -1;
}
