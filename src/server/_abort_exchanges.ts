/**
 * What a server connection does with the requests still open when its socket closes, as Node's
 * `abortIncoming` does it: every open request gets `'aborted'` at once, then, exchange by exchange in
 * request order, the response's `'close'`, the request's `'error'` (ECONNRESET "aborted") and its
 * `'close'`. Verified against node:http on Node 20.20.2 (tests/server/lifecycle_events_test.ts).
 *
 * @module
 */

import { ConnectionResetError } from "../core/errors.ts";
import type { IncomingMessage } from "../io/incoming_message.ts";
import { kEmitClose, ServerResponse } from "./server_response.ts";

/**
 * Aborts the exchanges of `responses` (in request order) and `receiving` (a request with no response
 * yet, e.g. an upgrade request whose body was arriving); `cause` is the socket's error, if any.
 */
export function abortOpenExchanges(
  responses: readonly ServerResponse[],
  receiving: IncomingMessage | null,
  cause: Error | undefined,
): void {
  const open: (ServerResponse | IncomingMessage)[] = [...responses];
  if (receiving !== null && !responses.some((res) => res.req === receiving)) open.push(receiving);
  if (open.length === 0) return;
  for (const item of open) {
    const req = requestOf(item);
    // The connection is already gone: the request must not try to close it again.
    req.onDestroy = undefined;
    req.markAborted();
    if (item instanceof ServerResponse && !item.writableFinished) item.destroyed = true;
  }
  const error = new ConnectionResetError("aborted", cause ? { cause } : undefined);
  queueMicrotask(() => closeExchanges(open, 0, error));
}

/** Ends `open[i]` and, after the request's queued 'error'/'close', the ones after it. */
function closeExchanges(open: readonly (ServerResponse | IncomingMessage)[], i: number, error: Error): void {
  const item = open[i];
  if (item === undefined) return;
  if (item instanceof ServerResponse) item[kEmitClose]();
  const req = requestOf(item);
  if (req.aborted && !req.destroyed) req.destroy(error);
  // destroy() queued the request's 'error'/'close'; the next exchange goes after them.
  queueMicrotask(() => closeExchanges(open, i + 1, error));
}

function requestOf(item: ServerResponse | IncomingMessage): IncomingMessage {
  return item instanceof ServerResponse ? item.req : item;
}
