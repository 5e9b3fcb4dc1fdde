/**
 * The strict Content-Length reader (RFC 9110 section 8.6), shared by the framing decision, the head lexer
 * (which checks each Content-Length line as soon as it ends) and the outgoing framing decision.
 *
 * @module
 */

import { HttpParseError } from "./errors.ts";

/**
 * `Content-Length = 1*DIGIT`; a list of identical values (from a proxy merging lines) "MAY" be accepted as
 * that one value, anything else is unrecoverable. `previous` is the value of earlier Content-Length lines
 * of the same head, or -1. Throws `HPE_INVALID_CONTENT_LENGTH` (malformed, empty, above 2^53 - 1) or
 * `HPE_UNEXPECTED_CONTENT_LENGTH` (differing values).
 */
export function parseContentLength(value: string, previous: number): number {
  let result = previous;
  let start = 0;
  for (;;) {
    let comma = value.indexOf(",", start);
    if (comma === -1) comma = value.length;
    let s = start;
    let e = comma;
    while (s < e && (value.charCodeAt(s) === 0x20 || value.charCodeAt(s) === 0x09)) s++;
    while (e > s && (value.charCodeAt(e - 1) === 0x20 || value.charCodeAt(e - 1) === 0x09)) e--;
    if (s === e) throw new HttpParseError("HPE_INVALID_CONTENT_LENGTH", "Cannot parse Content-Length: empty");
    let n = 0;
    for (let i = s; i < e; i++) {
      const d = value.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) {
        throw new HttpParseError("HPE_INVALID_CONTENT_LENGTH", "Cannot parse Content-Length: not a number");
      }
      n = n * 10 + d;
      if (n > Number.MAX_SAFE_INTEGER) {
        throw new HttpParseError("HPE_INVALID_CONTENT_LENGTH", "Cannot parse Content-Length: too large");
      }
    }
    if (result !== -1 && result !== n) {
      throw new HttpParseError(
        "HPE_UNEXPECTED_CONTENT_LENGTH",
        "Cannot frame message: differing Content-Length",
      );
    }
    result = n;
    if (comma === value.length) return result;
    start = comma + 1;
  }
}

/**
 * RFC 9112 section 6.1: "A server MAY reject a request that contains both Content-Length and
 * Transfer-Encoding"; llhttp's strict mode rejects both roles, and so do we (the CL.TE/TE.CL vectors). Thrown
 * at the second of the two fields, so the lexer and the framing decision agree on where.
 */
export function lengthWithTransferEncoding(): HttpParseError {
  return new HttpParseError(
    "HPE_UNEXPECTED_CONTENT_LENGTH",
    "Cannot frame message: Content-Length with Transfer-Encoding",
  );
}

/**
 * {@linkcode parseContentLength} one byte at a time, for the head lexer: the same rules and codes, but a
 * bad byte or the digit that overflows is reported as it arrives. One per lexer, reused for every head.
 */
export class ContentLengthReader {
  /** The value earlier lines agreed on, or -1. */
  agreed = -1;
  #n = 0;
  /** 0: before the element's digits (OWS), 1: in them, 2: after them (OWS). */
  #phase = 0;

  /** Forgets the previous head. */
  reset(): void {
    this.agreed = -1;
    this.#n = 0;
    this.#phase = 0;
  }

  /** One byte of a Content-Length value (after the leading OWS); throws `HttpParseError`. */
  byte(b: number): void {
    const d = b - 0x30;
    if (d >= 0 && d <= 9) {
      if (this.#phase === 2) throw notANumber();
      this.#phase = 1;
      this.#n = this.#n * 10 + d;
      if (this.#n > Number.MAX_SAFE_INTEGER) {
        throw new HttpParseError("HPE_INVALID_CONTENT_LENGTH", "Cannot parse Content-Length: too large");
      }
    } else if (b === 0x20 || b === 0x09) {
      if (this.#phase === 1) this.#phase = 2;
    } else if (b === 0x2c) this.#element();
    else throw notANumber();
  }

  /** The value's line ended. */
  endLine(): void {
    this.#element();
  }

  #element(): void {
    if (this.#phase === 0) {
      throw new HttpParseError("HPE_INVALID_CONTENT_LENGTH", "Cannot parse Content-Length: empty");
    }
    if (this.agreed !== -1 && this.agreed !== this.#n) {
      throw new HttpParseError(
        "HPE_UNEXPECTED_CONTENT_LENGTH",
        "Cannot frame message: differing Content-Length",
      );
    }
    this.agreed = this.#n;
    this.#n = 0;
    this.#phase = 0;
  }
}

function notANumber(): HttpParseError {
  return new HttpParseError("HPE_INVALID_CONTENT_LENGTH", "Cannot parse Content-Length: not a number");
}
