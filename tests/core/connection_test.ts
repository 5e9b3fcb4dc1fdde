/**
 * The connection rules of src/core/connection.ts, without sockets. First the transition tables: for each
 * role, states reached by a short history of events, and for every event the next state and its action,
 * or `ERR_INVALID_STATE` for an event that cannot happen there (which then changes nothing); a state is
 * written
 * `reading writing open reusable|last [switching] > action`. Then whole exchanges in both orders, the
 * parsers advancing the same state, and the upgrade/keep-alive decisions. The request-side rules are also
 * checked end to end in tests/server/connection_rules_test.ts, the client's in
 * tests/client/keep_alive_rules_test.ts.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import {
  type ConnectionAction,
  type ConnectionMachine,
  type ConnectionRole,
  type ConnectionState,
  type HeadFacts,
  isHttpError,
  mayKeepAlive,
  newConnectionState,
  offersProtocol,
  RequestParser,
  requestSwitchesProtocols,
  ResponseParser,
  responseSwitchesProtocols,
} from "../../src/core/mod.ts";
import { hasConnectionOption } from "../../src/core/connection_tokens.ts";
import { latin1 } from "../_net.ts";

const plain: HeadFacts = { keepAlive: true, upgrade: false, versionMinor: 1, expectContinue: false };
const closing: HeadFacts = { keepAlive: false, upgrade: false, versionMinor: 1, expectContinue: false };
const upgrading: HeadFacts = { keepAlive: true, upgrade: true, versionMinor: 1, expectContinue: false };
const expecting: HeadFacts = { keepAlive: true, upgrade: false, versionMinor: 1, expectContinue: true };

/** A state as the tables write it. */
function show(s: ConnectionState): string {
  const reuse = s.reusable ? "reusable" : "last";
  return `${s.reading} ${s.writing} ${s.open} ${reuse}${s.switching ? " switching" : ""} > ${s.action}`;
}

const EVENTS: Record<string, (s: ConnectionMachine) => ConnectionAction> = {
  "headRead(plain)": (s) => s.headRead(plain),
  "headRead(close)": (s) => s.headRead(closing),
  "headRead(upgrade)": (s) => s.headRead(upgrading),
  "headRead(expect)": (s) => s.headRead(expecting),
  "messageRead": (s) => s.messageRead(),
  "continueSent": (s) => s.continueSent(),
  "continueReceived": (s) => s.continueReceived(),
  "readingStopped": (s) => s.readingStopped(),
  "readFailed": (s) => s.readFailed(),
  "peerEnded": (s) => s.peerEnded(false),
  "peerEnded(midHead)": (s) => s.peerEnded(true),
  "headWritten": (s) => s.headWritten(),
  "headWritten(await100)": (s) => s.headWritten(true),
  "messageWritten(keep)": (s) => s.messageWritten(true),
  "messageWritten(close)": (s) => s.messageWritten(false),
};

/** A fresh state of `role` after `events`, in order. */
function after(role: ConnectionRole, ...events: string[]): ConnectionMachine {
  const state = newConnectionState(role);
  for (const event of events) EVENTS[event]!(state);
  return state;
}

/** The states each table starts from, by the events that lead there. */
function serverStates(): Record<string, ConnectionMachine> {
  const s = (...events: string[]) => after("server", ...events);
  return {
    fresh: s(),
    body: s("headRead(plain)"),
    continue: s("headRead(expect)"),
    upgradeBody: s("headRead(upgrade)"),
    read: s("headRead(plain)", "messageRead"),
    readLast: s("headRead(close)", "messageRead"),
    stopped: s("headRead(close)", "messageRead", "readingStopped"),
    answering: s("headRead(plain)", "messageRead", "headWritten"),
    answeringEarly: s("headRead(plain)", "headWritten"),
    pipelined: s("headRead(plain)", "messageRead", "headRead(plain)", "messageRead"),
    switched: s("headRead(upgrade)", "messageRead"),
    switchedOwing: s("headRead(plain)", "messageRead", "headRead(upgrade)", "messageRead"),
    failed: s("headRead(plain)", "readFailed"),
    ended: s("headRead(plain)", "messageRead", "peerEnded"),
    closedWriting: s("headRead(plain)", "messageRead", "headWritten", "messageWritten(close)"),
  };
}

function clientStates(): Record<string, ConnectionMachine> {
  const c = (...events: string[]) => after("client", ...events);
  return {
    fresh: c(),
    sending: c("headWritten"),
    holding: c("headWritten(await100)"),
    sent: c("headWritten", "messageWritten(keep)"),
    sentLast: c("headWritten", "messageWritten(close)"),
    body: c("headWritten", "messageWritten(keep)", "headRead(plain)"),
    bodyEarly: c("headWritten", "headRead(plain)"),
    dropping: c("headWritten(await100)", "headRead(plain)"),
    upgradeBody: c("headWritten", "messageWritten(keep)", "headRead(upgrade)"),
    switched: c("headWritten", "messageWritten(keep)", "headRead(upgrade)", "messageRead"),
    readEarly: c("headWritten", "headRead(plain)", "messageRead"),
    failed: c("headWritten", "messageWritten(keep)", "headRead(plain)", "readFailed"),
  };
}

/**
 * What `event` makes of (a copy of) `state`: the next state as the tables write it, or the error's code;
 * an error leaves the state as it was, and the action returned is the one the state keeps.
 */
function outcome(state: ConnectionMachine, event: string): string {
  const next = state.copy();
  try {
    const action = EVENTS[event]!(next);
    assert.equal(next.action, action);
    return show(next);
  } catch (err) {
    assert.ok(isHttpError(err), String(err));
    assert.equal(show(next), show(state), "an illegal event changes nothing");
    return err.code;
  }
}

function checkTable(
  role: ConnectionRole,
  states: Record<string, ConnectionMachine>,
  table: Record<string, Record<string, string>>,
): void {
  assert.deepEqual(Object.keys(states), Object.keys(table));
  for (const [name, rows] of Object.entries(table)) {
    const state = states[name]!;
    assert.equal(state.role, role);
    assert.equal(show(state), rows["(state)"], name);
    for (const [event, expected] of Object.entries(rows)) {
      if (event === "(state)") continue;
      assert.equal(outcome(state, event), expected, `${role} ${name} + ${event}`);
    }
  }
}

// The server's table. What to read in it: a request head opens an exchange (not a switching one); a
// response written closes one, `idle` once nothing is open and the next head may come, `close` when the
// connection may not go on; a head or message written with no request open, or a head inside a message
// being written, is an error; the peer's EOF inside a message (or a head) is a `reject`.
const SERVER_TABLE: Record<string, Record<string, string>> = {
  fresh: {
    "(state)": "head idle 0 reusable > continue",
    "headRead(plain)": "body idle 1 reusable > continue",
    "headRead(close)": "body idle 1 last > continue",
    "headRead(upgrade)": "body idle 0 reusable switching > continue",
    "headRead(expect)": "continue idle 1 reusable > continue",
    "messageRead": "ERR_INVALID_STATE",
    "continueSent": "head idle 0 reusable > continue",
    "readingStopped": "closed idle 0 last > stop-reading",
    "readFailed": "closed idle 0 last > reject",
    "peerEnded": "closed idle 0 last > close",
    "peerEnded(midHead)": "closed idle 0 last > reject",
    "headWritten": "ERR_INVALID_STATE",
    "messageWritten(keep)": "ERR_INVALID_STATE",
    "messageWritten(close)": "ERR_INVALID_STATE",
  },
  body: {
    "(state)": "body idle 1 reusable > continue",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "head idle 1 reusable > continue",
    "continueSent": "body idle 1 reusable > continue",
    "readingStopped": "closed idle 1 last > stop-reading",
    "readFailed": "closed idle 1 last > reject",
    "peerEnded": "closed idle 1 last > reject",
    "peerEnded(midHead)": "closed idle 1 last > reject",
    "headWritten": "body body 1 reusable > continue",
    "messageWritten(keep)": "body idle 0 reusable > continue",
    "messageWritten(close)": "body closed 0 last > close",
  },
  continue: {
    "(state)": "continue idle 1 reusable > continue",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "head idle 1 reusable > continue",
    "continueSent": "body idle 1 reusable > continue",
    "readingStopped": "closed idle 1 last > stop-reading",
    "readFailed": "closed idle 1 last > reject",
    "peerEnded": "closed idle 1 last > reject",
    "peerEnded(midHead)": "closed idle 1 last > reject",
    "headWritten": "continue body 1 reusable > continue",
    "messageWritten(keep)": "continue idle 0 reusable > continue",
    "messageWritten(close)": "continue closed 0 last > close",
  },
  upgradeBody: {
    "(state)": "body idle 0 reusable switching > continue",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "switched switched 0 reusable > hand-over",
    "continueSent": "body idle 0 reusable switching > continue",
    "readingStopped": "closed idle 0 last > stop-reading",
    "readFailed": "closed idle 0 last > reject",
    "peerEnded": "closed idle 0 last > reject",
    "peerEnded(midHead)": "closed idle 0 last > reject",
    "headWritten": "ERR_INVALID_STATE",
    "messageWritten(keep)": "ERR_INVALID_STATE",
    "messageWritten(close)": "ERR_INVALID_STATE",
  },
  read: {
    "(state)": "head idle 1 reusable > continue",
    "headRead(plain)": "body idle 2 reusable > continue",
    "headRead(close)": "body idle 2 last > continue",
    "headRead(upgrade)": "body idle 1 reusable switching > continue",
    "headRead(expect)": "continue idle 2 reusable > continue",
    "messageRead": "ERR_INVALID_STATE",
    "continueSent": "head idle 1 reusable > continue",
    "readingStopped": "closed idle 1 last > stop-reading",
    "readFailed": "closed idle 1 last > reject",
    "peerEnded": "closed idle 1 last > close",
    "peerEnded(midHead)": "closed idle 1 last > reject",
    "headWritten": "head body 1 reusable > continue",
    "messageWritten(keep)": "head idle 0 reusable > idle",
    "messageWritten(close)": "closed closed 0 last > close",
  },
  readLast: {
    "(state)": "head idle 1 last > stop-reading",
    "headRead(plain)": "body idle 2 last > continue",
    "headRead(close)": "body idle 2 last > continue",
    "headRead(upgrade)": "body idle 1 last switching > continue",
    "headRead(expect)": "continue idle 2 last > continue",
    "messageRead": "ERR_INVALID_STATE",
    "continueSent": "head idle 1 last > continue",
    "readingStopped": "closed idle 1 last > stop-reading",
    "readFailed": "closed idle 1 last > reject",
    "peerEnded": "closed idle 1 last > close",
    "peerEnded(midHead)": "closed idle 1 last > reject",
    "headWritten": "head body 1 last > continue",
    "messageWritten(keep)": "closed closed 0 last > close",
    "messageWritten(close)": "closed closed 0 last > close",
  },
  stopped: {
    "(state)": "closed idle 1 last > stop-reading",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "ERR_INVALID_STATE",
    "continueSent": "closed idle 1 last > continue",
    "readingStopped": "closed idle 1 last > stop-reading",
    "readFailed": "closed idle 1 last > reject",
    "peerEnded": "closed idle 1 last > close",
    "peerEnded(midHead)": "closed idle 1 last > close",
    "headWritten": "closed body 1 last > continue",
    "messageWritten(keep)": "closed closed 0 last > close",
    "messageWritten(close)": "closed closed 0 last > close",
  },
  answering: {
    "(state)": "head body 1 reusable > continue",
    "headRead(plain)": "body body 2 reusable > continue",
    "headRead(close)": "body body 2 last > continue",
    "headRead(upgrade)": "body body 1 reusable switching > continue",
    "headRead(expect)": "continue body 2 reusable > continue",
    "messageRead": "ERR_INVALID_STATE",
    "continueSent": "head body 1 reusable > continue",
    "readingStopped": "closed body 1 last > stop-reading",
    "readFailed": "closed body 1 last > reject",
    "peerEnded": "closed body 1 last > close",
    "peerEnded(midHead)": "closed body 1 last > reject",
    "headWritten": "ERR_INVALID_STATE",
    "messageWritten(keep)": "head idle 0 reusable > idle",
    "messageWritten(close)": "closed closed 0 last > close",
  },
  answeringEarly: {
    "(state)": "body body 1 reusable > continue",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "head body 1 reusable > continue",
    "continueSent": "body body 1 reusable > continue",
    "readingStopped": "closed body 1 last > stop-reading",
    "readFailed": "closed body 1 last > reject",
    "peerEnded": "closed body 1 last > reject",
    "peerEnded(midHead)": "closed body 1 last > reject",
    "headWritten": "ERR_INVALID_STATE",
    "messageWritten(keep)": "body idle 0 reusable > continue",
    "messageWritten(close)": "body closed 0 last > close",
  },
  pipelined: {
    "(state)": "head idle 2 reusable > continue",
    "headRead(plain)": "body idle 3 reusable > continue",
    "headRead(close)": "body idle 3 last > continue",
    "headRead(upgrade)": "body idle 2 reusable switching > continue",
    "headRead(expect)": "continue idle 3 reusable > continue",
    "messageRead": "ERR_INVALID_STATE",
    "continueSent": "head idle 2 reusable > continue",
    "readingStopped": "closed idle 2 last > stop-reading",
    "readFailed": "closed idle 2 last > reject",
    "peerEnded": "closed idle 2 last > close",
    "peerEnded(midHead)": "closed idle 2 last > reject",
    "headWritten": "head body 2 reusable > continue",
    "messageWritten(keep)": "head idle 1 reusable > continue",
    "messageWritten(close)": "closed closed 1 last > close",
  },
  switched: {
    "(state)": "switched switched 0 reusable > hand-over",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "ERR_INVALID_STATE",
    "continueSent": "switched switched 0 reusable > continue",
    "readingStopped": "switched switched 0 last > stop-reading",
    "readFailed": "closed switched 0 last > reject",
    "peerEnded": "switched switched 0 last > continue",
    "peerEnded(midHead)": "switched switched 0 last > continue",
    "headWritten": "ERR_INVALID_STATE",
    "messageWritten(keep)": "ERR_INVALID_STATE",
    "messageWritten(close)": "ERR_INVALID_STATE",
  },
  // A switching request read while an earlier one is still unanswered: the hand-over waits for that answer.
  switchedOwing: {
    "(state)": "switched idle 1 reusable > continue",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "ERR_INVALID_STATE",
    "continueSent": "switched idle 1 reusable > continue",
    "readingStopped": "closed idle 1 last > stop-reading",
    "readFailed": "closed idle 1 last > reject",
    "peerEnded": "switched idle 1 last > continue",
    "peerEnded(midHead)": "switched idle 1 last > continue",
    "headWritten": "switched body 1 reusable > continue",
    "messageWritten(keep)": "switched switched 0 reusable > hand-over",
    "messageWritten(close)": "closed closed 0 last > close",
  },
  failed: {
    "(state)": "closed idle 1 last > reject",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "ERR_INVALID_STATE",
    "continueSent": "closed idle 1 last > continue",
    "readingStopped": "closed idle 1 last > stop-reading",
    "readFailed": "closed idle 1 last > reject",
    "peerEnded": "closed idle 1 last > close",
    "peerEnded(midHead)": "closed idle 1 last > close",
    "headWritten": "closed body 1 last > continue",
    "messageWritten(keep)": "closed closed 0 last > close",
    "messageWritten(close)": "closed closed 0 last > close",
  },
  ended: {
    "(state)": "closed idle 1 last > close",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "ERR_INVALID_STATE",
    "continueSent": "closed idle 1 last > continue",
    "readingStopped": "closed idle 1 last > stop-reading",
    "readFailed": "closed idle 1 last > reject",
    "peerEnded": "closed idle 1 last > close",
    "peerEnded(midHead)": "closed idle 1 last > close",
    "headWritten": "closed body 1 last > continue",
    "messageWritten(keep)": "closed closed 0 last > close",
    "messageWritten(close)": "closed closed 0 last > close",
  },
  closedWriting: {
    "(state)": "closed closed 0 last > close",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "ERR_INVALID_STATE",
    "continueSent": "closed closed 0 last > continue",
    "readingStopped": "closed closed 0 last > stop-reading",
    "readFailed": "closed closed 0 last > reject",
    "peerEnded": "closed closed 0 last > close",
    "peerEnded(midHead)": "closed closed 0 last > close",
    "headWritten": "ERR_INVALID_STATE",
    "messageWritten(keep)": "ERR_INVALID_STATE",
    "messageWritten(close)": "ERR_INVALID_STATE",
  },
};

// The client's table. What to read in it: a request head written opens an exchange, its response read
// closes it; the exchange ends (`idle` or `close`) when both are done, in either order; a final response
// before the 100 drops the held body and the connection's reuse; the peer's EOF while a response is owed
// is a `reject`.
const CLIENT_TABLE: Record<string, Record<string, string>> = {
  fresh: {
    "(state)": "head idle 0 reusable > continue",
    "headRead(plain)": "body idle 0 reusable > continue",
    "headRead(close)": "body idle 0 last > continue",
    "headRead(upgrade)": "body idle 0 reusable switching > continue",
    "headRead(expect)": "body idle 0 reusable > continue",
    "messageRead": "ERR_INVALID_STATE",
    "continueReceived": "head idle 0 reusable > continue",
    "readingStopped": "closed idle 0 last > stop-reading",
    "readFailed": "closed idle 0 last > reject",
    "peerEnded": "closed idle 0 last > close",
    "peerEnded(midHead)": "closed idle 0 last > reject",
    "headWritten": "head body 1 reusable > continue",
    "headWritten(await100)": "head continue 1 reusable > continue",
    "messageWritten(keep)": "head idle 1 reusable > continue",
    "messageWritten(close)": "head closed 1 last > continue",
  },
  sending: {
    "(state)": "head body 1 reusable > continue",
    "headRead(plain)": "body body 1 reusable > continue",
    "headRead(close)": "body body 1 last > continue",
    "headRead(upgrade)": "body body 1 reusable switching > continue",
    "headRead(expect)": "body body 1 reusable > continue",
    "messageRead": "ERR_INVALID_STATE",
    "continueReceived": "head body 1 reusable > continue",
    "readingStopped": "closed body 1 last > stop-reading",
    "readFailed": "closed body 1 last > reject",
    "peerEnded": "closed body 1 last > reject",
    "peerEnded(midHead)": "closed body 1 last > reject",
    "headWritten": "ERR_INVALID_STATE",
    "headWritten(await100)": "ERR_INVALID_STATE",
    "messageWritten(keep)": "head idle 1 reusable > continue",
    "messageWritten(close)": "head closed 1 last > continue",
  },
  holding: {
    "(state)": "head continue 1 reusable > continue",
    "headRead(plain)": "body dropping 1 last > continue",
    "headRead(close)": "body dropping 1 last > continue",
    "headRead(upgrade)": "body continue 1 reusable switching > continue",
    "headRead(expect)": "body dropping 1 last > continue",
    "messageRead": "ERR_INVALID_STATE",
    "continueReceived": "head body 1 reusable > continue",
    "readingStopped": "closed continue 1 last > stop-reading",
    "readFailed": "closed continue 1 last > reject",
    "peerEnded": "closed continue 1 last > reject",
    "peerEnded(midHead)": "closed continue 1 last > reject",
    "headWritten": "ERR_INVALID_STATE",
    "headWritten(await100)": "ERR_INVALID_STATE",
    "messageWritten(keep)": "ERR_INVALID_STATE",
    "messageWritten(close)": "ERR_INVALID_STATE",
  },
  sent: {
    "(state)": "head idle 1 reusable > continue",
    "headRead(plain)": "body idle 1 reusable > continue",
    "headRead(close)": "body idle 1 last > continue",
    "headRead(upgrade)": "body idle 1 reusable switching > continue",
    "headRead(expect)": "body idle 1 reusable > continue",
    "messageRead": "ERR_INVALID_STATE",
    "continueReceived": "head idle 1 reusable > continue",
    "readingStopped": "closed idle 1 last > stop-reading",
    "readFailed": "closed idle 1 last > reject",
    "peerEnded": "closed idle 1 last > reject",
    "peerEnded(midHead)": "closed idle 1 last > reject",
    "headWritten": "head body 2 reusable > continue",
    "headWritten(await100)": "head continue 2 reusable > continue",
    "messageWritten(keep)": "head idle 2 reusable > continue",
    "messageWritten(close)": "head closed 2 last > continue",
  },
  sentLast: {
    "(state)": "head closed 1 last > continue",
    "headRead(plain)": "body closed 1 last > continue",
    "headRead(close)": "body closed 1 last > continue",
    "headRead(upgrade)": "body closed 1 last switching > continue",
    "headRead(expect)": "body closed 1 last > continue",
    "messageRead": "ERR_INVALID_STATE",
    "continueReceived": "head closed 1 last > continue",
    "readingStopped": "closed closed 1 last > stop-reading",
    "readFailed": "closed closed 1 last > reject",
    "peerEnded": "closed closed 1 last > reject",
    "peerEnded(midHead)": "closed closed 1 last > reject",
    "headWritten": "ERR_INVALID_STATE",
    "headWritten(await100)": "ERR_INVALID_STATE",
    "messageWritten(keep)": "ERR_INVALID_STATE",
    "messageWritten(close)": "ERR_INVALID_STATE",
  },
  body: {
    "(state)": "body idle 1 reusable > continue",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "head idle 0 reusable > idle",
    "continueReceived": "body idle 1 reusable > continue",
    "readingStopped": "closed idle 1 last > stop-reading",
    "readFailed": "closed idle 1 last > reject",
    "peerEnded": "closed idle 1 last > reject",
    "peerEnded(midHead)": "closed idle 1 last > reject",
    "headWritten": "body body 2 reusable > continue",
    "headWritten(await100)": "body continue 2 reusable > continue",
    "messageWritten(keep)": "body idle 2 reusable > continue",
    "messageWritten(close)": "body closed 2 last > continue",
  },
  bodyEarly: {
    "(state)": "body body 1 reusable > continue",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "head body 0 reusable > continue",
    "continueReceived": "body body 1 reusable > continue",
    "readingStopped": "closed body 1 last > stop-reading",
    "readFailed": "closed body 1 last > reject",
    "peerEnded": "closed body 1 last > reject",
    "peerEnded(midHead)": "closed body 1 last > reject",
    "headWritten": "ERR_INVALID_STATE",
    "headWritten(await100)": "ERR_INVALID_STATE",
    "messageWritten(keep)": "body idle 1 reusable > continue",
    "messageWritten(close)": "body closed 1 last > continue",
  },
  dropping: {
    "(state)": "body dropping 1 last > continue",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "head dropping 0 last > continue",
    "continueReceived": "body dropping 1 last > continue",
    "readingStopped": "closed dropping 1 last > stop-reading",
    "readFailed": "closed dropping 1 last > reject",
    "peerEnded": "closed dropping 1 last > reject",
    "peerEnded(midHead)": "closed dropping 1 last > reject",
    "headWritten": "ERR_INVALID_STATE",
    "headWritten(await100)": "ERR_INVALID_STATE",
    "messageWritten(keep)": "body closed 1 last > continue",
    "messageWritten(close)": "body closed 1 last > continue",
  },
  upgradeBody: {
    "(state)": "body idle 1 reusable switching > continue",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "switched switched 0 reusable > hand-over",
    "continueReceived": "body idle 1 reusable switching > continue",
    "readingStopped": "closed idle 1 last > stop-reading",
    "readFailed": "closed idle 1 last > reject",
    "peerEnded": "closed idle 1 last > reject",
    "peerEnded(midHead)": "closed idle 1 last > reject",
    "headWritten": "body body 2 reusable switching > continue",
    "headWritten(await100)": "body continue 2 reusable switching > continue",
    "messageWritten(keep)": "body idle 2 reusable switching > continue",
    "messageWritten(close)": "body closed 2 last switching > continue",
  },
  switched: {
    "(state)": "switched switched 0 reusable > hand-over",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "ERR_INVALID_STATE",
    "continueReceived": "switched switched 0 reusable > continue",
    "readingStopped": "switched switched 0 last > stop-reading",
    "readFailed": "closed switched 0 last > reject",
    "peerEnded": "switched switched 0 last > continue",
    "peerEnded(midHead)": "switched switched 0 last > continue",
    "headWritten": "ERR_INVALID_STATE",
    "headWritten(await100)": "ERR_INVALID_STATE",
    "messageWritten(keep)": "ERR_INVALID_STATE",
    "messageWritten(close)": "ERR_INVALID_STATE",
  },
  readEarly: {
    "(state)": "head body 0 reusable > continue",
    "headRead(plain)": "body body 0 reusable > continue",
    "headRead(close)": "body body 0 last > continue",
    "headRead(upgrade)": "body body 0 reusable switching > continue",
    "headRead(expect)": "body body 0 reusable > continue",
    "messageRead": "ERR_INVALID_STATE",
    "continueReceived": "head body 0 reusable > continue",
    "readingStopped": "closed body 0 last > stop-reading",
    "readFailed": "closed body 0 last > reject",
    "peerEnded": "closed body 0 last > close",
    "peerEnded(midHead)": "closed body 0 last > reject",
    "headWritten": "ERR_INVALID_STATE",
    "headWritten(await100)": "ERR_INVALID_STATE",
    "messageWritten(keep)": "head idle 0 reusable > idle",
    "messageWritten(close)": "head closed 0 last > close",
  },
  failed: {
    "(state)": "closed idle 1 last > reject",
    "headRead(plain)": "ERR_INVALID_STATE",
    "headRead(close)": "ERR_INVALID_STATE",
    "headRead(upgrade)": "ERR_INVALID_STATE",
    "headRead(expect)": "ERR_INVALID_STATE",
    "messageRead": "ERR_INVALID_STATE",
    "continueReceived": "closed idle 1 last > continue",
    "readingStopped": "closed idle 1 last > stop-reading",
    "readFailed": "closed idle 1 last > reject",
    "peerEnded": "closed idle 1 last > reject",
    "peerEnded(midHead)": "closed idle 1 last > reject",
    "headWritten": "closed body 2 last > continue",
    "headWritten(await100)": "closed continue 2 last > continue",
    "messageWritten(keep)": "closed closed 2 last > continue",
    "messageWritten(close)": "closed closed 2 last > continue",
  },
};

test("server: every event from every state (the transition table)", () => {
  checkTable("server", serverStates(), SERVER_TABLE);
});

test("client: every event from every state (the transition table)", () => {
  checkTable("client", clientStates(), CLIENT_TABLE);
});

/** Runs `events` in order from a fresh state of `role`; returns the states as the tables write them. */
function walk(role: ConnectionRole, ...events: string[]): string[] {
  const state = newConnectionState(role);
  return events.map((event) => {
    EVENTS[event]!(state);
    return show(state);
  });
}

test("server: a keep-alive exchange, answered after the request or before its end", () => {
  assert.deepEqual(walk("server", "headRead(plain)", "messageRead", "headWritten", "messageWritten(keep)"), [
    "body idle 1 reusable > continue",
    "head idle 1 reusable > continue",
    "head body 1 reusable > continue",
    "head idle 0 reusable > idle",
  ]);
  // The handler answers inside the request's 'request' event: the exchange completes at its end.
  assert.deepEqual(walk("server", "headRead(plain)", "headWritten", "messageWritten(keep)", "messageRead"), [
    "body idle 1 reusable > continue",
    "body body 1 reusable > continue",
    "body idle 0 reusable > continue",
    "head idle 0 reusable > idle",
  ]);
});

test("server: after Connection: close the request is read whole, then reading stops (RFC 9112 9.6)", () => {
  // Answered early: the rest of the request is still read, then nothing more.
  assert.deepEqual(walk("server", "headRead(close)", "headWritten", "messageWritten(close)", "messageRead"), [
    "body idle 1 last > continue",
    "body body 1 last > continue",
    "body closed 0 last > close",
    "head closed 0 last > stop-reading",
  ]);
  assert.deepEqual(
    walk("server", "headRead(close)", "messageRead", "readingStopped", "messageWritten(keep)"),
    [
      "body idle 1 last > continue",
      "head idle 1 last > stop-reading",
      "closed idle 1 last > stop-reading",
      "closed closed 0 last > close",
    ],
  );
});

test("server: pipelining keeps earlier answers keep-alive when a later request says close", () => {
  const state = after("server", "headRead(plain)", "messageRead", "headRead(close)", "messageRead");
  assert.equal(state.open, 2);
  // The first answer has a request after it: the connection goes on for that one.
  assert.equal(mayKeepAlive(state, 1), true);
  assert.equal(state.messageWritten(true), "continue");
  assert.equal(state.open, 1);
  assert.equal(mayKeepAlive(state, 0), false);
  assert.equal(state.messageWritten(false), "close");
});

test("server: a switching request behind an unanswered one hands over after that answer, which keeps the connection", () => {
  const state = after("server", "headRead(plain)", "messageRead", "headRead(upgrade)", "messageRead");
  assert.equal(state.action, "continue");
  // The answer owed goes first and promises reuse: the connection goes on, to the switch.
  assert.equal(mayKeepAlive(state, 0), true);
  state.headWritten();
  assert.equal(state.messageWritten(true), "hand-over");
  assert.equal(mayKeepAlive(state, 0), false);
});

test("server: 100-continue waits in 'continue' until 100 is sent; answering first forbids reuse", () => {
  const state = after("server", "headRead(expect)");
  assert.equal(mayKeepAlive(state, 0), false);
  state.continueSent();
  assert.equal(mayKeepAlive(state, 0), true);
  // RFC 9110 10.1.1: an HTTP/1.0 request's 100-continue is ignored; its body just comes.
  const http10 = newConnectionState("server");
  http10.headRead({ ...expecting, versionMinor: 0 });
  assert.equal(http10.reading, "body");
  // A client never waits in 'continue' when reading (it is its writing side that waits for the 100).
  assert.equal(after("client", "headRead(expect)").reading, "body");
});

test("server: a switching message hands over when it ends, after its body, and opens no exchange", () => {
  assert.deepEqual(walk("server", "headRead(upgrade)", "messageRead", "peerEnded"), [
    "body idle 0 reusable switching > continue",
    "switched switched 0 reusable > hand-over",
    "switched switched 0 last > continue",
  ]);
});

test("client: the exchange ends when the request is written and the response read, in either order", () => {
  assert.deepEqual(walk("client", "headWritten", "messageWritten(keep)", "headRead(plain)", "messageRead"), [
    "head body 1 reusable > continue",
    "head idle 1 reusable > continue",
    "body idle 1 reusable > continue",
    "head idle 0 reusable > idle",
  ]);
  // The server answered before the request body was sent whole.
  assert.deepEqual(walk("client", "headWritten", "headRead(plain)", "messageRead", "messageWritten(keep)"), [
    "head body 1 reusable > continue",
    "body body 1 reusable > continue",
    "head body 0 reusable > continue",
    "head idle 0 reusable > idle",
  ]);
  // Either side said close.
  assert.equal(
    walk("client", "headWritten", "messageWritten(close)", "headRead(plain)", "messageRead")[3],
    "head closed 0 last > close",
  );
  assert.equal(
    walk("client", "headWritten", "messageWritten(keep)", "headRead(close)", "messageRead")[3],
    "head idle 0 last > close",
  );
});

test("client: 100-continue holds the body; a 100 sends it, a final status drops it (RFC 9110 10.1.1)", () => {
  assert.deepEqual(
    walk(
      "client",
      "headWritten(await100)",
      "continueReceived",
      "messageWritten(keep)",
      "headRead(plain)",
      "messageRead",
    ),
    [
      "head continue 1 reusable > continue",
      "head body 1 reusable > continue",
      "head idle 1 reusable > continue",
      "body idle 1 reusable > continue",
      "head idle 0 reusable > idle",
    ],
  );
  assert.deepEqual(
    walk("client", "headWritten(await100)", "headRead(plain)", "messageRead", "messageWritten(keep)"),
    [
      "head continue 1 reusable > continue",
      "body dropping 1 last > continue",
      "head dropping 0 last > continue",
      "head closed 0 last > close",
    ],
  );
});

test("client: a 101 or a 2xx to CONNECT hands both sides over", () => {
  assert.deepEqual(
    walk("client", "headWritten", "messageWritten(keep)", "headRead(upgrade)", "messageRead"),
    [
      "head body 1 reusable > continue",
      "head idle 1 reusable > continue",
      "body idle 1 reusable switching > continue",
      "switched switched 0 reusable > hand-over",
    ],
  );
});

test("copy() is a snapshot: the copy and the original change apart", () => {
  const state = after("server", "headRead(plain)");
  const copy = state.copy();
  state.messageRead();
  assert.deepEqual([copy.reading, state.reading], ["body", "head"]);
  copy.readFailed();
  assert.deepEqual([copy.reading, state.reading], ["closed", "head"]);
});

test("illegal events throw ERR_INVALID_STATE, an Error with Node's code", () => {
  let err: unknown;
  try {
    newConnectionState("server").headWritten();
  } catch (e) {
    err = e;
  }
  assert.ok(isHttpError(err));
  assert.equal(err.code, "ERR_INVALID_STATE");
  assert.equal(err.name, "Error");
  assert.match(err.message, /^Invalid state: /);
});

/** Parses `text` with a request parser; returns its state as the tables write it. */
function parsedRequests(text: string): { parser: RequestParser; urls: string[] } {
  const urls: string[] = [];
  const parser = new RequestParser({
    onHead: (head) => urls.push(head.url),
    onData: () => {},
    onEnd: () => {},
  });
  parser.execute(latin1(text));
  return { parser, urls };
}

test("parsers advance the one state; the writing side is applied to the same value", () => {
  const { parser } = parsedRequests("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.equal(show(parser.state), "head idle 1 reusable > continue");
  parser.state.headWritten();
  assert.equal(parser.state.messageWritten(true), "idle");
  assert.equal(show(parser.state), "head idle 0 reusable > idle");
  // The parser reads only while its state's reading side says so.
  parser.state.readingStopped();
  assert.equal(parser.execute(latin1("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n")), 0);
  // The peer's end goes through the same state.
  parser.finish();
  assert.equal(parser.state.action, "close");
});

test("a parser on its own is a codec: it reads on after Connection: close (the stop is the caller's)", () => {
  const { parser, urls } = parsedRequests(
    "GET /1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /2 HTTP/1.0\r\n\r\nGET /3 HTTP/1.0\r\n\r\n",
  );
  assert.deepEqual(urls, ["/1", "/2", "/3"]);
  assert.equal(show(parser.state), "head idle 3 last > stop-reading");
});

test("the parsers' peer end: inside a body it rejects; it ends a close-delimited body", () => {
  const { parser } = parsedRequests("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab");
  assert.throws(() => parser.finish(), { code: "HPE_INVALID_EOF_STATE" });
  assert.equal(show(parser.state), "closed idle 1 last > reject");
  let ended = 0;
  const responses = new ResponseParser({ onHead: () => {}, onData: () => {}, onEnd: () => ended++ });
  responses.execute(latin1("HTTP/1.1 200 OK\r\n\r\nbody until close"));
  assert.equal(responses.state.reading, "body");
  responses.finish();
  assert.deepEqual([ended, show(responses.state)], [1, "closed idle 0 last > close"]);
  assert.throws(() => responses.execute(latin1("more")), { code: "HPE_CLOSED_CONNECTION" });
});

test("a client's response parser switches on 101 and on a 2xx to CONNECT, at once", () => {
  for (
    const [method, text] of [[
      "GET",
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\nNEXT",
    ], ["CONNECT", "HTTP/1.1 200 OK\r\n\r\nNEXT"]]
  ) {
    const parser = new ResponseParser({ onHead: () => {}, onData: () => {}, onEnd: () => {} });
    parser.expectResponseTo(method!);
    parser.state.headWritten();
    parser.state.messageWritten(true);
    const bytes = latin1(text!);
    assert.equal(bytes.length - parser.execute(bytes), 4);
    assert.equal(show(parser.state), "switched switched 0 reusable > hand-over");
  }
});

test("Upgrade offers a protocol only with a non-empty list element (RFC 9110 7.8)", () => {
  assert.equal(offersProtocol("websocket"), true);
  assert.equal(offersProtocol(" , h2c"), true);
  assert.equal(offersProtocol(""), false);
  assert.equal(offersProtocol(" \t, ,"), false);
});

test("connection options are bare tokens: upgrade;x is not upgrade (RFC 9110 7.6.1)", () => {
  assert.equal(hasConnectionOption("keep-alive, UPGRADE", "upgrade"), true);
  assert.equal(hasConnectionOption(["a", " upgrade "], "upgrade"), true);
  assert.equal(hasConnectionOption("upgrade;x", "upgrade"), false);
  assert.equal(hasConnectionOption("upgrade ;x, other", "upgrade"), false);
  assert.equal(hasConnectionOption("upgrades", "upgrade"), false);
  assert.equal(hasConnectionOption(undefined, "upgrade"), false);
  assert.equal(requestSwitchesProtocols("GET", "Upgrade", true), true);
  assert.equal(requestSwitchesProtocols("GET", "upgrade;x", true), false);
  assert.equal(requestSwitchesProtocols("GET", "upgrade", false), false);
  assert.equal(requestSwitchesProtocols("CONNECT", undefined, false), true);
  assert.equal(responseSwitchesProtocols(101, "GET"), true);
  assert.equal(responseSwitchesProtocols(200, "CONNECT"), true);
  assert.equal(responseSwitchesProtocols(200, "GET"), false);
  assert.equal(responseSwitchesProtocols(407, "CONNECT"), false);
});

/** Parses `text` at every split point; returns the heads' upgrade flags, bodies and what was left. */
function parseAtEverySplit(text: string): { upgrades: boolean[]; bodies: string[]; rest: string }[] {
  const bytes = latin1(text);
  const results = [];
  for (let split = 0; split <= bytes.length; split++) {
    const upgrades: boolean[] = [];
    const bodies: string[] = [];
    const parser = new RequestParser({
      onHead: (head) => {
        upgrades.push(head.upgrade);
        bodies.push("");
      },
      onData: (chunk) => (bodies[bodies.length - 1] += String.fromCharCode(...chunk)),
      onEnd: () => {},
    });
    let rest = "";
    for (const part of [bytes.subarray(0, split), bytes.subarray(split)]) {
      if (parser.upgraded) {
        rest += String.fromCharCode(...part);
        continue;
      }
      const used = parser.execute(part);
      rest += String.fromCharCode(...part.subarray(used));
    }
    results.push({ upgrades, bodies, rest });
  }
  return results;
}

test("parser: an empty Upgrade or upgrade;x is an ordinary request, at every split", () => {
  const pipelined = "GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: \r\n\r\n" +
    "GET /b HTTP/1.1\r\nHost: x\r\nConnection: upgrade;x\r\nUpgrade: h2c\r\n\r\n";
  for (const result of parseAtEverySplit(pipelined)) {
    assert.deepEqual(result, { upgrades: [false, false], bodies: ["", ""], rest: "" });
  }
});

test("parser: an upgrade request's body is read as HTTP and the switch follows it, at every split", () => {
  const text =
    "POST /u HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 5\r\n\r\n" +
    "helloPRI * HTTP/2.0";
  for (const result of parseAtEverySplit(text)) {
    assert.deepEqual(result, { upgrades: [true], bodies: ["hello"], rest: "PRI * HTTP/2.0" });
  }
  const chunked = "POST /u HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: h2c\r\n" +
    "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nNEXT";
  for (const result of parseAtEverySplit(chunked)) {
    assert.deepEqual(result, { upgrades: [true], bodies: ["abc"], rest: "NEXT" });
  }
  // CONNECT switches right after its head, whatever it declares.
  const connect = "CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\nContent-Length: 3\r\n\r\nabcd";
  for (const result of parseAtEverySplit(connect)) {
    assert.deepEqual(result, { upgrades: [true], bodies: [""], rest: "abcd" });
  }
});

test("parser: stop() from onEnd leaves the pipelined requests after it unread", () => {
  const bytes = latin1("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n\x00garbage");
  const urls: string[] = [];
  const parser: RequestParser = new RequestParser({
    onHead: (head) => urls.push(head.url),
    onData: () => {},
    onEnd: () => parser.stop(),
  });
  const used = parser.execute(bytes);
  assert.deepEqual(urls, ["/1"]);
  assert.equal(used, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n".length);
  assert.equal(parser.execute(bytes), 0);
  parser.finish();
});
