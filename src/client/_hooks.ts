/**
 * Internal hooks between the client's pieces (request, connection, agent), keyed by symbols so they are
 * not part of the public API: a user cannot call `agent[kReleased]()` by accident, and the JSR docs do not
 * list them. Each symbol names the side that implements it.
 *
 * @module
 */

import type { ResponseHead } from "../core/types.ts";
import type { IncomingMessage } from "../io/incoming_message.ts";
import type { Socket } from "../io/socket.ts";

// ---- implemented by the pool (Agent) and by one-off owners ----

/** Owner: the connection finished an exchange and may carry another request. */
export const kReleased: unique symbol = Symbol("client.released");
/** Owner: the connection closed or left HTTP; it is no longer usable. */
export const kRemoved: unique symbol = Symbol("client.removed");
/** Agent: the request's reused socket was dead; run it again on a new socket, first in line. */
export const kRetry: unique symbol = Symbol("client.retry");

// ---- implemented by the request ----

/** Request: here is the socket's driver; start sending. */
export const kAssignConnection: unique symbol = Symbol("client.assignConnection");
/** Request: a 1xx arrived. */
export const kOnInformation: unique symbol = Symbol("client.onInformation");
/** Request: the final response head arrived. */
export const kOnResponse: unique symbol = Symbol("client.onResponse");
/** Request: a 101 or a 2xx to CONNECT; returns false when nobody takes the socket. */
export const kOnTakeover: unique symbol = Symbol("client.onTakeover");
/** Request: the exchange failed before a final response head (socket error, parse error, hang-up). */
export const kOnFailure: unique symbol = Symbol("client.onFailure");
/** Request: the connection was lost (or spoke garbage) after the response head, before its end. */
export const kOnResponseLost: unique symbol = Symbol("client.onResponseLost");
/** Request: request and response are both complete; `keptAlive` says whether the socket goes back. */
export const kOnExchangeEnd: unique symbol = Symbol("client.onExchangeEnd");

/** What a connection needs from the request it carries. Implemented by `ClientRequest`. */
export interface ConnectionHooks {
  [kOnInformation](head: ResponseHead): void;
  [kOnResponse](res: IncomingMessage): void;
  [kOnTakeover](res: IncomingMessage, socket: Socket, head: Uint8Array): boolean;
  [kOnFailure](error: Error, responseStarted: boolean): void;
  /** `parseError` is set when the response was malformed (reported on the request, as Node does). */
  [kOnResponseLost](cause: Error | undefined, parseError: Error | undefined): void;
  [kOnExchangeEnd](keptAlive: boolean): void;
}
