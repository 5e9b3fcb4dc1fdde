/**
 * The protocol state of one HTTP/1.1 connection, as data: what the reading side expects next, how many
 * exchanges are open, and whether the connection may be reused. Both roles use it; the server and client
 * connection files keep the timers, queues and I/O and ask this module what each event means.
 *
 * Theory of operation (after hyper's `proto/h1/conn.rs` Reading/KA and h11's `_state.py`):
 *
 * - A {@linkcode ConnectionState} is an immutable value. Each event the caller observes (a head read, a
 *   message read, a message written, a 100 sent, the peer's EOF) goes through one transition function,
 *   which returns the next state and the one {@linkcode ConnectionAction} the caller must carry out. The
 *   caller never decides keep-alive, upgrade or close rules itself.
 * - `reading` walks `head → body → head` for every message. A head whose message asks to switch protocols
 *   makes the end of that message `switched` (hand the bytes that follow to the new protocol); a message
 *   that forbids reuse makes its end `closed` (read nothing more). A server that received
 *   `Expect: 100-continue` reads `continue` until it sends 100: the body may never come.
 * - `open` counts exchanges whose request went one way and whose response has not ended: the server opens
 *   one per request head read and closes it per response written; the client opens one per request
 *   written and closes it per response read. Pipelining is `open > 1`.
 * - `reusable` is false once any message has said the connection ends after it (RFC 9112 section 9.3).
 *
 * The transitions allocate one small object each; nothing here does I/O, keeps time or holds bytes.
 *
 * @module
 */

import { hasConnectionOption } from "./connection_tokens.ts";

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
   * Nothing more is read: the last message forbade reuse or the peer ended its side. RFC 9112 section
   * 9.6: "A server that receives a "close" connection option MUST initiate closure of the connection ...
   * after it sends the final response to the request that contained the "close" connection option ...
   * and MUST NOT process any further requests received on that connection."
   */
  | "closed"
  /** The bytes that follow belong to another protocol (upgrade or CONNECT tunnel). */
  | "switched";

/** The protocol state of one connection. Create with {@linkcode newConnectionState}. */
export interface ConnectionState {
  /** Which end we are. */
  readonly role: ConnectionRole;
  /** What the reading side expects next. */
  readonly reading: Reading;
  /** Exchanges started and not yet answered completely (more than one while pipelining). */
  readonly open: number;
  /** False once a message said the connection ends after it. */
  readonly reusable: boolean;
  /** The message being read switches protocols when it ends. */
  readonly switching: boolean;
}

/** What the caller must do after a transition. */
export type ConnectionAction =
  /** Nothing beyond the ordinary (deliver the message, keep reading). */
  | "continue"
  /** Nothing is open and more may come: the keep-alive clock starts. */
  | "idle"
  /** Read no further bytes as HTTP (the parser stops; later bytes are not processed). */
  | "stop-reading"
  /** Give the bytes after this message, and the socket, to the new protocol. */
  | "hand-over"
  /** Finish what is queued for writing, then close. */
  | "close"
  /** The peer ended inside a message: report the incomplete message (a server answers 400), then close. */
  | "reject";

/** One transition: the next state and what to do. */
export interface ConnectionStep {
  /** The state after the event. */
  readonly state: ConnectionState;
  /** What the caller does now. */
  readonly action: ConnectionAction;
}

/**
 * What a transition needs to know about a message head; a parsed `RequestHead` or `ResponseHead` has
 * all of it.
 */
export interface HeadFacts {
  /** The head allows reuse after its message (RFC 9112 section 9.3). */
  readonly keepAlive: boolean;
  /** The message switches protocols when it ends (see {@linkcode requestSwitchesProtocols}). */
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
 * console.log(state.reading, state.open, state.reusable); // head 0 true
 * ```
 */
export function newConnectionState(role: ConnectionRole): ConnectionState {
  return { role, reading: "head", open: 0, reusable: true, switching: false };
}

/**
 * A message head was read. The server opens an exchange; a head that forbids reuse makes the connection
 * end after this message; a server that got `Expect: 100-continue` waits in `continue`. RFC 9110 section
 * 10.1.1: "A server that receives a 100-continue expectation in an HTTP/1.0 request MUST ignore that
 * expectation."
 *
 * @example
 * ```ts
 * import { headRead, newConnectionState } from "@wire/http/core";
 * const { state, action } = headRead(newConnectionState("server"), {
 *   keepAlive: false,
 *   upgrade: false,
 *   versionMinor: 1,
 * });
 * console.log(state.reading, state.open, state.reusable, action); // body 1 false continue
 * ```
 */
export function headRead(state: ConnectionState, head: HeadFacts): ConnectionStep {
  const server = state.role === "server";
  return step(
    {
      role: state.role,
      reading: server && head.expectContinue === true && head.versionMinor !== 0 && !head.upgrade
        ? "continue"
        : "body",
      // A switching request leaves HTTP: no HTTP response will close an exchange for it.
      open: server && !head.upgrade ? state.open + 1 : state.open,
      reusable: state.reusable && head.keepAlive,
      switching: head.upgrade,
    },
    "continue",
  );
}

/**
 * The server sent `100 Continue`: the body the client held back is now on its way.
 *
 * @example
 * ```ts
 * import { continueSent, headRead, newConnectionState } from "@wire/http/core";
 * const facts = { keepAlive: true, upgrade: false, versionMinor: 1, expectContinue: true };
 * const s = headRead(newConnectionState("server"), facts);
 * console.log(s.state.reading, continueSent(s.state).state.reading); // continue body
 * ```
 */
export function continueSent(state: ConnectionState): ConnectionStep {
  return step(
    state.reading === "continue" ? with4(state, "body", state.open, state.reusable, state.switching) : state,
    "continue",
  );
}

/**
 * The message being read ended. The client closes an exchange. Then: a message that switches protocols
 * hands over; one that forbade reuse stops reading (RFC 9112 section 9.6); otherwise the next head may come.
 *
 * @example
 * ```ts
 * import { headRead, messageRead, newConnectionState } from "@wire/http/core";
 * let s = headRead(newConnectionState("server"), { keepAlive: false, upgrade: false, versionMinor: 1 });
 * s = messageRead(s.state);
 * console.log(s.state.reading, s.action); // closed stop-reading
 * ```
 */
export function messageRead(state: ConnectionState): ConnectionStep {
  const open = state.role === "client" ? Math.max(0, state.open - 1) : state.open;
  if (state.switching) return step(with4(state, "switched", open, state.reusable, false), "hand-over");
  if (!state.reusable) {
    // The client reads the last response of a connection that will not be reused: nothing is open.
    const action = state.role === "client" ? "close" : "stop-reading";
    return step(with4(state, "closed", open, state.reusable, state.switching), action);
  }
  const idle = open === 0 && state.role === "client";
  return step(with4(state, "head", open, state.reusable, state.switching), idle ? "idle" : "continue");
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
 * const s = headRead(newConnectionState("server"), facts);
 * console.log(mayKeepAlive(s.state, 0)); // false
 * ```
 */
export function mayKeepAlive(state: ConnectionState, later: number): boolean {
  if (later > 0) return true;
  if (!state.reusable || state.reading === "closed" || state.reading === "switched") return false;
  return state.reading !== "continue";
}

/**
 * The server stops reading on its own (after the last request `maxRequestsPerSocket` allows, once the
 * requests already received behind it are read to be refused): nothing more is read and the connection is
 * not reused; it closes once what is open is written.
 *
 * @example
 * ```ts
 * import { newConnectionState, readingStopped } from "@wire/http/core";
 * const { state, action } = readingStopped(newConnectionState("server"));
 * console.log(state.reading, state.reusable, action); // closed false stop-reading
 * ```
 */
export function readingStopped(state: ConnectionState): ConnectionStep {
  return step(
    with4(state, closedUnlessSwitched(state.reading), state.open, false, state.switching),
    "stop-reading",
  );
}

/**
 * Reading failed (a malformed message, a timeout): nothing more is read and the connection is not reused;
 * the caller reports the error (a server answers with its status) and closes.
 *
 * @example
 * ```ts
 * import { newConnectionState, readFailed } from "@wire/http/core";
 * const { state, action } = readFailed(newConnectionState("server"));
 * console.log(state.reading, action); // closed reject
 * ```
 */
export function readFailed(state: ConnectionState): ConnectionStep {
  return step(with4(state, "closed", state.open, false, false), "reject");
}

/**
 * A whole message was written; `keepAlive` says whether it promised reuse. The server closes an exchange,
 * the client opens one. A message that did not promise reuse closes the connection once written, as does
 * the server's last response after reading stopped; a server with nothing open and reading on goes idle.
 *
 * @example
 * ```ts
 * import { headRead, messageRead, messageWritten, newConnectionState } from "@wire/http/core";
 * let s = headRead(newConnectionState("server"), { keepAlive: true, upgrade: false, versionMinor: 1 });
 * s = messageRead(s.state);
 * console.log(messageWritten(s.state, true).action); // idle
 * console.log(messageWritten(s.state, false).action); // close
 * ```
 */
export function messageWritten(state: ConnectionState, keepAlive: boolean): ConnectionStep {
  const server = state.role === "server";
  const open = server ? Math.max(0, state.open - 1) : state.open + 1;
  if (!keepAlive) {
    // Whatever the peer sends after this message is not processed (RFC 9112 section 9.6).
    return step(with4(state, closedUnlessSwitched(state.reading), open, false, state.switching), "close");
  }
  if (server && open === 0 && (state.reading === "closed" || !state.reusable && state.reading === "head")) {
    return step(with4(state, state.reading, open, state.reusable, state.switching), "close");
  }
  const idle = server && open === 0 && state.reading === "head";
  return step(with4(state, state.reading, open, state.reusable, state.switching), idle ? "idle" : "continue");
}

/**
 * The peer ended its side (EOF). Between messages the connection ends once what is open is written (Node
 * servers do not allow half-open connections); inside a message it is rejected: RFC 9112 section 8: "A
 * message that uses a valid Content-Length is incomplete if the size of the message body received ... is
 * less than the value given by Content-Length", and Node answers such a request 400. `midHead` says
 * whether part of a head had arrived.
 *
 * @example
 * ```ts
 * import { headRead, newConnectionState, peerEnded } from "@wire/http/core";
 * const fresh = newConnectionState("server");
 * console.log(peerEnded(fresh, false).action); // close
 * const inBody = headRead(fresh, { keepAlive: true, upgrade: false, versionMinor: 1 }).state;
 * console.log(peerEnded(inBody, false).action); // reject
 * ```
 */
export function peerEnded(state: ConnectionState, midHead: boolean): ConnectionStep {
  const reading = state.reading;
  if (reading === "switched") return step(state, "continue");
  const next: ConnectionState = with4(state, "closed", state.open, false, false);
  if (reading === "body" || reading === "continue" || reading === "head" && midHead) {
    return step(next, "reject");
  }
  return step(next, "close");
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

function closedUnlessSwitched(reading: Reading): Reading {
  return reading === "switched" ? reading : "closed";
}

/**
 * The next state, written out field by field: every transition runs on each request, and an object
 * literal of one fixed shape is cheaper than `{ ...state, field }` on JavaScriptCore (Bun hello server, A/B
 * with `bench/server --baseline`: 1.06x req/s, 0.95x CPU per request).
 */
function with4(
  state: ConnectionState,
  reading: Reading,
  open: number,
  reusable: boolean,
  switching: boolean,
): ConnectionState {
  return { role: state.role, reading, open, reusable, switching };
}

function step(state: ConnectionState, action: ConnectionAction): ConnectionStep {
  return { state, action };
}
