/**
 * The contract between a server and the per-socket driver it runs (`ServerConnection`): what a
 * connection asks of its server (events to emit, limits, timeouts, bookkeeping), and what the server
 * needs of a connection in return. The server's `ServerHost` (`_server_host.ts`) implements the first;
 * the connection knows the server only through it. Both sides are declared here, so neither file imports
 * the other's.
 *
 * @module
 */

import type { IncomingMessage } from "../io/incoming_message.ts";
import type { Socket } from "../io/socket.ts";
import type { ServerResponse } from "./server_response.ts";
import type { ServerTimeouts } from "./_timeouts.ts";

/** The classes requests and responses are made of (Node's `IncomingMessage`/`ServerResponse` options). */
export interface MessageClasses {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
  joinDuplicateHeaders: boolean;
  /** The `uniqueHeaders` option, lower-cased, given to each response (null: none). */
  uniqueHeaders: ReadonlySet<string> | null;
  responseOptions: { rejectNonStandardBodyWrites: boolean };
}

/** What a server needs of one of its connections (a `ServerConnection` has it). */
export interface HostedConnection {
  /** The socket the connection runs on. */
  readonly socket: Socket;
  /** Closes the connection if it is between requests; returns whether it did. */
  closeIfIdle(): boolean;
  /** Checks the connection against the server's timeouts at `now` (ms), from the server's sweep. */
  checkTimeouts(now: number): void;
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
  /**
   * Whether the server takes upgrades now (an `'upgrade'` listener exists): asked at each upgrade offer's
   * head; one made without it is served as a plain request, as Node's.
   */
  readonly takesUpgrades: boolean;
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
  connectionClosed(conn: HostedConnection): void;
  /** The connection left HTTP (upgrade/CONNECT): no more timeouts, but `close()` still waits for it. */
  connectionHandedOver(conn: HostedConnection): void;
}
