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
  // 'close' a tick later), and each unfinished response hears its socket's 'close'.
  for (const item of open) {
    const req = requestOf(item);
    if (!req.destroyed) req.destroy(error);
  }
  for (const item of open) {
    if (item instanceof ServerResponse) {
      if (!item.writableFinished) item.destroyed = true;
      item[kEmitClose]();
    }
  }
}

function requestOf(item: ServerResponse | IncomingMessage): IncomingMessage {
  return item instanceof ServerResponse ? item.req : item;
}
