/**
 * The empty lines a recipient skips before a start line, across inputs (a CR may end one input and its LF
 * start the next). One per lexer.
 *
 * @module
 */

import { CR, LF } from "./_ascii.ts";
import { fail } from "./_head_errors.ts";
import type { ParseErrorCode } from "./errors.ts";
import { MAX_LEADING_EMPTY_LINES } from "./limits.ts";

/** Skips empty lines before a start line (see {@linkcode EmptyLines.skip}). */
export class EmptyLines {
  #pendingCr = false;
  #emptyLines = 0;
  readonly #tooMany: ParseErrorCode;

  /** `tooMany` is the error for one line too many: what a byte there would be (method, or `HTTP/`). */
  constructor(tooMany: ParseErrorCode) {
    this.#tooMany = tooMany;
  }

  /** Ready for the next start line. */
  reset(): void {
    this.#pendingCr = false;
    this.#emptyLines = 0;
  }

  /**
   * RFC 9112 section 2.2: "a server that is expecting to receive and parse a request-line SHOULD ignore at
   * least one empty line (CRLF) received prior to the request-line"; Node's client does the same before a
   * status line (a CRLF after `100 Continue` is seen from real servers). Skips up to
   * {@linkcode MAX_LEADING_EMPTY_LINES} from `bytes[p..end)` and returns the index of the first other
   * byte, or `end`. More is `HPE_INVALID_METHOD` (requests) or `HPE_INVALID_CONSTANT` (responses): the
   * bytes stand where the start line should.
   */
  skip(bytes: Uint8Array, p: number, end: number, insecure: boolean): number {
    while (p < end) {
      const b = bytes[p];
      if (this.#pendingCr) {
        if (b !== LF) fail("HPE_LF_EXPECTED", "Cannot parse line: CR not followed by LF", p);
        this.#pendingCr = false;
      } else if (b === CR) {
        this.#pendingCr = true;
        p++;
        continue;
      } else if (b === LF) {
        if (!insecure) fail("HPE_CR_EXPECTED", "Cannot parse line: LF not preceded by CR", p);
      } else return p;
      if (++this.#emptyLines > MAX_LEADING_EMPTY_LINES) {
        fail(
          this.#tooMany,
          "Too many empty lines before the start line",
          p,
        );
      }
      p++;
    }
    return p;
  }
}
