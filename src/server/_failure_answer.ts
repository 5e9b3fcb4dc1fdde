/**
 * The one answer for a handler that failed: Node's (its `Server[captureRejectionSymbol]`), which both a
 * rejected request listener (with `captureRejections`) and a fetch handler's response that could not be
 * written get.
 *
 * @module
 */

import { STATUS_CODES } from "../core/status_codes.ts";
import type { ServerResponse } from "./server_response.ts";

/**
 * Answers `500 Internal Server Error` if nothing of the response was sent, without the fields the handler
 * set before it failed (they may say what the failure should not); else destroys the response, whose
 * head already promised something the body cannot keep.
 *
 * @example
 * ```ts ignore
 * promise.catch(() => answerFailure(res));
 * ```
 */
export function answerFailure(res: ServerResponse): void {
  if (!res.headersSent && !res.writableEnded) {
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    res.statusCode = 500;
    res.end(STATUS_CODES[500]);
  } else res.destroy();
}
