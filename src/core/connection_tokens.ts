/**
 * Comma-separated token lists (`Connection`, `Transfer-Encoding`, `Upgrade`, `Expect`) and the
 * persistence rule of RFC 9112 section 9.3 that both roles apply.
 *
 * @module
 */

/**
 * Whether a comma-separated field value lists `token` (ASCII case-insensitive, OWS and empty list
 * elements ignored, `;parameters` ignored), as RFC 9110 section 5.6.1 defines lists. `token` must be
 * lower-case.
 *
 * @example
 * ```ts
 * import { hasToken } from "./connection_tokens.ts";
 * console.log(hasToken("Keep-Alive, Upgrade", "upgrade")); // true
 * console.log(hasToken("close-ish", "close")); // false
 * ```
 */
export function hasToken(value: string | readonly string[] | undefined, token: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "string") return value.some((v) => hasToken(v, token));
  // Scan with char codes instead of split/trim/toLowerCase: this runs for every message (Connection,
  // Transfer-Encoding), and the common values ("keep-alive", "close", "chunked") are one element.
  const n = token.length;
  let from = 0;
  while (from + n <= value.length) {
    const at = indexOfCaseless(value, token, from);
    if (at === -1) return false;
    if (isListBoundaryBefore(value, at) && isListBoundaryAfter(value, at + n)) return true;
    from = at + 1;
  }
  return false;
}

/**
 * Whether a `Connection` field value lists the connection option `option` (lower-case). Unlike
 * {@linkcode hasToken}, an element with parameters does not count: RFC 9110 section 7.6.1 defines
 * `connection-option = token`, so `upgrade;x` is a different (unknown) option, not `upgrade`.
 *
 * @example
 * ```ts
 * import { hasConnectionOption } from "./connection_tokens.ts";
 * console.log(hasConnectionOption("keep-alive, Upgrade", "upgrade")); // true
 * console.log(hasConnectionOption("upgrade;x", "upgrade")); // false
 * ```
 */
export function hasConnectionOption(value: string | readonly string[] | undefined, option: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "string") return value.some((v) => hasConnectionOption(v, option));
  const n = option.length;
  let from = 0;
  while (from + n <= value.length) {
    const at = indexOfCaseless(value, option, from);
    if (at === -1) return false;
    if (isListBoundaryBefore(value, at) && isElementEnd(value, at + n)) return true;
    from = at + 1;
  }
  return false;
}

/** Index of `token` (lower-case) in `value`, ignoring ASCII case, from `from`; -1 if absent. */
function indexOfCaseless(value: string, token: string, from: number): number {
  const first = token.charCodeAt(0);
  const last = value.length - token.length;
  outer: for (let i = from; i <= last; i++) {
    if ((value.charCodeAt(i) | 0x20) !== first) continue;
    for (let j = 1; j < token.length; j++) {
      const c = value.charCodeAt(i + j);
      // `| 0x20` lower-cases letters; tokens here contain only letters, digits and "-", whose codes
      // already have that bit set, so the comparison stays exact.
      if ((c | 0x20) !== token.charCodeAt(j)) continue outer;
    }
    return i;
  }
  return -1;
}

/** A list element may start at `at`: start of value, or only OWS back to a comma. */
function isListBoundaryBefore(value: string, at: number): boolean {
  for (let i = at - 1; i >= 0; i--) {
    const c = value.charCodeAt(i);
    if (c === 0x2c) return true;
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

/** A list element may end at `at`: end of value, or OWS up to a comma or a `;parameter`. */
function isListBoundaryAfter(value: string, at: number): boolean {
  for (let i = at; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2c || c === 0x3b) return true;
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

/** A bare list element ends at `at`: end of value, or OWS up to a comma. */
function isElementEnd(value: string, at: number): boolean {
  for (let i = at; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2c) return true;
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
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
export function isKeepAlive(
  versionMinor: number,
  connection: string | readonly string[] | undefined,
): boolean {
  if (hasToken(connection, "close")) return false;
  return versionMinor >= 1 || hasToken(connection, "keep-alive");
}
