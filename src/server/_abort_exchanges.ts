/**
 * What a server connection does with the requests still open when its socket closes, as Node's
 * `abortIncoming` does it: every open request is destroyed (`'aborted'` at once), then every unfinished
 * response emits `'close'`, then each request's `'error'` (ECONNRESET "aborted", if listened for) and
 * `'close'`. Verified against node:http on Node 20.20.2 (tests/server/lifecycle_events_test.ts).
 *
 * @module
 */

import { ConnectionResetError } from "../core/errors.ts";
import type { IncomingMessage } from "../io/incoming_message.ts";
import { readableState } from "../io/_readable_state.ts";
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
  const error = new ConnectionResetError("aborted", cause ? { cause } : undefined);
  // Node's abortIncoming: each open request is destroyed ('aborted' now; 'error', if listened for, and
  // 'close' shortly after); then, exchange by exchange, the response's 'close' and the request's.
  for (const item of open) {
    if (item instanceof ServerResponse && !item.writableFinished) item.destroyed = true;
    const req = requestOf(item);
    if (!req.destroyed) req.destroy(error);
  }
  closeExchanges(open, 0);
}

/** Emits `open[i]`'s response 'close', and once its request has closed, goes on with the next. */
function closeExchanges(open: readonly (ServerResponse | IncomingMessage)[], i: number): void {
  const item = open[i];
  if (item === undefined) return;
  if (item instanceof ServerResponse) item[kEmitClose]();
  const req = requestOf(item);
  // `closed` turns true before 'close' is emitted; what counts here is the event.
  if (readableState(req).closeEmitted) closeExchanges(open, i + 1);
  else req.once("close", () => closeExchanges(open, i + 1));
}

function requestOf(item: ServerResponse | IncomingMessage): IncomingMessage {
  return item instanceof ServerResponse ? item.req : item;
}
