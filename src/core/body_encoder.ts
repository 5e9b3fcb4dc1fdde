/**
 * The body encoders, one per {@linkcode OutgoingFraming} (hyper's `encode.rs`): length-delimited bytes go
 * out as they are but may not exceed the declared length; chunked bytes are framed as chunks and end with
 * the last chunk and trailers; close-delimited bytes go out as they are and end when the connection
 * closes; `none` sends nothing (a body given to a HEAD, 204 or 304 response is dropped, as Node does).
 *
 * Plain functions over the framing and a remaining-byte count the message keeps, so encoding allocates
 * nothing beyond the framed chunk.
 *
 * @module
 */

import { frameChunk, lastChunk } from "./chunked_encoder.ts";
import { HttpUsageError } from "./errors.ts";
import type { OutgoingFraming } from "./framing.ts";

const EMPTY = new Uint8Array(0);

/**
 * The wire bytes for one piece of body: framed as a chunk for `chunked` (an empty piece sends nothing,
 * since a zero-size chunk would end the body), as is for `length` and `close`, nothing for `none`. Check
 * `length` bodies with {@linkcode remainingAfter} first.
 *
 * @example
 * ```ts
 * import { encodeBody } from "@wire/http/core";
 * const data = new TextEncoder().encode("hi");
 * console.log(new TextDecoder().decode(encodeBody("chunked", data))); // "2\r\nhi\r\n"
 * console.log(encodeBody("length", data) === data, encodeBody("none", data).length); // true 0
 * ```
 */
export function encodeBody(framing: OutgoingFraming, data: Uint8Array): Uint8Array {
  switch (framing) {
    case "chunked":
      return frameChunk(data);
    case "none":
      return EMPTY;
    default:
      return data;
  }
}

/**
 * What ends the body on the wire (latin1 text): the last chunk and `trailers` (a validated flat list) for
 * `chunked`; nothing otherwise (trailers are dropped without chunked, as Node does; a `close` body ends
 * when the connection closes).
 *
 * @example
 * ```ts
 * import { encodeBodyEnd } from "@wire/http/core";
 * console.log(JSON.stringify(encodeBodyEnd("chunked", ["X-Sum", "1"]))); // "0\r\nX-Sum: 1\r\n\r\n"
 * console.log(JSON.stringify(encodeBodyEnd("length"))); // ""
 * ```
 */
export function encodeBodyEnd(framing: OutgoingFraming, trailers?: readonly string[]): string {
  return framing === "chunked" ? lastChunk(trailers) : "";
}

/**
 * The length encoder's rule: `size` more bytes of a body declared with `remaining` bytes left. Returns
 * what is left after them; more than declared throws Node's `ERR_HTTP_CONTENT_LENGTH_MISMATCH` (they would
 * be read as the start of the next message).
 *
 * @example
 * ```ts
 * import { remainingAfter } from "@wire/http/core";
 * console.log(remainingAfter(5, 2)); // 3
 * try {
 *   remainingAfter(1, 2);
 * } catch (err) {
 *   console.log((err as { code: string }).code); // "ERR_HTTP_CONTENT_LENGTH_MISMATCH"
 * }
 * ```
 */
export function remainingAfter(remaining: number, size: number): number {
  if (size > remaining) {
    throw new HttpUsageError(
      "ERR_HTTP_CONTENT_LENGTH_MISMATCH",
      `Response body's content-length of ${size} byte(s) does not match the content-length of ${remaining} byte(s) left`,
    );
  }
  return remaining - size;
}
