/**
 * One call writes an outgoing head (hyper's `role.rs` `encode()`): from the role, the message's facts and
 * the connection's state, {@linkcode encode} returns the head text, the body encoder and the keep-alive
 * decision. Every head this package writes goes through it — server responses and client requests,
 * interim 1xx heads, and the answers the server writes on its own (400, 408, 413, ...) — so each rule of
 * the write side (which messages have a body, how it is framed, which fields the role adds, when the
 * connection may be reused) is written once, here and in the pieces this file puts together.
 *
 * Theory of operation: the caller fills an {@linkcode OutgoingHead} it owns and reuses (see
 * {@linkcode newOutgoingHead}); one pass renders the start line and the user's fields while noting the few
 * that matter (`renderUserField`), `outgoingFraming` decides the framing from those notes, then the role's
 * implicit fields follow in Node's order (Date, Connection, Keep-Alive; then the framing field) and the
 * empty line. Everything that can be refused is refused before anything is returned, so a caller that
 * catches the error has changed nothing. The result is one object, which is also the message's body
 * encoder: writing a head from a raw field list allocates it and the head string, nothing else.
 *
 * @module
 */

import type { ConnectionRole, ConnectionState } from "./connection.ts";
import { mayKeepAlive } from "./connection.ts";
import { hasToken } from "./connection_tokens.ts";
import { type BodyEncoder, remainingAfter } from "./body_encoder.ts";
import {
  newOutgoingHeadFacts,
  type OutgoingFraming,
  outgoingFraming,
  type OutgoingHeadFacts,
  responseHasBody,
} from "./framing.ts";
import {
  implicitFramingField,
  joinsOnOneLine,
  renderUserField,
  serializeInformationalHead,
} from "./head_writer.ts";
import { validateStatusCode, validateStatusMessage } from "./head_validation.ts";
import { STATUS_CODES } from "./status_codes.ts";

/**
 * Fields kept as a map (lower-cased name -> name as given, then one value or several), as an outgoing
 * message keeps them once `setHeader` was called: rendered in the map's order, one line per value.
 *
 * @example
 * ```ts
 * import type { FieldEntries } from "@wire/http/core";
 * const fields: FieldEntries = new Map([["set-cookie", ["Set-Cookie", ["a=1", "b=2"]]]]);
 * console.log(fields.size); // 1
 * ```
 */
export type FieldEntries = ReadonlyMap<
  string,
  readonly [name: string, value: string | readonly string[], ...rest: unknown[]]
>;

/**
 * What {@linkcode encode} needs to know about one outgoing message and its connection. Owned by the caller
 * and reused from message to message (make one with {@linkcode newOutgoingHead}): `encode` reads only the
 * fields of the role it writes for, so a caller fills those and the common ones before each call.
 *
 * @example
 * ```ts
 * import { encode, newOutgoingHead, type OutgoingHead } from "@wire/http/core";
 * const head: OutgoingHead = newOutgoingHead("server");
 * head.statusCode = 404;
 * head.ending = true;
 * console.log(JSON.stringify(encode(head).head));
 * // "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
 * ```
 */
export interface OutgoingHead {
  /** Which end writes: a server writes responses, a client requests. */
  role: ConnectionRole;

  // ---- the start line ----
  /** Server: the status code (100-999). */
  statusCode: number;
  /** Server: the reason phrase the user set, or undefined for the standard one (`STATUS_CODES`). */
  reason: string | undefined;
  /** Server: the method of the request this answers (a response to `HEAD` has no body). */
  requestMethod: string;
  /**
   * Server: an interim (1xx) head sent ahead of the final one (`writeContinue`, `writeEarlyHints`): no
   * implicit fields, no body, and no `Content-Length` or `Transfer-Encoding` allowed. A 1xx status given
   * as the final head (`101` for an upgrade) is not interim.
   */
  interim: boolean;
  /** Client: the method. */
  method: string;
  /** Client: the request-target. */
  target: string;

  // ---- the fields and the body ----
  /** The user's fields, validated: a flat `[name0, value0, ...]` list or a map; undefined for none. */
  fields: readonly string[] | FieldEntries | undefined;
  /**
   * Lower-cased names whose values a map holds as a list yet go on one line joined with `"; "` (Node's
   * `uniqueHeaders`; `Cookie` always does): see `joinsOnOneLine`. A flat list is rendered as given.
   */
  uniqueFields: ReadonlySet<string> | null;
  /** The whole body is known: the head goes out with the message's end (`end()`). */
  ending: boolean;
  /** Bytes of body known when the head is written (the whole body when `ending`). */
  bodyLength: number;
  /** Trailers were added (they need chunked coding). */
  trailers: boolean;
  /**
   * Client: the head is sent before any body (`flushHeaders()`): a method that implies no body (GET,
   * HEAD, DELETE, OPTIONS, TRACE, CONNECT) with no length or coding of its own then goes out as a whole
   * request, as Node's.
   */
  headOnly: boolean;
  /**
   * Server: the framing was fixed before the body was known (Node's `writeHead()` renders the head at
   * once), so a body without a declared length is chunked even if it comes whole.
   */
  framedAtHead: boolean;
  /** The user removed `Content-Length` (Node's `_removedContLen`): no implicit one is added. */
  removedContentLength: boolean;
  /** The user removed `Transfer-Encoding` (Node's `_removedTE`): the body is never chunked implicitly. */
  removedTransferEncoding: boolean;
  /** The user removed `Connection` (Node's `_removedConnection`): no implicit one is added. */
  removedConnection: boolean;

  // ---- the connection ----
  /** Server: the `Date` value to add when the user's fields have none; "" adds none. */
  date: string;
  /**
   * Whether this message may keep the connection open, as far as the message and its owner know: the
   * peer's wish (its version and `Connection` field) and, for a server, that it is not closing and has
   * requests left in `maxRequestsPerSocket`. A client sends it as its `Connection` field.
   */
  keepAlive: boolean;
  /** Server: seconds for `Keep-Alive: timeout=N` beside `Connection: keep-alive` (0 omits the field). */
  keepAliveTimeout: number;
  /** Server: `max=N` of that `Keep-Alive` field (0 omits it). */
  keepAliveMax: number;
  /** Server: the minor version of the request (0 for HTTP/1.0, which reads no chunked body). */
  peerVersionMinor: number;
  /** Server: the connection's protocol state, or null for a response written on no server connection. */
  state: ConnectionState | null;
  /** Server: exchanges opened after this one (pipelined requests already read; see `mayKeepAlive`). */
  later: number;

  /** Scratch `encode` fills while it renders (the user's fields that decide framing); caller-owned. */
  readonly notes: OutgoingHeadFacts;
}

/**
 * A written head: its text and the keep-alive decision, and the message's {@linkcode BodyEncoder} (the
 * same object: the message keeps it as the encoder of its body, so a head costs one allocation).
 *
 * @example
 * ```ts
 * import { encode, type Encoded, encodeChunk, newOutgoingHead } from "@wire/http/core";
 * const out: Encoded = encode(newOutgoingHead("client"));
 * console.log(out.kind, out.keepAlive); // "chunked" true
 * console.log(encodeChunk(out, new Uint8Array([0x61])).length); // 6 ("1\r\na\r\n")
 * ```
 */
export interface Encoded extends BodyEncoder {
  /** The head, latin1 text from the start line to the empty line; encode it with `encodeLatin1`. */
  readonly head: string;
  /**
   * Whether the message promises reuse (`Connection: keep-alive`): a server's connection stays open
   * after the response only if this is true and the body ended complete.
   */
  readonly keepAlive: boolean;
}

/**
 * A fresh {@linkcode OutgoingHead} for `role`, to fill and reuse: a server response with status 200 to a
 * `GET` of an HTTP/1.1 peer, or a `GET /` request, with no fields, no body and no connection state.
 *
 * @example
 * ```ts
 * import { encode, newOutgoingHead } from "@wire/http/core";
 * const head = newOutgoingHead("client");
 * head.method = "POST";
 * head.fields = ["Host", "example.com"];
 * head.ending = true;
 * head.bodyLength = 2;
 * console.log(JSON.stringify(encode(head).head));
 * // "POST / HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n"
 * ```
 */
export function newOutgoingHead(role: ConnectionRole): OutgoingHead {
  return {
    role,
    statusCode: 200,
    reason: undefined,
    requestMethod: "GET",
    interim: false,
    method: "GET",
    target: "/",
    fields: undefined,
    uniqueFields: null,
    ending: false,
    bodyLength: 0,
    trailers: false,
    headOnly: false,
    framedAtHead: false,
    removedContentLength: false,
    removedTransferEncoding: false,
    removedConnection: false,
    date: "",
    keepAlive: true,
    keepAliveTimeout: 0,
    keepAliveMax: 0,
    peerVersionMinor: 1,
    state: null,
    later: 0,
    notes: newOutgoingHeadFacts(),
  };
}

/** Methods whose requests send no `Content-Length: 0` when they end without a body (Node's list). */
const NO_BODY_BY_DEFAULT: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "DELETE",
  "OPTIONS",
  "TRACE",
  "CONNECT",
]);

/**
 * Writes the head of one outgoing message: the start line, the user's fields as given (case and order
 * kept), the role's implicit fields in Node's order and the framing field, and decides the body's framing
 * and whether the connection may be reused.
 *
 * Framing: see `outgoingFraming` (a response to `HEAD`, a 1xx, 204 or 304 has none; a declared
 * Content-Length or Transfer-Encoding is used as given, once checked; a body known whole gets an implicit
 * `Content-Length`; otherwise chunked for an HTTP/1.1 peer, else delimited by closing).
 *
 * A server response adds `Date` (unless the user set one), and `Connection: keep-alive` with
 * `Keep-Alive: timeout=N[, max=M]` when the connection may be reused, else `Connection: close` (unless the
 * user set or removed `Connection`). It may be reused when the message allows it (`keepAlive`), the body
 * is self-delimited, the connection state allows it (`mayKeepAlive(state, later)`), the user's
 * `Connection` names no `close`, and it is not a 204/304 naming a Transfer-Encoding (a peer may read a
 * body after it; Node closes too). A client request adds `Connection` from `keepAlive`.
 *
 * Throws, before returning anything: `ERR_HTTP_INVALID_STATUS_CODE`, `ERR_INVALID_CHAR` (reason),
 * `ERR_HTTP_INVALID_HEADER_VALUE` (a Content-Length or Transfer-Encoding we would not accept from a peer,
 * or either one on an interim head), `ERR_HTTP_TRAILER_INVALID` (a `Trailer` field on a body that is not
 * chunked), `ERR_HTTP_CONTENT_LENGTH_MISMATCH` (a known body longer than its declared length).
 *
 * @example
 * ```ts
 * import { encode, newConnectionState, newOutgoingHead } from "@wire/http/core";
 * const head = newOutgoingHead("server");
 * head.fields = ["Content-Type", "text/plain"];
 * head.ending = true;
 * head.bodyLength = 5;
 * head.state = newConnectionState("server");
 * const out = encode(head);
 * console.log(JSON.stringify(out.head), out.kind, out.keepAlive);
 * // "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\n"
 * // "length" true
 * ```
 */
export function encode(head: OutgoingHead): Encoded {
  if (head.role === "server") {
    if (head.interim) return encodeInterim(head);
    return encodeResponse(head);
  }
  return encodeRequest(head);
}

/** A 1xx head: always HTTP/1.1 (the caller skips HTTP/1.0 peers), no implicit field, nothing to frame. */
function encodeInterim(head: OutgoingHead): Encoded {
  const status = head.statusCode;
  const reason = head.reason ?? STATUS_CODES[status] ?? "unknown";
  const fields = head.fields;
  const list: readonly string[] = fields === undefined
    ? []
    : Array.isArray(fields)
    ? fields as readonly string[]
    : flatten(fields as FieldEntries);
  // An interim head frames nothing and decides nothing about the connection (the final head does).
  return {
    head: serializeInformationalHead(status, reason, list),
    kind: "none",
    remaining: -1,
    length: -1,
    keepAlive: true,
  };
}

function encodeResponse(head: OutgoingHead): Encoded {
  const status = head.statusCode;
  validateStatusCode(status);
  const given = head.reason;
  if (given !== undefined) validateStatusMessage(given);
  // RFC 9110 section 2.5: a server sends the highest version it conforms to (with a major version the
  // client's); HTTP/1.0 clients get "HTTP/1.1" too, as from Node.
  let out = "HTTP/1.1 " + status + " " + (given ?? STATUS_CODES[status] ?? "unknown") + "\r\n";
  const notes = resetNotes(head, false);
  notes.bodyAllowed = responseHasBody(status, head.requestMethod);
  notes.chunkedAllowed = head.peerVersionMinor >= 1 && !head.removedTransferEncoding;
  notes.ending = head.ending && !head.removedContentLength && !head.framedAtHead;
  notes.emptyBodyHasLength = true;
  out += renderFields(head.fields, head.uniqueFields, notes);
  const kind = outgoingFraming(notes);
  const remaining = remainingOf(kind, notes.length, head.bodyLength);

  const connection = notes.connection;
  const state = head.state;
  // Keep-alive needs a self-delimited body; a close-delimited one ends the connection by definition.
  let keepAlive = head.keepAlive && kind !== "close" && state !== null && mayKeepAlive(state, head.later);
  if (connection !== undefined && hasToken(connection, "close")) keepAlive = false;
  // Node closes after a 204/304 that names a Transfer-Encoding: such a response has no body, yet a
  // peer may read one (checked under Node 20.20.2).
  if ((status === 204 || status === 304) && notes.transferEncoding !== undefined) keepAlive = false;

  // Node's order: Date, Connection, Keep-Alive, then the framing field, so code that reads a head line
  // by line finds them where Node puts them.
  if (head.date !== "" && !notes.date) out += "Date: " + head.date + "\r\n";
  if (connection === undefined && !head.removedConnection) {
    if (!keepAlive) out += "Connection: close\r\n";
    else {
      out += "Connection: keep-alive\r\n";
      // A Keep-Alive field of the handler's own is sent as given, not doubled (as Node).
      const seconds = head.keepAliveTimeout;
      if (seconds > 0 && notes.keepAliveField !== true) {
        // Node adds the server's request budget per connection as `max`.
        const max = head.keepAliveMax;
        out += "Keep-Alive: timeout=" + seconds + (max > 0 ? ", max=" + max : "") + "\r\n";
      }
    }
  }
  out += implicitFramingField(kind, notes) + "\r\n";
  return { head: out, kind, remaining, length: notes.length, keepAlive };
}

function encodeRequest(head: OutgoingHead): Encoded {
  let out = head.method + " " + head.target + " HTTP/1.1\r\n";
  const notes = resetNotes(head, true);
  const emptyBodyHasLength = !NO_BODY_BY_DEFAULT.has(head.method);
  notes.chunkedAllowed = !head.removedTransferEncoding;
  notes.ending = head.ending && !head.removedContentLength;
  notes.emptyBodyHasLength = emptyBodyHasLength;
  out += renderFields(head.fields, head.uniqueFields, notes);
  // As Node: a request whose method implies no body, sent head first with no length or coding of its
  // own, goes out as a whole request (checked under node: `GET` then `flushHeaders()` sends no
  // `Transfer-Encoding`). Node would send a later body unframed, which the server reads as the next
  // request; here such a body is not sent.
  const declared = notes.contentLength !== undefined || notes.transferEncoding !== undefined;
  // RFC 9110 section 9.3.6: a CONNECT request has no content; bytes written after its head are the
  // tunnel's first bytes (a client may send them before the 2xx), so they go out as written, unframed,
  // as Node's. A length or coding the user declared is kept.
  const tunnel = head.method === "CONNECT" && !declared;
  notes.bodyAllowed = tunnel || !(head.headOnly && !emptyBodyHasLength && !declared);
  let kind = outgoingFraming(notes);
  if (tunnel && kind !== "none") {
    kind = "close";
    notes.length = -1;
  }
  const remaining = remainingOf(kind, notes.length, head.bodyLength);
  // Host is one of the user's fields (the request sets it when it is made), not an implicit one.
  if (notes.connection === undefined && !head.removedConnection) {
    out += head.keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  }
  out += implicitFramingField(kind, notes) + "\r\n";
  return { head: out, kind, remaining, length: notes.length, keepAlive: head.keepAlive };
}

/** What a `length` body has left once the bytes that go out with the head are counted (-1 otherwise). */
function remainingOf(kind: OutgoingFraming, length: number, bodyLength: number): number {
  if (kind !== "length") return -1;
  return bodyLength > 0 ? remainingAfter(length, bodyLength) : length;
}

/** The notes, cleared for one head; the role's part is set by the caller. */
function resetNotes(head: OutgoingHead, isRequest: boolean): OutgoingHeadFacts {
  const notes = head.notes;
  notes.date = false;
  notes.host = false;
  notes.connection = undefined;
  notes.contentLength = undefined;
  notes.transferEncoding = undefined;
  notes.isRequest = isRequest;
  notes.bodyLength = head.bodyLength;
  notes.hasTrailers = head.trailers;
  notes.trailerField = false;
  notes.keepAliveField = false;
  notes.length = -1;
  return notes;
}

/** The field lines of the head, from a flat list or a map, noting in `notes` what decides framing. */
function renderFields(
  fields: readonly string[] | FieldEntries | undefined,
  unique: ReadonlySet<string> | null,
  notes: OutgoingHeadFacts,
): string {
  let out = "";
  if (fields === undefined) return out;
  if (Array.isArray(fields)) {
    const list = fields as readonly string[];
    for (let i = 0; i + 1 < list.length; i += 2) out += renderUserField(list[i]!, list[i + 1]!, notes);
    return out;
  }
  for (const [key, [name, value]] of fields as FieldEntries) {
    if (typeof value === "string") out += renderUserField(name, value, notes);
    else if (joinsOnOneLine(key, value.length, unique)) out += renderUserField(name, value.join("; "), notes);
    else for (const v of value) out += renderUserField(name, v, notes);
  }
  return out;
}

function flatten(fields: FieldEntries): string[] {
  const out: string[] = [];
  for (const [name, value] of fields.values()) {
    if (typeof value === "string") out.push(name, value);
    else for (const v of value) out.push(name, v);
  }
  return out;
}
