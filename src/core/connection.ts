/**
 * The protocol state of one HTTP/1.1 connection, as one value: what the reading side expects next, where
 * the writing side is, how many exchanges are open, and whether the connection may be reused. Both roles
 * use it; the parsers advance its reading side, the server and client connection files advance its
 * writing side and carry out what each transition asks.
 *
 * Theory of operation (after hyper's `proto/h1/conn.rs` `Reading`/`Writing`/`KA` and h11's `_state.py`):
 *
 * - A {@linkcode ConnectionMachine} holds the state of one connection. Each event the caller observes (a
 *   head read, a message read, a head or a message written, a 100 sent or received, the peer's EOF) is one
 *   of its transition methods, which changes the state in place and returns the one
 *   {@linkcode ConnectionAction} the caller must carry out (also kept as `action`). The caller never
 *   decides keep-alive, upgrade or close rules itself. The state is a small mutable value rather than a
 *   new object per event because the transitions run four times per request on the hot path (and twice
 *   per message in a parser on its own: on Bun, two objects per message cost the parser about 5%);
 *   `copy()` takes a snapshot.
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
 * Events that make no sense in a state (a head written inside a message, anything written after a
 * hand-over) throw `ERR_INVALID_STATE` and change nothing. Nothing here does I/O, keeps time or holds
 * bytes.
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
  /**
   * An exchange completed, nothing is open and more may come: the keep-alive clock starts (a client's
   * socket may carry the next request).
   */
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

/**
 * The protocol state of one connection, as its readers see it (a {@linkcode ConnectionMachine}, or a
 * snapshot of one). Create with {@linkcode newConnectionState}.
 */
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
  /** What the last transition asked of the caller. */
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
export function newConnectionState(role: ConnectionRole): ConnectionMachine {
  return new ConnectionMachine(role);
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
 * import { mayKeepAlive, newConnectionState } from "@wire/http/core";
 * const state = newConnectionState("server");
 * state.headRead({ keepAlive: true, upgrade: false, versionMinor: 1, expectContinue: true });
 * console.log(mayKeepAlive(state, 0)); // false
 * ```
 */
export function mayKeepAlive(state: ConnectionState, later: number): boolean {
  if (later > 0) return true;
  if (!state.reusable || state.reading === "closed") return false;
  // A server whose reading switched while answers were owed goes on after them (to the hand-over).
  if (state.reading === "switched") return state.writing !== "switched";
  return state.reading !== "continue";
}

/**
 * The state machine of one connection: the {@linkcode ConnectionState} fields, changed in place by one
 * method per event, each returning what the caller must do. A parser holds one (its `state`); the
 * connection that drives the parser applies its own events to the same object.
 *
 * @example
 * ```ts
 * import { newConnectionState } from "@wire/http/core";
 * const server = newConnectionState("server");
 * server.headRead({ keepAlive: true, upgrade: false });
 * server.messageRead();
 * console.log(server.headWritten(), server.messageWritten(true)); // continue idle
 * ```
 */
export class ConnectionMachine implements ConnectionState {
  /** Which end we are. */
  readonly role: ConnectionRole;
  /** What the reading side expects next. */
  reading: Reading = "head";
  /** Where the writing side is. */
  writing: Writing = "idle";
  /** Exchanges started and not yet answered completely (more than one while pipelining). */
  open = 0;
  /** False once a message said the connection ends after it. */
  reusable = true;
  /** The message being read switches protocols when it ends. */
  switching = false;
  /** What the last transition asked of the caller. */
  action: ConnectionAction = "continue";

  /** A fresh connection for `role` (see {@linkcode newConnectionState}). */
  constructor(role: ConnectionRole) {
    this.role = role;
  }

  /**
   * A snapshot: an independent machine in the same state.
   *
   * @example
   * ```ts
   * import { newConnectionState } from "@wire/http/core";
   * const state = newConnectionState("client");
   * const before = state.copy();
   * state.headWritten();
   * console.log(before.writing, state.writing); // idle body
   * ```
   */
  copy(): ConnectionMachine {
    const copy = new ConnectionMachine(this.role);
    copy.reading = this.reading;
    copy.writing = this.writing;
    copy.open = this.open;
    copy.reusable = this.reusable;
    copy.switching = this.switching;
    copy.action = this.action;
    return copy;
  }

  // ---- the reading side ----

  /**
   * A final message head was read (not a 1xx interim one). The server opens an exchange; a head that
   * forbids reuse makes the connection end after this message; a server that got `Expect: 100-continue`
   * waits in `continue`. RFC 9110 section 10.1.1: "A server that receives a 100-continue expectation in
   * an HTTP/1.0 request MUST ignore that expectation." A client whose body still waits for a 100 drops it.
   * A head outside `head` throws `ERR_INVALID_STATE`.
   *
   * @example
   * ```ts
   * import { newConnectionState } from "@wire/http/core";
   * const state = newConnectionState("server");
   * const action = state.headRead({ keepAlive: false, upgrade: false, versionMinor: 1 });
   * console.log(state.reading, state.open, state.reusable, action); // body 1 false continue
   * ```
   */
  headRead(head: HeadFacts): ConnectionAction {
    if (this.reading !== "head") invalid("a head was read while reading " + this.reading);
    const upgrade = head.upgrade;
    this.switching = upgrade;
    this.reusable &&= head.keepAlive;
    if (this.role === "server") {
      this.reading = head.expectContinue === true && head.versionMinor !== 0 && !upgrade
        ? "continue"
        : "body";
      // A switching request leaves HTTP: no HTTP response will close an exchange for it.
      if (!upgrade) this.open++;
    } else {
      this.reading = "body";
      if (this.writing === "continue" && !upgrade) {
        // The server decided without the body it was waiting for: it is not sent, and whether the server
        // still expects it cannot be known, so the connection is not reused.
        this.writing = "dropping";
        this.reusable = false;
      }
    }
    return this.action = "continue";
  }

  /**
   * The server sent `100 Continue`: the body the client held back is now on its way. Outside `continue`
   * nothing changes.
   *
   * @example
   * ```ts
   * import { newConnectionState } from "@wire/http/core";
   * const state = newConnectionState("server");
   * state.headRead({ keepAlive: true, upgrade: false, versionMinor: 1, expectContinue: true });
   * console.log(state.reading, state.continueSent(), state.reading); // continue continue body
   * ```
   */
  continueSent(): ConnectionAction {
    if (this.reading === "continue") this.reading = "body";
    return this.action = "continue";
  }

  /**
   * The message being read ended. The client closes an exchange. Then: a message that switches protocols
   * hands over (both sides are `switched`; a server that still owes answers to earlier requests switches
   * its reading side only, and hands over once they are written); a server asked not to reuse the connection stops reading (RFC
   * 9112 section 9.6; a parser on its own, as a codec, reads on); an exchange now complete (client: its
   * request written too; server: its response written first) makes the connection `idle`, or `close`
   * when it may not be reused. Outside a message it throws `ERR_INVALID_STATE`.
   *
   * @example
   * ```ts
   * import { newConnectionState } from "@wire/http/core";
   * const state = newConnectionState("server");
   * state.headRead({ keepAlive: false, upgrade: false });
   * console.log(state.messageRead(), state.reading); // stop-reading head
   * ```
   */
  messageRead(): ConnectionAction {
    const reading = this.reading;
    if (reading !== "body" && reading !== "continue") invalid("a message ended while reading " + reading);
    if (this.role === "client" && this.open > 0) this.open--;
    if (this.switching) {
      this.switching = false;
      this.reading = "switched";
      // A server still owing answers to requests before this one (pipelined) writes them first: the
      // writing side switches when the last of them is written (messageWritten's hand-over), so the
      // 101 or 2xx comes in its request's turn.
      if (this.role === "server" && this.open > 0) return this.action = "continue";
      this.writing = "switched";
      return this.action = "hand-over";
    }
    this.reading = "head";
    if (this.role === "client") return this.action = this.#exchangeEnd();
    if (!this.reusable) return this.action = "stop-reading";
    // A handler may answer before the request's body has been read: the exchange completes here then.
    return this.action = this.open === 0 ? "idle" : "continue";
  }

  /**
   * The server stops reading on its own: after a message that forbade reuse (the `stop-reading` action),
   * or after the last request `maxRequestsPerSocket` allows. Nothing more is read and the connection is
   * not reused; it closes once what is open is written.
   *
   * @example
   * ```ts
   * import { newConnectionState } from "@wire/http/core";
   * const state = newConnectionState("server");
   * console.log(state.readingStopped(), state.reading, state.reusable); // stop-reading closed false
   * ```
   */
  readingStopped(): ConnectionAction {
    // A switch still waiting for earlier answers does not happen: the connection closes after them.
    if (this.reading !== "switched" || this.writing !== "switched") this.reading = "closed";
    this.reusable = false;
    this.switching = false;
    return this.action = "stop-reading";
  }

  /**
   * Reading failed (a malformed message, a timeout): nothing more is read and the connection is not
   * reused; the caller reports the error (a server answers with its status) and closes.
   *
   * @example
   * ```ts
   * import { newConnectionState } from "@wire/http/core";
   * const state = newConnectionState("server");
   * console.log(state.readFailed(), state.reading); // reject closed
   * ```
   */
  readFailed(): ConnectionAction {
    this.reading = "closed";
    this.reusable = false;
    this.switching = false;
    return this.action = "reject";
  }

  /**
   * The peer ended its side (EOF). Between messages the connection ends once what is open is written
   * (Node servers do not allow half-open connections); inside a message, or on a client still owed a
   * response, it is rejected: RFC 9112 section 8: "A message that uses a valid Content-Length is
   * incomplete if the size of the message body received ... is less than the value given by
   * Content-Length", and Node answers such a request 400 (a client reports "socket hang up"). `midHead`
   * says whether part of a head had arrived. After a hand-over the bytes are the new protocol's.
   *
   * @example
   * ```ts
   * import { newConnectionState } from "@wire/http/core";
   * console.log(newConnectionState("server").peerEnded(false)); // close
   * const inBody = newConnectionState("server");
   * inBody.headRead({ keepAlive: true, upgrade: false });
   * console.log(inBody.peerEnded(false)); // reject
   * ```
   */
  peerEnded(midHead: boolean): ConnectionAction {
    const reading = this.reading;
    this.reusable = false;
    this.switching = false;
    if (reading === "switched") return this.action = "continue";
    this.reading = "closed";
    const cut = reading === "body" || reading === "continue" || reading === "head" && midHead ||
      this.role === "client" && this.open > 0;
    return this.action = cut ? "reject" : "close";
  }

  // ---- the writing side ----

  /**
   * A final message head was written (interim 1xx heads are not messages). The client opens an exchange;
   * with `awaitContinue` (a request with `Expect: 100-continue` and a body) its body waits in `continue`.
   * A head inside a message being written, after the connection's last one, or a response with no
   * request open throws `ERR_INVALID_STATE`.
   *
   * @example
   * ```ts
   * import { newConnectionState } from "@wire/http/core";
   * const state = newConnectionState("client");
   * state.headWritten(true);
   * console.log(state.writing, state.open); // continue 1
   * ```
   */
  headWritten(awaitContinue = false): ConnectionAction {
    if (this.writing !== "idle") invalid("a head was written while writing " + this.writing);
    if (this.role === "server") {
      if (this.open === 0) invalid("a response was written with no request open");
      this.writing = "body";
    } else {
      this.writing = awaitContinue ? "continue" : "body";
      this.open++;
    }
    return this.action = "continue";
  }

  /**
   * A 100 came for the request whose body waits in `continue`: the body goes now. Elsewhere (a 100 nobody
   * waited for) nothing changes.
   *
   * @example
   * ```ts
   * import { newConnectionState } from "@wire/http/core";
   * const state = newConnectionState("client");
   * state.headWritten(true);
   * state.continueReceived();
   * console.log(state.writing); // body
   * ```
   */
  continueReceived(): ConnectionAction {
    if (this.writing === "continue") this.writing = "body";
    return this.action = "continue";
  }

  /**
   * A whole message was written; `keepAlive` says whether it promised reuse. From `idle` its head counts
   * as written with it. The server closes an exchange. A message that did not promise reuse ends the
   * writing side (`closed`) and the connection once written (a request still being read is read to its
   * end first), as does the server's last response after reading stopped; an exchange now complete makes
   * the connection `idle`. A server's answer written after the connection's last message (`closed`) asks
   * `close` again (an answer already queued still goes out first). Answers owed before a request that
   * switched protocols were read keep the connection (the last of them gives `hand-over`), unless one
   * does not promise reuse. It throws `ERR_INVALID_STATE` for a
   * server with no request open, for a client after its last request, while a body waits for a 100, and
   * after a hand-over.
   *
   * @example
   * ```ts
   * import { newConnectionState } from "@wire/http/core";
   * const state = newConnectionState("server");
   * state.headRead({ keepAlive: true, upgrade: false });
   * state.messageRead();
   * console.log(state.copy().messageWritten(false), state.messageWritten(true)); // close idle
   * ```
   */
  messageWritten(keepAlive: boolean): ConnectionAction {
    const writing = this.writing;
    if (writing === "continue" || writing === "switched") {
      invalid("a message was written while writing " + writing);
    }
    if (this.role === "client") {
      if (writing === "closed") invalid("a request was written after the connection's last one");
      if (writing === "idle") this.open++;
      const keep = keepAlive && writing !== "dropping" && this.reusable;
      this.writing = keep ? "idle" : "closed";
      this.reusable = keep;
      return this.action = this.#exchangeEnd();
    }
    if (this.open === 0) invalid("a response was written with no request open");
    this.open--;
    // An answer queued before the connection's last one went (Node writes it still): close again.
    if (writing === "closed") return this.action = "close";
    const reading = this.reading;
    if (reading === "switched") {
      // An answer to a request before the one that switches: the switch waits for the last of them. One
      // that closes the connection ends it there; the switching request is never answered.
      if (!keepAlive) {
        this.reading = this.writing = "closed";
        this.reusable = false;
        return this.action = "close";
      }
      this.writing = this.open === 0 ? "switched" : "idle";
      return this.action = this.open === 0 ? "hand-over" : "continue";
    }
    if (!keepAlive) {
      // Whatever the peer sends after this message is not processed (RFC 9112 section 9.6); a request
      // still being read is read to its end first (messageRead then stops reading).
      if (reading === "head") this.reading = "closed";
      this.writing = "closed";
      this.reusable = false;
      return this.action = "close";
    }
    if (this.open === 0 && (reading === "closed" || !this.reusable && reading === "head")) {
      this.reading = this.writing = "closed";
      this.reusable = false;
      return this.action = "close";
    }
    this.writing = "idle";
    return this.action = this.open === 0 && reading === "head" ? "idle" : "continue";
  }

  /**
   * A client's action after its side of an exchange moved: the exchange is complete once its response
   * was read (nothing open) and its request written whole.
   */
  #exchangeEnd(): ConnectionAction {
    const writing = this.writing;
    if (this.open > 0 || writing !== "idle" && writing !== "closed") return "continue";
    return writing === "idle" && this.reusable && this.reading === "head" ? "idle" : "close";
  }
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
