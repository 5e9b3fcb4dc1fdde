/**
 * Throwing parse errors from the head parser's pieces, with the offset of the byte that proved them.
 *
 * @module
 */

import { type ErrorStatus, HttpParseError, type ParseErrorCode } from "./errors.ts";

/**
 * Throws an {@linkcode HttpParseError}. `at` is the index, in the bytes being parsed, of the byte that
 * proved the error (llhttp's error position); the parser turns it into an offset in the caller's input.
 */
export function fail(code: ParseErrorCode, message: string, at?: number, status?: ErrorStatus): never {
  const err = status === undefined
    ? new HttpParseError(code, message)
    : new HttpParseError(code, message, status);
  if (at !== undefined) err.bytesParsed = at;
  throw err;
}
