/**
 * Byte-class tables, one 256-entry table per class, indexed by byte value. Lookups in a typed array are
 * the fastest way to classify bytes in a JS engine (one bounds-checked load), and a table is easier to
 * audit against the RFC grammar than a chain of comparisons.
 *
 * @module
 */

/** A 256-entry byte-class table: 1 where `predicate` holds, else 0. The one way this package builds one. */
export function table(predicate: (byte: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = predicate(b) ? 1 : 0;
  return t;
}

const TCHAR_PUNCT = "!#$%&'*+-.^_`|~";

/**
 * RFC 9110 section 5.6.2: `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_"
 * / "`" / "|" / "~" / DIGIT / ALPHA`. Method names and field names are `1*tchar`.
 */
export const TOKEN: Uint8Array = table((b) =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ||
  TCHAR_PUNCT.includes(String.fromCharCode(b))
);

/**
 * RFC 9110 section 5.5: `field-vchar = VCHAR / obs-text`, plus SP and HTAB inside a value
 * (`field-content`). CR, LF, NUL and other controls are not allowed anywhere in a value.
 */
export const FIELD_VALUE: Uint8Array = table((b) => b === 0x09 || (b >= 0x20 && b !== 0x7f));

/**
 * RFC 9112 section 3.2 / RFC 3986 section 3.2: bytes allowed in a `Host` value: reg-name (unreserved,
 * pct-encoded, sub-delims), `:` before the port, `[` `]` around an IP literal.
 */
export const HOST: Uint8Array = table((b) =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ||
  "-._~%!$&'()*+,;=:[]".includes(String.fromCharCode(b))
);

/**
 * RFC 9112 section 3.2: a request-target is printable ASCII without spaces (`absolute-path [ "?" query ]`
 * and friends are all built of VCHAR). Like llhttp's strict mode we allow any VCHAR and leave URL grammar
 * to URL parsers; what matters for framing is that no SP, control or non-ASCII byte slips in.
 */
export const TARGET: Uint8Array = table((b) => b > 0x20 && b < 0x7f);

/** Hex digits for chunk sizes; the value is the digit's value plus one (0 means not a hex digit). */
export const HEX_VALUE: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    if (b >= 0x30 && b <= 0x39) t[b] = b - 0x30 + 1;
    else if (b >= 0x41 && b <= 0x46) t[b] = b - 0x41 + 11;
    else if (b >= 0x61 && b <= 0x66) t[b] = b - 0x61 + 11;
  }
  return t;
})();

/** Named bytes, so the parsers read as the grammar does. */
export const CR = 0x0d;
/** Line feed. */
export const LF = 0x0a;
/** Space. */
export const SP = 0x20;
/** Horizontal tab. */
export const HTAB = 0x09;
/** Colon between a field name and its value. */
export const COLON = 0x3a;
/** Semicolon before a chunk extension. */
export const SEMI = 0x3b;

/**
 * `bytes[s..s+lower.length)` equals the lower-case ASCII `lower`, ignoring ASCII case. Callers pass bytes
 * known to be tchars (field names): `| 0x20` lower-cases letters, and the names compared hold only letters
 * and "-" (0x2d), which `| 0x20` reaches from outside only from 0x0d (CR, no tchar).
 */
export function bytesEqualCaseless(bytes: Uint8Array, s: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    if (((bytes[s + i] as number) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * `name` equals the lower-case ASCII `lower`, ignoring ASCII case. Char codes instead of `toLowerCase()`:
 * a lower-cased copy per name was a measurable share of parsing, and `toLowerCase()` also maps non-ASCII
 * letters (U+212A KELVIN SIGN to "k"), which no field name may match.
 */
export function stringEqualsCaseless(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}
