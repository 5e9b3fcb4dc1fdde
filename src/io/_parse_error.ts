/**
 * Parse errors as Node reports them to users (`'clientError'` on a server, `'error'` on a request):
 * message `"Parse Error: <reason>"`, with `reason`, `bytesParsed` and `rawPacket` (the bytes of the read
 * that failed, as a `Buffer`). Core's errors keep their own message; this dresses one at the boundary.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { HttpParseError } from "../core/errors.ts";

const kDressed: unique symbol = Symbol("wire.parseErrorDressed");

/**
 * Gives a parse error Node's message and fields, once; any other error is returned as it is.
 *
 * @example
 * ```ts ignore
 * server.emit("clientError", asNodeParseError(err, chunk), socket);
 * // err.message === "Parse Error: Invalid method", err.reason === "Invalid method"
 * ```
 */
export function asNodeParseError(error: Error, rawPacket?: Uint8Array): Error {
  if (!(error instanceof HttpParseError) || (error as { [kDressed]?: boolean })[kDressed]) return error;
  const fields = error as HttpParseError & { reason?: string; rawPacket?: Buffer; [kDressed]?: boolean };
  fields[kDressed] = true;
  fields.reason = error.message;
  error.message = `Parse Error: ${error.message}`;
  if (rawPacket !== undefined) {
    // A copy: the transport may reuse the memory of the read once the call returns.
    fields.rawPacket = Buffer.from(rawPacket);
  }
  return error;
}
