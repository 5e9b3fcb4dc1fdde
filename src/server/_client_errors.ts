/**
 * A server connection's `'clientError'`s: the ones it raises itself (a request that took too long, an
 * upgrade request whose body is over budget; parse errors come from core) and the answer it writes for
 * one when nobody listens to `'clientError'`, as Node's default does.
 *
 * @module
 */

import { HttpError, isHttpError } from "../core/errors.ts";
import { encode, newOutgoingHead } from "../core/encode.ts";
import type { Socket } from "../io/socket.ts";
import type { ServerResponse } from "./server_response.ts";

/**
 * Most body bytes an upgrade request may carry. The body is read as HTTP before the switch (RFC 9110
 * section 7.8) and `'upgrade'` comes only after it, so nobody can read it while it arrives: it is held
 * whole, and a bigger one is answered 413 instead of held without bound. 64 KiB: room for the small
 * bodies that ride on an upgrade request, far below what a client streams.
 */
export const MAX_UPGRADE_BODY = 64 * 1024;

/**
 * The 413 for an upgrade request whose body is over {@linkcode MAX_UPGRADE_BODY}.
 *
 * @example
 * ```ts ignore
 * if (bytes > MAX_UPGRADE_BODY) throw upgradeBodyTooLarge();
 * ```
 */
export function upgradeBodyTooLarge(): HttpError {
  return new HttpError(
    "ERR_HTTP_REQUEST_TOO_LARGE",
    `Upgrade request content over ${MAX_UPGRADE_BODY} bytes`,
    413,
  );
}

/**
 * The 408 for a request past the server's `headersTimeout` or `requestTimeout`.
 *
 * @example
 * ```ts ignore
 * fail(requestTimedOut());
 * ```
 */
export function requestTimedOut(): HttpError {
  return new HttpError("ERR_HTTP_REQUEST_TIMEOUT", "Request timeout", 408);
}

/**
 * Nobody listens to `'clientError'`: writes the status `error` names with `Connection: close`, and marks
 * the queued `responses` destroyed, unless a response is already on the wire (as Node: a response whose
 * head has not been written yet is abandoned) or the error names no status. Returns whether it wrote
 * the answer (the socket should then end after it; else it should be destroyed).
 *
 * @example
 * ```ts ignore
 * if (answerClientError(socket, responses, error)) socket.end();
 * else socket.destroy();
 * ```
 */
export function answerClientError(
  socket: Socket,
  responses: readonly ServerResponse[],
  error: Error,
): boolean {
  const onWire = responses.length > 0 && responses[0]!.headersSent;
  if (onWire || !isHttpError(error) || socket.destroyed) return false;
  for (const res of responses) res.destroyed = true;
  socket.write(errorAnswer(error.status));
  return true;
}

/**
 * The head of the server's own answer to a request it could not read, written by core's `encode()` as
 * every head is: `HTTP/1.1 <status> <reason>` and `Connection: close`, as Node's default `'clientError'`
 * answer. The request's version is unknown (its head may be what failed), so the answer is framed as for
 * an HTTP/1.0 peer: no body, delimited by the close that follows; and no `Date`, as Node sends none.
 */
function errorAnswer(status: number): string {
  const head = newOutgoingHead("server");
  head.statusCode = status;
  head.peerVersionMinor = 0;
  head.keepAlive = false;
  return encode(head).head;
}
