/**
 * Every limit the parser enforces, as a named constant with its precedent. Going over one raises a
 * specific `HPE_*` error whose status tells a server how to answer (431, 413, 414, 400).
 *
 * @module
 */

/**
 * Largest message head in bytes: start line + field lines + the final CRLF (trailer sections get the same
 * bound). Precedent: Node's `maxHeaderSize` default (16 KiB, `--max-http-header-size`). Going over it gives
 * `HPE_HEADER_OVERFLOW` (431), or `HPE_URI_OVERFLOW` (414) while the request line is still unfinished.
 *
 * @example
 * ```ts
 * import { MAX_HEADER_SIZE } from "@wire/http/core";
 * console.log(MAX_HEADER_SIZE); // 16384
 * ```
 */
export const MAX_HEADER_SIZE = 16 * 1024;

/**
 * Most field lines in one head (or one trailer section). Precedent: Node's `maxHeadersCount` default
 * (2000). Node silently drops the fields beyond it; we reject with `HPE_HEADER_OVERFLOW` (431) instead,
 * because a dropped `Content-Length` or `Transfer-Encoding` would change the framing.
 *
 * @example
 * ```ts
 * import { MAX_FIELDS } from "@wire/http/core";
 * console.log(MAX_FIELDS); // 2000
 * ```
 */
export const MAX_FIELDS = 2000;

/**
 * Most bytes of chunk extensions (from the first `;` to the end of the line) on one chunk-size line.
 * Precedent: Node's limit on chunk extensions (16 KiB per chunk-size line, added for CVE-2024-22019;
 * test-http-chunk-extensions-limit.js sends three lines of 10 000 bytes each and gets 200), which
 * answers `HPE_CHUNK_EXTENSIONS_OVERFLOW` with 413.
 *
 * @example
 * ```ts
 * import { MAX_CHUNK_EXTENSIONS_SIZE } from "@wire/http/core";
 * console.log(MAX_CHUNK_EXTENSIONS_SIZE); // 16384
 * ```
 */
export const MAX_CHUNK_EXTENSIONS_SIZE = 16 * 1024;

/**
 * Most bare CRLFs skipped before a request-line. RFC 9112 section 2.2: "a server that is expecting to
 * receive and parse a request-line SHOULD ignore at least one empty line (CRLF) received prior to the
 * request-line". One is the legacy case (a client that sends CRLF after a POST body); a few more cost
 * nothing, while an unbounded number would let a peer keep a connection busy without ever starting a
 * request (and without the head-size limit applying). 8 is generous and still tiny.
 *
 * @example
 * ```ts
 * import { MAX_LEADING_EMPTY_LINES } from "@wire/http/core";
 * console.log(MAX_LEADING_EMPTY_LINES); // 8
 * ```
 */
export const MAX_LEADING_EMPTY_LINES = 8;

/**
 * Most hex digits in a chunk-size. 16 digits reach 2^64; anything longer is either padding or an attempt
 * to overflow a fixed-width integer (the classic `fffffffffffffffff1` smuggling vector), so it is
 * rejected with `HPE_INVALID_CHUNK_SIZE`. Precedent: hyper's `decode.rs` (overflow check on the size).
 *
 * @example
 * ```ts
 * import { MAX_CHUNK_SIZE_DIGITS } from "@wire/http/core";
 * console.log(MAX_CHUNK_SIZE_DIGITS); // 16
 * ```
 */
export const MAX_CHUNK_SIZE_DIGITS = 16;
