/**
 * The scratch space a head parse writes into and the caller owns (httparse fills the caller's header
 * array the same way). A connection keeps one for its whole life, so parsing a head allocates nothing but
 * the strings and the head object it returns; and because nothing lives in module state, two parsers can
 * interleave (an `await` between two calls cannot mix up their results).
 *
 * Offsets are relative to the head's first byte, so a head lexed piece by piece in a buffer and a head
 * found whole in the input record the same numbers.
 *
 * @module
 */

import { bytesEqualCaseless } from "./_ascii.ts";

/** Field kinds: the names some decision of the head parser depends on. Everything else is `OTHER_FIELD`. */
export const OTHER_FIELD = 0;
/** `Host`. */
export const HOST_FIELD = 1;
/** `Expect`. */
export const EXPECT_FIELD = 2;
/** `Upgrade`. */
export const UPGRADE_FIELD = 3;
/** `Connection`. */
export const CONNECTION_FIELD = 4;
/** `Content-Length`. */
export const CONTENT_LENGTH_FIELD = 5;
/** `Transfer-Encoding`. */
export const TRANSFER_ENCODING_FIELD = 6;

/**
 * Which field the name `bytes[s..e)` (known tchars) is. A switch on the length first, so the common names
 * cost one comparison and no string is made.
 */
export function fieldKind(bytes: Uint8Array, s: number, e: number): number {
  switch (e - s) {
    case 4:
      return bytesEqualCaseless(bytes, s, "host") ? HOST_FIELD : OTHER_FIELD;
    case 6:
      return bytesEqualCaseless(bytes, s, "expect") ? EXPECT_FIELD : OTHER_FIELD;
    case 7:
      return bytesEqualCaseless(bytes, s, "upgrade") ? UPGRADE_FIELD : OTHER_FIELD;
    case 10:
      return bytesEqualCaseless(bytes, s, "connection") ? CONNECTION_FIELD : OTHER_FIELD;
    case 14:
      return bytesEqualCaseless(bytes, s, "content-length") ? CONTENT_LENGTH_FIELD : OTHER_FIELD;
    case 17:
      return bytesEqualCaseless(bytes, s, "transfer-encoding") ? TRANSFER_ENCODING_FIELD : OTHER_FIELD;
    default:
      return OTHER_FIELD;
  }
}

/** Where the parts of one head lie, and what its few deciding fields said. */
export class HeadScratch {
  /**
   * Per field: name start, name end, value start, value end, field kind (relative offsets). Room for 16
   * fields at first, doubled when a head has more: every idle connection holds one, and room for 64
   * (1,280 bytes) measured per idle connection: +1.4 KiB of JS heap (Bun), +1 KiB external (Deno).
   */
  offsets: Int32Array = new Int32Array(5 * 16);
  /** Field lines recorded in `offsets`. */
  fieldCount = 0;
  /** OR of every field-value and reason byte: below 0x80 means the head is ASCII. */
  orBits = 0;
  /** Insecure obs-fold continuations: (field index, start, end) triples, or null. */
  folds: number[] | null = null;
  /** Request line: end of the method, start and end of the target, its form (see `_start_line.ts`). */
  methodEnd = 0;
  targetStart = 0;
  targetEnd = 0;
  form = -1;
  /** Major HTTP version: 1, or 0 for a status line of HTTP/0.9. */
  versionMajor = 1;
  /** Minor HTTP version: 0 or 1 (9 under major 0). */
  versionMinor = 1;
  /** Status line: code and reason phrase bounds. */
  statusCode = 0;
  reasonStart = 0;
  reasonEnd = 0;
  /** Relative offset just after the final CRLF. */
  headEnd = 0;
  /** Content-Length agreed so far by the lexer's early check, or -1. */
  contentLength = -1;
  /** A Transfer-Encoding line was seen (lexer's early check). */
  transferEncoding = false;
  // Filled by `buildFields`: values of repeated fields are joined with ", ", as `headers` would hold them.
  /** `Connection` value(s), or undefined. */
  connection: string | undefined = undefined;
  /** `Expect` value(s), or undefined. */
  expect: string | undefined = undefined;
  /** Whether an `Upgrade` line offered a protocol (a non-empty list element). */
  upgradeSeen = false;
  /** Number of `Host` lines and the index of the last one. */
  hostCount = 0;
  hostField = -1;

  /** Forgets the previous head's fields. */
  reset(): void {
    this.versionMajor = 1;
    this.fieldCount = 0;
    this.orBits = 0;
    this.folds = null;
    this.form = -1;
    this.contentLength = -1;
    this.transferEncoding = false;
  }

  /** Records one field line. */
  pushField(ns: number, ne: number, vs: number, ve: number, kind: number): void {
    const o = this.fieldCount * 5;
    if (o + 5 > this.offsets.length) this.#grow(o + 5);
    const offsets = this.offsets;
    offsets[o] = ns;
    offsets[o + 1] = ne;
    offsets[o + 2] = vs;
    offsets[o + 3] = ve;
    offsets[o + 4] = kind;
    this.fieldCount++;
  }

  #grow(need: number): void {
    let size = this.offsets.length * 2;
    while (size < need) size *= 2;
    const next = new Int32Array(size);
    next.set(this.offsets);
    this.offsets = next;
  }
}
