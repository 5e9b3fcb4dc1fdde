/**
 * Throwing parse errors from the head parser's helpers, with the bare-CR rule in one place.
 *
 * @module
 */

import { type ErrorStatus, HttpParseError, type ParseErrorCode } from "./errors.ts";
import { CR } from "./_ascii.ts";

/** Throws an {@linkcode HttpParseError}. */
export function fail(code: ParseErrorCode, message: string, status?: ErrorStatus): never {
  throw status === undefined ? new HttpParseError(code, message) : new HttpParseError(code, message, status);
}

/** A bad byte inside a line: bare CR gets its own code, anything else `code`. */
export function badByte(byte: number | undefined, code: ParseErrorCode, message: string): never {
  if (byte === CR) fail("HPE_LF_EXPECTED", "Cannot parse line: CR not followed by LF");
  fail(code, message);
}
