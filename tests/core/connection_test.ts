/**
 * The connection rules of src/core/connection.ts, without sockets: each transition's next state and
 * action, for both roles, and the upgrade/keep-alive/100-continue/close decisions the parsers and the
 * server take from it. The request-side rules are also checked end to end in
 * tests/server/connection_rules_test.ts.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import {
  type ConnectionState,
  continueSent,
  type HeadFacts,
  headRead,
  mayKeepAlive,
  messageRead,
  messageWritten,
  newConnectionState,
  offersProtocol,
  peerEnded,
  readFailed,
  RequestParser,
  requestSwitchesProtocols,
  responseSwitchesProtocols,
} from "../../src/core/mod.ts";
import { hasConnectionOption } from "../../src/core/connection_tokens.ts";
import { latin1 } from "../_net.ts";

const plain: HeadFacts = { keepAlive: true, upgrade: false, versionMinor: 1, expectContinue: false };
const closing: HeadFacts = { keepAlive: false, upgrade: false, versionMinor: 1, expectContinue: false };
const upgrading: HeadFacts = { keepAlive: true, upgrade: true, versionMinor: 1, expectContinue: false };
const expecting: HeadFacts = { keepAlive: true, upgrade: false, versionMinor: 1, expectContinue: true };

/** Runs the server's read side of one whole message. */
function readMessage(state: ConnectionState, head: HeadFacts) {
  return messageRead(headRead(state, head).state);
}

test("server: a keep-alive exchange reads, answers, and goes idle", () => {
  let state = newConnectionState("server");
  const head = headRead(state, plain);
  assert.deepEqual([head.state.reading, head.state.open, head.action], ["body", 1, "continue"]);
  const read = messageRead(head.state);
  assert.deepEqual([read.state.reading, read.action], ["head", "continue"]);
  state = read.state;
  assert.equal(mayKeepAlive(state, 0), true);
  const written = messageWritten(state, true);
  assert.deepEqual([written.state.open, written.action], [0, "idle"]);
});

test("server: after a message with Connection: close, nothing more is read (RFC 9112 9.6)", () => {
  const read = readMessage(newConnectionState("server"), closing);
  assert.deepEqual([read.state.reading, read.state.reusable, read.action], ["closed", false, "stop-reading"]);
  assert.equal(mayKeepAlive(read.state, 0), false);
  assert.equal(messageWritten(read.state, false).action, "close");
  // Even if the response itself did not say close, the last answer closes.
  assert.equal(messageWritten(read.state, true).action, "close");
});

test("server: pipelining keeps earlier answers keep-alive when a later request says close", () => {
  let state = readMessage(newConnectionState("server"), plain).state;
  state = readMessage(state, closing).state;
  assert.equal(state.open, 2);
  // The first answer has a request after it: the connection goes on for that one.
  assert.equal(mayKeepAlive(state, 1), true);
  const first = messageWritten(state, true);
  assert.deepEqual([first.state.open, first.action], [1, "continue"]);
  assert.equal(mayKeepAlive(first.state, 0), false);
  assert.equal(messageWritten(first.state, false).action, "close");
});

test("server: a response that says close stops reading even mid-pipeline", () => {
  let state = readMessage(newConnectionState("server"), plain).state;
  state = readMessage(state, plain).state;
  const step = messageWritten(state, false);
  assert.deepEqual([step.state.reading, step.state.reusable, step.action], ["closed", false, "close"]);
});

test("server: 100-continue waits in 'continue' until 100 is sent; answering first forbids reuse", () => {
  const head = headRead(newConnectionState("server"), expecting);
  assert.equal(head.state.reading, "continue");
  assert.equal(mayKeepAlive(head.state, 0), false);
  const sent = continueSent(head.state);
  assert.equal(sent.state.reading, "body");
  assert.equal(mayKeepAlive(sent.state, 0), true);
  // continueSent outside 'continue' changes nothing.
  assert.equal(continueSent(sent.state).state, sent.state);
  // RFC 9110 10.1.1: an HTTP/1.0 request's 100-continue is ignored; its body just comes.
  assert.equal(
    headRead(newConnectionState("server"), { ...expecting, versionMinor: 0 }).state.reading,
    "body",
  );
  // A client never waits in 'continue' (it is the one that waits for the 100, in its own code).
  assert.equal(headRead(newConnectionState("client"), expecting).state.reading, "body");
});

test("server: a switching message hands over when it ends, after its body, and opens no exchange", () => {
  const head = headRead(newConnectionState("server"), upgrading);
  assert.deepEqual([head.state.reading, head.state.switching, head.state.open], ["body", true, 0]);
  const read = messageRead(head.state);
  assert.deepEqual([read.state.reading, read.state.switching, read.action], ["switched", false, "hand-over"]);
  assert.equal(mayKeepAlive(read.state, 0), false);
  assert.equal(peerEnded(read.state, false).action, "continue");
});

test("peer EOF: between messages close after what is open; inside one reject", () => {
  const fresh = newConnectionState("server");
  assert.equal(peerEnded(fresh, false).action, "close");
  assert.equal(peerEnded(fresh, true).action, "reject");
  const inBody = headRead(fresh, plain).state;
  const ended = peerEnded(inBody, false);
  assert.deepEqual([ended.state.reading, ended.state.reusable, ended.action], ["closed", false, "reject"]);
  assert.equal(peerEnded(headRead(fresh, expecting).state, false).action, "reject");
  // Ended after a whole request: its answer is the last one, then close.
  const afterRequest = peerEnded(readMessage(fresh, plain).state, false);
  assert.equal(afterRequest.action, "close");
  assert.equal(mayKeepAlive(afterRequest.state, 0), false);
  assert.equal(messageWritten(afterRequest.state, true).action, "close");
});

test("readFailed stops reading and forbids reuse", () => {
  const { state, action } = readFailed(headRead(newConnectionState("server"), upgrading).state);
  assert.deepEqual([state.reading, state.reusable, state.switching, action], [
    "closed",
    false,
    false,
    "reject",
  ]);
});

test("client: a request written opens an exchange; its response closes it; close after a final one", () => {
  let state = newConnectionState("client");
  const written = messageWritten(state, true);
  assert.deepEqual([written.state.open, written.action], [1, "continue"]);
  state = headRead(written.state, plain).state;
  const read = messageRead(state);
  assert.deepEqual([read.state.open, read.state.reading, read.action], [0, "head", "idle"]);
  const last = messageRead(headRead(messageWritten(read.state, true).state, closing).state);
  assert.deepEqual([last.state.reading, last.action], ["closed", "close"]);
  const tunnel = messageRead(
    headRead(messageWritten(newConnectionState("client"), true).state, upgrading).state,
  );
  assert.equal(tunnel.action, "hand-over");
});

test("transitions never change the state they are given", () => {
  const state = Object.freeze(newConnectionState("server"));
  headRead(state, closing);
  messageRead(state);
  messageWritten(state, false);
  peerEnded(state, true);
  readFailed(state);
  assert.deepEqual(state, newConnectionState("server"));
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
