/**
 * The protocol state of one HTTP/1.1 connection, as one value: what the reading side expects next, where
 * the writing side is, how many exchanges are open, and whether the connection may be reused. Both roles
 * use it; the parsers advance its reading side, the server and client connection files advance its
 * writing side and carry out what each transition asks.
 *
 * Theory of operation (after hyper's `proto/h1/conn.rs` `Reading`/`Writing`/`KA` and h11's `_state.py`):
 *
 * - A {@linkcode ConnectionState} is an immutable value. Each event the caller observes (a head read, a
 *   message read, a head or a message written, a 100 sent or received, the peer's EOF) goes through one
 *   transition function, which returns the next state; its `action` is the one {@linkcode ConnectionAction}
 *   the caller must carry out. The caller never decides keep-alive, upgrade or close rules itself.
 * - `reading` walks `head → body → head` for every message. A head whose message asks to switch protocols
 *   makes the end of that message `switched` for both sides (hand the bytes that follow to the new
 *   protocol). A server that received `Expect: 100-continue` reads `continue` until it sends 100: the body
 *   may never come. The body's framing (length, chunked, until close) is the parser's, as hyper keeps the
 *   `Decoder` inside `Reading::Body`.
 * - `writing` walks `idle → body → idle` for every message: `body` from the head on (the body may be
 *   empty), back to `idle` once the message is written whole, or `closed` when it said the connection
 *   ends. A client that sent `Expect: 100-continue` holds its body in `continue` until a 100 comes; a final
 *   response first makes it `dropping` (the body is not sent, RFC 9110 section 10.1.1).
 * - `open` counts exchanges whose request went one way and whose response has not ended: the server opens
 *   one per request head read and closes it per response written; the client opens one per request head
 *   written and closes it per response read. Pipelining is `open > 1`.
 * - `reusable` is false once any message has said the connection ends after it (RFC 9112 section 9.3).
 * - An exchange is complete when its response ended and its request was written whole: then the action is
 *   `idle` (the keep-alive clock starts, a client's socket goes back to its pool) or `close`.
 *
 * A transition allocates one small object (the next state, carrying its action); transitions that make
 * no sense in a state (a head written inside a message, anything written after a hand-over) throw
 * `ERR_INVALID_STATE`. Nothing here does I/O, keeps time or holds bytes.
 *
 * @module
 */

import { hasConnectionOption } from "./connection_tokens.ts";
import { HttpUsageError } from "./errors.ts";

/** Which end of the connection we are. */
export type ConnectionRole = "client" | "server";

/** What the reading side expects next. */
export type Reading =
  /** The next message head (or the empty lines and bytes before it). */
  | "head"
  /** A server got `Expect: 100-continue`: the body comes only after a 100, or not at all. */
  | "continue"
  /** The body of the message whose head was read (possibly empty). */
  | "body"
  /**
   * Nothing more is read: reading was stopped after a message that forbade reuse, failed, or the peer
   * ended its side. RFC 9112 section 9.6: "A server that receives a "close" connection option MUST
   * initiate closure of the connection ... after it sends the final response to the request that
   * contained the "close" connection option ... and MUST NOT process any further requests received on
   * that connection."
   */
  | "closed"
  /** The bytes that follow belong to another protocol (upgrade or CONNECT tunnel). */
  | "switched";

/** Where the writing side is. */
export type Writing =
  /** Between messages: the next head may be written. */
  | "idle"
  /** A client wrote a head with `Expect: 100-continue`: its body waits for a 100 (or a final response). */
  | "continue"
  /** A head was written; the rest of its message (possibly nothing) follows. */
  | "body"
  /**
   * A client's held-back body will not be sent: a final response came before any 100. RFC 9110 section
   * 10.1.1: a client that receives a final status code instead "SHOULD NOT continue sending" the content.
   */
  | "dropping"
  /** A message that ended the connection was written: nothing more is written but the close. */
  | "closed"
  /** The bytes written now belong to another protocol (after an upgrade or CONNECT). */
  | "switched";

/** What the caller must do after a transition. */
export type ConnectionAction =
  /** Nothing beyond the ordinary (deliver the message, keep reading and writing). */
  | "continue"
  /** An exchange completed, nothing is open and more may come: the keep-alive clock starts (client: reuse). */
  | "idle"
  /**
   * Read no further bytes as HTTP: apply {@linkcode readingStopped} (a parser on its own, as a codec,
   * may read on).
   */
  | "stop-reading"
  /** Give the bytes after this message, and the socket, to the new protocol. */
  | "hand-over"
  /** Finish what is queued for writing, then close. */
  | "close"
  /** A message was cut short (a malformed one, the peer's EOF inside one): report it, then close. */
  | "reject";

/** The protocol state of one connection. Create with {@linkcode newConnectionState}. */
export interface ConnectionState {
  /** Which end we are. */
  readonly role: ConnectionRole;
  /** What the reading side expects next. */
  readonly reading: Reading;
  /** Where the writing side is. */
  readonly writing: Writing;
  /** Exchanges started and not yet answered completely (more than one while pipelining). */
  readonly open: number;
  /** False once a message said the connection ends after it. */
  readonly reusable: boolean;
  /** The message being read switches protocols when it ends. */
  readonly switching: boolean;
  /** What the transition that made this state asks of the caller. */
  readonly action: ConnectionAction;
}

/**
 * What a transition needs to know about a message head; a parsed `RequestHead` or `ResponseHead` has
 * all of it.
 */
export interface HeadFacts {
  /** The head allows reuse after its message (RFC 9112 section 9.3). */
  readonly keepAlive: boolean;
  /**
   * The message switches protocols when it ends (see {@linkcode requestSwitchesProtocols} and
   * {@linkcode responseSwitchesProtocols}).
   */
  readonly upgrade: boolean;
  /** 1 for HTTP/1.1 (the default), 0 for HTTP/1.0. */
  readonly versionMinor?: number;
  /** A request with `Expect: 100-continue` (ignored for responses and HTTP/1.0). */
  readonly expectContinue?: boolean;
}

/**
 * The state of a fresh connection for `role`.
 *
 * @example
 * ```ts
 * import { newConnectionState } from "@wire/http/core";
 * const state = newConnectionState("server");
 * console.log(state.reading, state.writing, state.open, state.reusable); // head idle 0 true
 * ```
 */
export function newConnectionState(role: ConnectionRole): ConnectionState {
  return next(role, "head", "idle", 0, true, false, "continue");
}

// ---- the reading side ----

/**
 * A final message head was read (not a 1xx interim one). The server opens an exchange; a head that forbids
 * reuse makes the connection end after this message; a server that got `Expect: 100-continue` waits in
 * `continue`. RFC 9110 section 10.1.1: "A server that receives a 100-continue expectation in an HTTP/1.0
 * request MUST ignore that expectation." A client whose body still waits for a 100 drops it. A head
 * outside `head` throws `ERR_INVALID_STATE`.
 *
 * @example
 * ```ts
 * import { headRead, newConnectionState } from "@wire/http/core";
 * const state = headRead(newConnectionState("server"), { keepAlive: false, upgrade: false, versionMinor: 1 });
 * console.log(state.reading, state.open, state.reusable, state.action); // body 1 false continue
 * ```
 */
export function headRead(state: ConnectionState, head: HeadFacts): ConnectionState {
  if (state.reading !== "head") invalid("a head was read while reading " + state.reading);
  if (state.role === "server") {
    const reading = head.expectContinue === true && head.versionMinor !== 0 && !head.upgrade
      ? "continue"
      : "body";
    // A switching request leaves HTTP: no HTTP response will close an exchange for it.
    const open = head.upgrade ? state.open : state.open + 1;
    return next(
      "server",
      reading,
      state.writing,
      open,
      state.reusable && head.keepAlive,
      head.upgrade,
      "continue",
    );
  }
  // The server decided without the body it was waiting for: it is not sent, and whether the server still
  // expects it cannot be known, so the connection is not reused.
  const dropping = state.writing === "continue" && !head.upgrade;
  return next(
    "client",
    "body",
    dropping ? "dropping" : state.writing,
    state.open,
    state.reusable && head.keepAlive && !dropping,
    head.upgrade,
    "continue",
  );
}

/**
 * The server sent `100 Continue`: the body the client held back is now on its way. Outside `continue`
 * nothing changes.
 *
 * @example
 * ```ts
 * import { continueSent, headRead, newConnectionState } from "@wire/http/core";
 * const facts = { keepAlive: true, upgrade: false, versionMinor: 1, expectContinue: true };
 * const s = headRead(newConnectionState("server"), facts);
 * console.log(s.reading, continueSent(s).reading); // continue body
 * ```
 */
export function continueSent(state: ConnectionState): ConnectionState {
  const reading = state.reading === "continue" ? "body" : state.reading;
  return next(state.role, reading, state.writing, state.open, state.reusable, state.switching, "continue");
}

/**
 * The message being read ended. The client closes an exchange. Then: a message that switches protocols
 * hands over (both sides are `switched`); a server asked not to reuse the connection stops reading (RFC
 * 9112 section 9.6); an exchange now complete (client: its request written too; server: its response
 * written first) makes the connection `idle`, or `close` when it may not be reused.
 *
 * @example
 * ```ts
 * import { headRead, messageRead, newConnectionState } from "@wire/http/core";
 * const s = messageRead(headRead(newConnectionState("server"), { keepAlive: false, upgrade: false }));
 * console.log(s.reading, s.action); // head stop-reading
 * ```
 */
export function messageRead(state: ConnectionState): ConnectionState {
  const reading = state.reading;
  if (reading !== "body" && reading !== "continue") invalid("a message ended while reading " + reading);
  const client = state.role === "client";
  const open = client ? Math.max(0, state.open - 1) : state.open;
  if (state.switching) {
    return next(state.role, "switched", "switched", open, state.reusable, false, "hand-over");
  }
  if (client) {
    return next(
      "client",
      "head",
      state.writing,
      open,
      state.reusable,
      false,
      exchangeEnd("head", state.writing, open, state.reusable),
    );
  }
  if (!state.reusable) return next("server", "head", state.writing, open, false, false, "stop-reading");
  // A handler may answer before the request's body has been read: the exchange completes here then.
  return next("server", "head", state.writing, open, true, false, open === 0 ? "idle" : "continue");
}

/**
 * The server stops reading on its own: after a message that forbade reuse (the `stop-reading` action), or
 * after the last request `maxRequestsPerSocket` allows. Nothing more is read and the connection is not
 * reused; it closes once what is open is written.
 *
 * @example
 * ```ts
 * import { newConnectionState, readingStopped } from "@wire/http/core";
 * const state = readingStopped(newConnectionState("server"));
 * console.log(state.reading, state.reusable, state.action); // closed false stop-reading
 * ```
 */
export function readingStopped(state: ConnectionState): ConnectionState {
  const reading = state.reading === "switched" ? "switched" : "closed";
  return next(state.role, reading, state.writing, state.open, false, false, "stop-reading");
}

/**
 * Reading failed (a malformed message, a timeout): nothing more is read and the connection is not reused;
 * the caller reports the error (a server answers with its status) and closes.
 *
 * @example
 * ```ts
 * import { newConnectionState, readFailed } from "@wire/http/core";
 * const state = readFailed(newConnectionState("server"));
 * console.log(state.reading, state.action); // closed reject
 * ```
 */
export function readFailed(state: ConnectionState): ConnectionState {
  return next(state.role, "closed", state.writing, state.open, false, false, "reject");
}

/**
 * The peer ended its side (EOF). Between messages the connection ends once what is open is written (Node
 * servers do not allow half-open connections); inside a message, or on a client still owed a response, it
 * is rejected: RFC 9112 section 8: "A message that uses a valid Content-Length is incomplete if the size
 * of the message body received ... is less than the value given by Content-Length", and Node answers such
 * a request 400 (a client reports "socket hang up"). `midHead` says whether part of a head had arrived.
 * After a hand-over the bytes are the new protocol's: nothing changes.
 *
 * @example
 * ```ts
 * import { headRead, newConnectionState, peerEnded } from "@wire/http/core";
 * const fresh = newConnectionState("server");
 * console.log(peerEnded(fresh, false).action); // close
 * const inBody = headRead(fresh, { keepAlive: true, upgrade: false });
 * console.log(peerEnded(inBody, false).action); // reject
 * ```
 */
export function peerEnded(state: ConnectionState, midHead: boolean): ConnectionState {
  const reading = state.reading;
  if (reading === "switched") {
    return next(state.role, reading, state.writing, state.open, false, false, "continue");
  }
  const cut = reading === "body" || reading === "continue" || reading === "head" && midHead ||
    state.role === "client" && state.open > 0;
  return next(state.role, "closed", state.writing, state.open, false, false, cut ? "reject" : "close");
}

// ---- the writing side ----

/**
 * A final message head was written (interim 1xx heads are not messages). The client opens an exchange;
 * with `awaitContinue` (a request with `Expect: 100-continue` and a body) its body waits in `continue`.
 * A head inside a message being written, or after the connection's last one, throws `ERR_INVALID_STATE`.
 *
 * @example
 * ```ts
 * import { headWritten, newConnectionState } from "@wire/http/core";
 * const state = headWritten(newConnectionState("client"), true);
 * console.log(state.writing, state.open); // continue 1
 * ```
 */
export function headWritten(state: ConnectionState, awaitContinue = false): ConnectionState {
  if (state.writing !== "idle") invalid("a head was written while writing " + state.writing);
  if (state.role === "server") {
    if (state.open === 0) invalid("a response was written with no request open");
    return next("server", state.reading, "body", state.open, state.reusable, state.switching, "continue");
  }
  const writing = awaitContinue ? "continue" : "body";
  return next("client", state.reading, writing, state.open + 1, state.reusable, state.switching, "continue");
}

/**
 * A 100 came for the request whose body waits in `continue`: the body goes now. Elsewhere (a 100 nobody
 * waited for) nothing changes.
 *
 * @example
 * ```ts
 * import { continueReceived, headWritten, newConnectionState } from "@wire/http/core";
 * console.log(continueReceived(headWritten(newConnectionState("client"), true)).writing); // body
 * ```
 */
export function continueReceived(state: ConnectionState): ConnectionState {
  const writing = state.writing === "continue" ? "body" : state.writing;
  return next(state.role, state.reading, writing, state.open, state.reusable, state.switching, "continue");
}

/**
 * Whether the message about to be written may promise reuse (`Connection: keep-alive`); `later` counts
 * the exchanges opened after the one it belongs to (pipelined requests already read, so the connection
 * goes on for them). For the last exchange: false when the connection will not be reused, or when a
 * server answers a request whose 100-continue body never came: RFC 9110 section 10.1.1 lets the client
 * send that body anyway, so the bytes after the response cannot be known to be a request.
 *
 * @example
 * ```ts
 * import { headRead, mayKeepAlive, newConnectionState } from "@wire/http/core";
 * const facts = { keepAlive: true, upgrade: false, versionMinor: 1, expectContinue: true };
 * console.log(mayKeepAlive(headRead(newConnectionState("server"), facts), 0)); // false
 * ```
 */
export function mayKeepAlive(state: ConnectionState, later: number): boolean {
  if (later > 0) return true;
  if (!state.reusable || state.reading === "closed" || state.reading === "switched") return false;
  return state.reading !== "continue";
}

/**
 * A whole message was written; `keepAlive` says whether it promised reuse. From `idle` its head counts as
 * written with it. The server closes an exchange. A message that did not promise reuse ends the writing
 * side (`closed`) and the connection once written, as does the server's last response after reading
 * stopped; an exchange now complete makes the connection `idle`. A server's answer written after the
 * connection's last message (`closed`) asks `close` again (an answer already queued still goes out
 * first). It throws `ERR_INVALID_STATE` for a server with no request open, for a client after its last
 * request, while a body waits for a 100, and after a hand-over.
 *
 * @example
 * ```ts
 * import { headRead, messageRead, messageWritten, newConnectionState } from "@wire/http/core";
 * const s = messageRead(headRead(newConnectionState("server"), { keepAlive: true, upgrade: false }));
 * console.log(messageWritten(s, true).action); // idle
 * console.log(messageWritten(s, false).action); // close
 * ```
 */
export function messageWritten(state: ConnectionState, keepAlive: boolean): ConnectionState {
  const writing = state.writing;
  if (writing === "continue" || writing === "switched") {
    invalid("a message was written while writing " + writing);
  }
  const client = state.role === "client";
  if (client) {
    if (writing === "closed") invalid("a request was written after the connection's last one");
    const open = writing === "idle" ? state.open + 1 : state.open;
    const keep = keepAlive && writing !== "dropping" && state.reusable;
    const done = keep ? "idle" : "closed";
    return next(
      "client",
      state.reading,
      done,
      open,
      keep,
      state.switching,
      exchangeEnd(state.reading, done, open, keep),
    );
  }
  if (state.open === 0) invalid("a response was written with no request open");
  const open = state.open - 1;
  const reading = state.reading;
  // An answer queued before the connection's last one went (Node writes it still): close again.
  if (writing === "closed") return next("server", reading, "closed", open, false, state.switching, "close");
  if (!keepAlive) {
    // Whatever the peer sends after this message is not processed (RFC 9112 section 9.6); a request still
    // being read is read to its end first (messageRead then stops reading).
    const stopped = reading === "head" ? "closed" : reading;
    return next("server", stopped, "closed", open, false, state.switching, "close");
  }
  if (open === 0 && (reading === "closed" || !state.reusable && reading === "head")) {
    return next("server", "closed", "closed", open, false, state.switching, "close");
  }
  const idle = open === 0 && reading === "head";
  return next("server", reading, "idle", open, state.reusable, state.switching, idle ? "idle" : "continue");
}

/**
 * Whether an `Upgrade` field value offers a protocol: RFC 9110 section 7.8 defines it as
 * `Upgrade = #protocol`, so a value with only empty list elements offers nothing and the bytes after the
 * request are still HTTP.
 *
 * @example
 * ```ts
 * import { offersProtocol } from "@wire/http/core";
 * console.log(offersProtocol("websocket"), offersProtocol(" , "), offersProtocol("")); // true false false
 * ```
 */
export function offersProtocol(upgrade: string): boolean {
  for (let i = 0; i < upgrade.length; i++) {
    const c = upgrade.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x2c) return true;
  }
  return false;
}

/**
 * Whether a request switches protocols once it ends: CONNECT always (RFC 9110 section 9.3.6), otherwise
 * only with a protocol offered in `Upgrade` AND the bare `upgrade` option in `Connection`. RFC 9110
 * section 7.6.1: `connection-option = token` (no parameters, so `upgrade;x` is another option), and
 * section 7.8: "A sender of Upgrade MUST also send an "upgrade" connection option".
 *
 * @example
 * ```ts
 * import { requestSwitchesProtocols } from "@wire/http/core";
 * console.log(requestSwitchesProtocols("GET", "Upgrade", true)); // true
 * console.log(requestSwitchesProtocols("GET", "upgrade;x", true)); // false
 * console.log(requestSwitchesProtocols("CONNECT", undefined, false)); // true
 * ```
 */
export function requestSwitchesProtocols(
  method: string,
  connection: string | undefined,
  protocolOffered: boolean,
): boolean {
  return method === "CONNECT" || protocolOffered && hasConnectionOption(connection, "upgrade");
}

/**
 * Whether a response switches protocols: `101 Switching Protocols`, or a 2xx answer to CONNECT (RFC 9110
 * section 9.3.6: "the server switches to tunnel mode immediately after the blank line").
 *
 * @example
 * ```ts
 * import { responseSwitchesProtocols } from "@wire/http/core";
 * console.log(responseSwitchesProtocols(101, "GET"), responseSwitchesProtocols(200, "CONNECT")); // true true
 * ```
 */
export function responseSwitchesProtocols(statusCode: number, requestMethod: string): boolean {
  return statusCode === 101 || requestMethod === "CONNECT" && statusCode >= 200 && statusCode < 300;
}

function invalid(what: string): never {
  throw new HttpUsageError("ERR_INVALID_STATE", "Invalid state: " + what);
}

/**
 * A client's action after its side of an exchange moved (the parts given are the next state's): the
 * exchange is complete once its response was read (nothing open) and its request written whole.
 */
function exchangeEnd(reading: Reading, writing: Writing, open: number, reusable: boolean): ConnectionAction {
  if (open > 0 || writing !== "idle" && writing !== "closed") return "continue";
  return writing === "idle" && reusable && reading === "head" ? "idle" : "close";
}

/**
 * The next state, written out field by field: every transition runs on each request, and an object
 * literal of one fixed shape is cheaper than `{ ...state, field }` on JavaScriptCore (Bun hello server, A/B
 * with `bench/server --baseline`: 1.06x req/s, 0.95x CPU per request).
 */
function next(
  role: ConnectionRole,
  reading: Reading,
  writing: Writing,
  open: number,
  reusable: boolean,
  switching: boolean,
  action: ConnectionAction,
): ConnectionState {
  return { role, reading, writing, open, reusable, switching, action };
}
