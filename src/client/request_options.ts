/**
 * The types of the client's public API: {@linkcode RequestOptions}, the events of a `ClientRequest`, and
 * the payload of its `'information'` event.
 *
 * @module
 */

import type { OutgoingEvents } from "../io/outgoing_message.ts";
import type { IncomingMessage } from "../io/incoming_message.ts";
import type { Socket } from "../io/socket.ts";
import type { IncomingHeaders, OutgoingHeaders } from "../core/types.ts";
import type { OriginOptions } from "./_origin.ts";
import type { AgentLike } from "./agent.ts";

/** Node's `'information'` event payload (1xx responses). */
export interface InformationEvent {
  /** The 1xx status, e.g. 103. */
  statusCode: number;
  /** Its reason phrase. */
  statusMessage: string;
  /** `"1.1"`. */
  httpVersion: string;
  /** Always 1. */
  httpVersionMajor: number;
  /** 1 (interim responses do not exist in HTTP/1.0). */
  httpVersionMinor: number;
  /** Lower-cased fields. */
  headers: IncomingHeaders;
  /** Fields as sent. */
  rawHeaders: string[];
}

/** Options of {@linkcode request}: the origin ({@linkcode OriginOptions}) and the request itself. */
export interface RequestOptions extends OriginOptions {
  /** Request-target, with query string (default `/`). */
  path?: string;
  /** Method (default `GET`). */
  method?: string;
  /** Fields: an object, or a raw `[name, value, ...]` array kept in case and order. */
  headers?: OutgoingHeaders | readonly string[];
  /** `user:password` for Basic authentication. */
  auth?: string;
  /**
   * An Agent, or any object with Node's `addRequest(req, options)`; `false` for a one-off connection;
   * default the global agent (none when `createConnection` is given).
   */
  agent?: AgentLike | false | null;
  /** Socket inactivity timeout in ms: emits `'timeout'` (the request is not aborted by itself). */
  timeout?: number;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** Add a `Host` field when missing (default true). */
  setHost?: boolean;
  /** Largest response head in bytes (default 16 KiB, as Node). Holds for the socket's life. */
  maxHeaderSize?: number;
  /** Node's lenient response parsing (bare LF, obs-fold, ...); holds for the socket's life. */
  insecureHTTPParser?: boolean;
  /** Join repeated response fields with `, ` in `headers` instead of keeping the first (Node's option). */
  joinDuplicateHeaders?: boolean;
  /**
   * Request fields sent on one line even when set to a list: the values are joined with `"; "` (names
   * matched case-insensitively), as Node's. `Cookie` always is.
   */
  uniqueHeaders?: readonly string[];
}

/** Events of a {@linkcode ClientRequest}. */
export interface ClientRequestEvents extends OutgoingEvents {
  /** The final response head arrived; listeners added here see the whole body. */
  response: [res: IncomingMessage];
  /** The server sent `100 Continue`: the body goes now. */
  continue: [];
  /** Any interim 1xx response (100, 102, 103, ...). */
  information: [info: InformationEvent];
  /** `101 Switching Protocols`: the socket is raw from here; `head` holds bytes already read. */
  upgrade: [res: IncomingMessage, socket: Socket, head: Uint8Array];
  /** A 2xx answer to CONNECT: the socket is the tunnel. */
  connect: [res: IncomingMessage, socket: Socket, head: Uint8Array];
  /** A socket was assigned to the request. */
  socket: [socket: Socket];
  /** The socket was idle for the `timeout` given; the request is not aborted by itself. */
  timeout: [];
  /** `abort()` was called. */
  abort: [];
}
