/**
 * The chunked transfer coding, writer side (RFC 9112 section 7.1):
 *
 * ```
 * chunked-body = *chunk last-chunk trailer-section CRLF
 * chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 * last-chunk   = 1*("0") [ chunk-ext ] CRLF
 * ```
 *
 * A chunk of size 0 *is* the last chunk, so an empty write must never be framed: it would end the body
 * early and leave the rest of it to be read as the next message. {@linkcode frameChunk} therefore returns
 * no bytes for empty data, and {@linkcode chunkHeader} refuses size 0; only {@linkcode lastChunk} writes
 * `0`. We never write chunk extensions.
 *
 * @module
 */

import { HttpUsageError } from "./errors.ts";

/** ASCII codes of the lower-case hex digits, indexed by digit value. */
const HEX_DIGITS: Uint8Array = new Uint8Array([...("0123456789abcdef")].map((c) => c.charCodeAt(0)));

const CR = 0x0d;
const LF = 0x0a;

function checkSize(size: number): void {
  // Above 2^53 the hex digits would not be the size we were given; 0 would end the body (see @module).
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new HttpUsageError(
      "ERR_OUT_OF_RANGE",
      `The value of "size" is out of range. It must be a positive safe integer. Received ${size}`,
    );
  }
}

/**
 * The line that starts a chunk of `size` bytes: lower-case hex and CRLF. The caller writes the data and
 * a CRLF after it. Throws `ERR_OUT_OF_RANGE` unless `size` is a positive safe integer: size 0 would be the
 * last chunk, which only {@linkcode lastChunk} writes.
 *
 * @example
 * ```ts
 * import { chunkHeader } from "@wire/http/core";
 * console.log(JSON.stringify(chunkHeader(4096))); // "1000\r\n"
 * ```
 */
export function chunkHeader(size: number): string {
  checkSize(size);
  return size.toString(16) + "\r\n";
}

/**
 * One whole chunk — hex size, CRLF, `data`, CRLF — in a single new array, so it goes out in one write.
 * Empty `data` gives an empty array: a zero-size chunk would end the body (see the module docs), so an
 * empty write sends nothing.
 *
 * @example
 * ```ts
 * import { frameChunk } from "@wire/http/core";
 * const framed = frameChunk(new TextEncoder().encode("hello"));
 * console.log(JSON.stringify(new TextDecoder().decode(framed))); // "5\r\nhello\r\n"
 * console.log(frameChunk(new Uint8Array(0)).length); // 0
 * ```
 */
export function frameChunk(data: Uint8Array): Uint8Array {
  const size = data.length;
  if (size === 0) return new Uint8Array(0);
  // Count hex digits without building the string: one per 4 bits.
  let digits = 1;
  for (let rest = size; rest > 0xf; rest = Math.floor(rest / 16)) digits++;
  const out = new Uint8Array(digits + 2 + size + 2);
  let rest = size;
  for (let i = digits - 1; i >= 0; i--) {
    out[i] = HEX_DIGITS[rest % 16] as number;
    rest = Math.floor(rest / 16);
  }
  out[digits] = CR;
  out[digits + 1] = LF;
  out.set(data, digits + 2);
  out[digits + 2 + size] = CR;
  out[digits + 3 + size] = LF;
  return out;
}

/**
 * The end of a chunked body: the last chunk (`0` CRLF), the trailer fields, and the empty line. `trailers`
 * is a flat `[name0, value0, name1, value1, ...]` list that has been validated already (for instance by
 * `fieldsFromHeaders`); it is written as is.
 *
 * @example
 * ```ts
 * import { lastChunk } from "@wire/http/core";
 * console.log(JSON.stringify(lastChunk())); // "0\r\n\r\n"
 * console.log(JSON.stringify(lastChunk(["Digest", "sha-256=abc"]))); // "0\r\nDigest: sha-256=abc\r\n\r\n"
 * ```
 */
export function lastChunk(trailers?: readonly string[]): string {
  if (trailers === undefined || trailers.length === 0) return "0\r\n\r\n";
  let out = "0\r\n";
  for (let i = 0; i + 1 < trailers.length; i += 2) {
    out += trailers[i] + ": " + trailers[i + 1] + "\r\n";
  }
  return out + "\r\n";
}
