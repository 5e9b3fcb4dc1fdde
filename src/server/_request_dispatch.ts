/**
 * Handing a request to the server's listeners, as Node's emitter does it: what a listener throws is the
 * process's uncaught exception, and with `captureRejections` a listener's rejected promise answers 500
 * (or destroys a response already started).
 *
 * @module
 */

import { EventEmitter } from "node:events";
import type { IncomingMessage } from "../io/incoming_message.ts";
import { reportUncaught } from "../io/_uncaught.ts";
import type { ServerResponse } from "./server_response.ts";
import { kState } from "./_server_state.ts";
import { answerFailure } from "./_failure_answer.ts";
import type { ServerClass } from "./server.ts";

/**
 * Emits `event`. What a listener throws is the process's uncaught exception, as in Node (where it
 * propagates out of the socket's data handler): reported outside our stack, so the connection's own
 * error handling never mistakes it for bad input from the peer.
 *
 * @example
 * ```ts ignore
 * dispatch(server, "request", req, res);
 * ```
 */
export function dispatch(
  server: ServerClass,
  event: "request" | "checkContinue" | "checkExpectation",
  req: IncomingMessage,
  res: ServerResponse,
): void {
  if (!captureRejections(server)) {
    try {
      server.emit(event, req, res);
    } catch (err) {
      reportUncaught(err);
    }
    return;
  }
  // With captureRejections (Node's option, or `EventEmitter.captureRejections`), a listener's rejected
  // promise goes to the rejection handler below, as Node's emitter does (Deno's does not, so it is here).
  for (const listener of server.rawListeners(event)) {
    try {
      const result = (listener as (...args: unknown[]) => unknown).call(server, req, res);
      if (result && typeof (result as Promise<unknown>).then === "function") {
        (result as Promise<unknown>).then(undefined, () => answerFailure(res));
      }
    } catch (err) {
      reportUncaught(err);
    }
  }
}

function captureRejections(server: ServerClass): boolean {
  return server[kState].options.captureRejections ??
    (EventEmitter as { captureRejections?: boolean }).captureRejections ??
    false;
}
