import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { HttpParseError } from "../../src/core/errors.ts";
import { RequestParser, ResponseParser } from "../../src/core/parser.ts";
import type { RequestHead, ResponseHead } from "../../src/core/types.ts";
import { assertError, bytes, ends, heads, parseRequests, parseResponses } from "./_split.ts";

test("RequestParser: pipelined requests each get head, data and end", () => {
  const input = "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\n" +
    "PUT /c HTTP/1.1\r\nContent-Length: 1\r\n\r\nz";
  const outcome = parseRequests(input);
  assert.deepEqual(heads<RequestHead>(outcome).map((h) => h.url), ["/a", "/b", "/c"]);
  assert.deepEqual(ends(outcome).map((e) => e.body), ["abc", "", "z"]);
  assert.equal(outcome.consumed, input.length);
});

test("RequestParser: upgrade stops after the head and leaves the rest", () => {
  const outcome = parseRequests(
    "GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello GET / HTTP/1.1\r\n\r\n",
  );
  assert.equal(outcome.upgraded, true);
  assert.equal(outcome.rest, "\x81\x05hello GET / HTTP/1.1\r\n\r\n");
  assert.equal(heads(outcome).length, 1);
  assert.equal(ends(outcome).length, 1);
});

test("RequestParser: a declined upgrade is a plain message; the pipelined request after it is read as HTTP", () => {
  const asked: string[] = [];
  const outcome = parseRequests(
    "GET /a HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
    { acceptUpgrade: (head) => (asked.push(head.url), false) },
  );
  assert.equal(outcome.upgraded, false);
  assert.equal(outcome.rest, "");
  assert.deepEqual(heads<RequestHead>(outcome).map((h) => [h.url, h.upgrade, h.keepAlive]), [
    ["/a", false, true],
    ["/b", false, true],
  ]);
  assert.equal(ends(outcome).length, 2);
  // Asked once per offer (in every split of the input), never for the request that offers nothing.
  assert.ok(asked.length > 0 && asked.every((url) => url === "/a"));
});

for (
  const [framing, body] of [
    ["Content-Length", "Content-Length: 5\r\n\r\nhello"],
    ["chunked", "Transfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n"],
  ]
) {
  test(`RequestParser: a declined upgrade's ${framing} body is its body, then the next request`, () => {
    const input = `POST /a HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: h2c\r\n${body}GET /b HTTP/1.1\r\n\r\n`;
    const outcome = parseRequests(input, { acceptUpgrade: () => false });
    assert.equal(outcome.upgraded, false);
    assert.deepEqual(heads<RequestHead>(outcome).map((h) => h.url), ["/a", "/b"]);
    assert.deepEqual(ends(outcome).map((e) => e.body), ["hello", ""]);
    assert.equal(outcome.consumed, input.length);
  });
}

test("RequestParser: acceptUpgrade returning true switches as by default; CONNECT is never asked", () => {
  const accepted = parseRequests("GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\nPRI", {
    acceptUpgrade: () => true,
  });
  assert.equal(accepted.upgraded, true);
  assert.equal(accepted.rest, "PRI");
  assert.equal(heads<RequestHead>(accepted)[0]!.upgrade, true);
  const tunnel = parseRequests("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n\x16", {
    acceptUpgrade: () => assert.fail("CONNECT is not an offer"),
  });
  assert.equal(tunnel.upgraded, true);
  assert.equal(tunnel.rest, "\x16");
});

test("RequestParser: an exception from acceptUpgrade propagates as the handler's, not as a parse error", () => {
  const parser = new RequestParser({ onHead() {}, onData() {}, onEnd() {} }, {
    acceptUpgrade: () => {
      throw new RangeError("mine");
    },
  });
  assert.throws(
    () => parser.execute(bytes("GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n")),
    (err: unknown) => err instanceof RangeError && !(err instanceof HttpParseError),
  );
});

test("RequestParser: CONNECT is an upgrade", () => {
  const outcome = parseRequests("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n\x16\x03\x01");
  assert.equal(outcome.upgraded, true);
  assert.equal(outcome.rest, "\x16\x03\x01");
});

test("RequestParser: finish() between messages is a no-op, inside one is HPE_INVALID_EOF_STATE", () => {
  assert.equal(parseRequests("GET / HTTP/1.1\r\n\r\n", { finish: true }).error, null);
  assert.equal(parseRequests("", { finish: true }).error, null);
  // As Node (checked under node: no 'clientError'): empty lines after a message, then the end.
  assert.equal(parseRequests("GET / HTTP/1.1\r\n\r\n\r\n", { finish: true }).error, null);
  assert.equal(parseRequests("GET / HTTP/1.1\r\n\r\n\r", { finish: true }).error, null);
  assertError(parseRequests("GET / HTTP/1.1\r\n", { finish: true }), "HPE_INVALID_EOF_STATE");
  assertError(
    parseRequests("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", { finish: true }),
    "HPE_INVALID_EOF_STATE",
  );
  assertError(
    parseRequests("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n", { finish: true }),
    "HPE_INVALID_EOF_STATE",
  );
});

test("RequestParser: an error kills the parser and carries bytesParsed", () => {
  const parser = new RequestParser({ onHead() {}, onData() {}, onEnd() {} });
  let first: unknown;
  try {
    parser.execute(bytes("GET / HTTP/1.1\r\n\r\nBAD\x00 / HTTP/1.1\r\n\r\n"));
  } catch (err) {
    first = err;
  }
  assert.ok(first instanceof HttpParseError);
  assert.equal(first.code, "HPE_INVALID_METHOD");
  assert.equal(typeof first.bytesParsed, "number");
  assert.throws(() => parser.execute(bytes("GET / HTTP/1.1\r\n\r\n")), (e: unknown) => e === first);
  assert.throws(() => parser.finish(), (e: unknown) => e === first);
});

test("RequestParser: handler errors propagate unchanged and do not kill the parser", () => {
  const boom = new Error("boom");
  let calls = 0;
  const parser = new RequestParser({
    onHead() {
      if (calls++ === 0) throw boom;
    },
    onData() {},
    onEnd() {},
  });
  assert.throws(() => parser.execute(bytes("GET / HTTP/1.1\r\n\r\n")), (e: unknown) => e === boom);
  const fake = new HttpParseError("HPE_INVALID_URL", "from the handler");
  const parser2 = new RequestParser({
    onHead() {
      throw fake;
    },
    onData() {},
    onEnd() {},
  });
  assert.throws(() => parser2.execute(bytes("GET / HTTP/1.1\r\n\r\n")), (e: unknown) => e === fake);
});

test("RequestParser: inHead and idle follow the connection", () => {
  const parser = new RequestParser({ onHead() {}, onData() {}, onEnd() {} });
  assert.equal(parser.idle, true);
  assert.equal(parser.inHead, false);
  parser.execute(bytes("GET / HT"));
  assert.equal(parser.inHead, true);
  assert.equal(parser.idle, false);
  parser.execute(bytes("TP/1.1\r\nContent-Length: 2\r\n\r\na"));
  assert.equal(parser.inHead, false);
  assert.equal(parser.idle, false);
  parser.execute(bytes("b"));
  assert.equal(parser.idle, true);
  // Empty lines before a head are still between messages (as Node: an end there is no error).
  parser.execute(bytes("\r"));
  assert.equal(parser.inHead, false);
  parser.execute(bytes("\nG"));
  assert.equal(parser.inHead, true);
});

test("RequestParser: onData gets views of the input, not copies", () => {
  const input = bytes("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody");
  let view: Uint8Array | undefined;
  new RequestParser({ onHead() {}, onData: (c) => view = c, onEnd() {} }).execute(input);
  assert.equal(view?.buffer, input.buffer);
  assert.equal(view?.byteOffset, input.length - 4);
});

test("RequestParser: a head split across inputs survives the caller reusing its buffer", () => {
  // _split.ts scribbles over every piece after execute(); this checks the same thing with one shared buffer.
  const text = "GET /reused HTTP/1.1\r\nX-Long: " + "v".repeat(100) + "\r\n\r\n";
  const buffer = new Uint8Array(7);
  let url = "";
  let value: unknown;
  const parser = new RequestParser({
    onHead: (h) => {
      url = h.url;
      value = h.headers["x-long"];
    },
    onData() {},
    onEnd() {},
  });
  const all = bytes(text);
  for (let i = 0; i < all.length; i += 7) {
    const piece = all.subarray(i, i + 7);
    buffer.set(piece);
    parser.execute(buffer.subarray(0, piece.length));
    buffer.fill(0);
  }
  assert.equal(url, "/reused");
  assert.equal(value, "v".repeat(100));
});

test("ResponseParser: interim 1xx heads, then the final response", () => {
  const outcome = parseResponses(
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
  );
  assert.deepEqual(heads<ResponseHead>(outcome).map((h) => h.statusCode), [100, 103, 200]);
  assert.deepEqual(ends(outcome), [{ body: "ok", trailers: [] }]);
});

test("ResponseParser: close-delimited body ends at finish()", () => {
  const open = parseResponses("HTTP/1.1 200 OK\r\n\r\nhello");
  assert.equal(open.pendingBody, "hello");
  assert.equal(open.events.length, 1);
  const closed = parseResponses("HTTP/1.1 200 OK\r\n\r\nhello", { finish: true });
  assert.deepEqual(ends(closed), [{ body: "hello", trailers: [] }]);
});

test("ResponseParser: methods queue up for pipelined requests", () => {
  const outcome = parseResponses(
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
    { methods: ["HEAD", "GET"] },
  );
  assert.deepEqual(ends(outcome), [{ body: "", trailers: [] }, { body: "hi", trailers: [] }]);
});

test("ResponseParser: 101 and 2xx to CONNECT are upgrades; the rest is returned", () => {
  const ws = parseResponses("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00");
  assert.equal(ws.upgraded, true);
  assert.equal(ws.rest, "\x81\x00");
  const tunnel = parseResponses("HTTP/1.1 200 Connection Established\r\n\r\ndata", { methods: ["CONNECT"] });
  assert.equal(tunnel.upgraded, true);
  assert.equal(tunnel.rest, "data");
  const refused = parseResponses("HTTP/1.1 403 No\r\nContent-Length: 0\r\n\r\n", { methods: ["CONNECT"] });
  assert.equal(refused.upgraded, false);
});

test("ResponseParser: chunked body with trailers", () => {
  const outcome = parseResponses(
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\nExpires: never\r\n\r\n",
  );
  assert.deepEqual(ends(outcome), [{ body: "Wikipedia", trailers: ["Expires", "never"] }]);
});

test("ResponseParser: data after finish() is HPE_CLOSED_CONNECTION", () => {
  const parser = new ResponseParser({ onHead() {}, onData() {}, onEnd() {} });
  parser.finish();
  assert.throws(() => parser.execute(bytes("HTTP/1.1 200 OK\r\n\r\n")), { code: "HPE_CLOSED_CONNECTION" });
});

test("ResponseParser: short body at finish() is HPE_INVALID_EOF_STATE", () => {
  assertError(
    parseResponses("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", { finish: true }),
    "HPE_INVALID_EOF_STATE",
  );
});
