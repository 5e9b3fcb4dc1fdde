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
 * import { encodeBody } from "./body_encoder.ts";
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
 * import { encodeBodyEnd } from "./body_encoder.ts";
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
 * import { remainingAfter } from "./body_encoder.ts";
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

/**
 * The body encoder of one outgoing message, as {@linkcode encode} returns it: how the body is framed and,
 * for a `length` body, how many bytes are still to come. One value per message, changed in place as body
 * bytes go out ({@linkcode encodeChunk}), so writing a body allocates nothing beyond the framed chunks.
 *
 * @example
 * ```ts
 * import { type BodyEncoder, bodyComplete } from "@wire/http/core";
 * const encoder: BodyEncoder = { kind: "length", remaining: 0, length: 5 };
 * console.log(bodyComplete(encoder)); // true
 * ```
 */
export interface BodyEncoder {
  /** How the body is delimited on the wire. */
  readonly kind: OutgoingFraming;
  /** Bytes a `length` body still takes (-1 for the other kinds). */
  remaining: number;
  /** The declared length of a `length` body (-1 for the other kinds). */
  readonly length: number;
}

/**
 * One piece of body through `encoder`: the wire bytes (see {@linkcode encodeBody}), after the length
 * encoder's check ({@linkcode remainingAfter}, which throws `ERR_HTTP_CONTENT_LENGTH_MISMATCH` past the
 * declared length and changes nothing then).
 *
 * @example
 * ```ts
 * import { type BodyEncoder, encodeChunk } from "@wire/http/core";
 * const encoder: BodyEncoder = { kind: "length", remaining: 5, length: 5 };
 * encodeChunk(encoder, new TextEncoder().encode("hi"));
 * console.log(encoder.remaining); // 3
 * ```
 */
export function encodeChunk(encoder: BodyEncoder, data: Uint8Array): Uint8Array {
  if (encoder.kind === "length") encoder.remaining = remainingAfter(encoder.remaining, data.byteLength);
  return encodeBody(encoder.kind, data);
}

/**
 * What ends the body of `encoder` on the wire (latin1 text; see {@linkcode encodeBodyEnd}).
 *
 * @example
 * ```ts
 * import { encodeEnd } from "@wire/http/core";
 * console.log(JSON.stringify(encodeEnd({ kind: "chunked", remaining: -1, length: -1 }))); // "0\r\n\r\n"
 * ```
 */
export function encodeEnd(encoder: BodyEncoder, trailers?: readonly string[]): string {
  return encodeBodyEnd(encoder.kind, trailers);
}

/**
 * Whether the body ended where its framing says it does: a `length` body short of its declared length
 * leaves the peer waiting for the rest, so the connection cannot be reused after it.
 *
 * @example
 * ```ts
 * import { bodyComplete } from "@wire/http/core";
 * console.log(bodyComplete({ kind: "length", remaining: 2, length: 5 })); // false
 * ```
 */
export function bodyComplete(encoder: BodyEncoder): boolean {
  return encoder.kind !== "length" || encoder.remaining === 0;
}
