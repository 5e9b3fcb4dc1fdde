/**
 * The contract between a server and the per-socket driver it runs (`ServerConnection`): what a
 * connection asks of its server (events to emit, limits, timeouts, bookkeeping). The server implements it;
 * the connection knows the server only through it.
 *
 * @module
 */

import type { IncomingMessage } from "../io/incoming_message.ts";
import type { Socket } from "../io/socket.ts";
import type { ServerResponse } from "./server_response.ts";
import type { ServerConnection } from "./_connection.ts";
import type { ServerTimeouts } from "./_timeouts.ts";

/** The classes requests and responses are made of (Node's `IncomingMessage`/`ServerResponse` options). */
export interface MessageClasses {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
  joinDuplicateHeaders: boolean;
  responseOptions: { rejectNonStandardBodyWrites: boolean };
}

/** What a connection needs from its server. */
export interface ConnectionHost extends ServerTimeouts {
  /** The server emitting events (`request`, `upgrade`, ...). */
  emitRequest(req: IncomingMessage, res: ServerResponse, event: "request"): void;
  /** Emits `checkContinue`/`checkExpectation` if listened for; returns false when nobody listens. */
  emitRequestIfListened(
    req: IncomingMessage,
    res: ServerResponse,
    event: "checkContinue" | "checkExpectation",
  ): boolean;
  /** Emits `upgrade`/`connect` if listened for; returns false when nobody listens. */
  emitTakeover(event: "upgrade" | "connect", req: IncomingMessage, socket: Socket, head: Uint8Array): boolean;
  /** Emits `clientError` if listened for; returns false when nobody listens. */
  emitClientError(error: Error, socket: Socket): boolean;
  /** Emits the server's `'dropRequest'` (a request past `maxRequestsPerSocket`). */
  emitDropRequest(req: IncomingMessage, socket: Socket): void;
  /** Emits the server's `'timeout'`; returns false when nobody listens. */
  emitTimeout(socket: Socket): boolean;
  /** The classes requests and responses are made of. */
  readonly messageClasses: MessageClasses;
  /** Node's `httpAllowHalfOpen`: a peer's FIN still lets the requests already read be answered. */
  readonly httpAllowHalfOpen: boolean;
  /** Node's `maxHeadersCount`: request fields kept past it are dropped (null or 0: all). */
  readonly maxHeadersCount: number | null;
  /** Whether the server is closing (no new keep-alive). */
  readonly closing: boolean;
  /** Requests per connection (0: unlimited). */
  readonly maxRequestsPerSocket: number;
  /** The connection is gone. */
  connectionClosed(conn: ServerConnection): void;
  /** The connection left HTTP (upgrade/CONNECT): no more timeouts, but `close()` still waits for it. */
  connectionHandedOver(conn: ServerConnection): void;
}
