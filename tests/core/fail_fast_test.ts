/**
 * Fail fast: a malformed head is reported as soon as the bytes that prove it have arrived, with llhttp's
 * code and the offset of the proving byte, not at the end of the head (or at EOF as
 * `HPE_INVALID_EOF_STATE`). Every case feeds a head that never ends, at every split (tests/core/_split.ts),
 * so a parser that waits for the end of the head fails each one.
 *
 * Empty lines before a status line: verified against node:http on Node 20.20.2, a client reading
 * "\r\n\r\nHTTP/1.1 200 OK ..." gets the 200, and one reading "HTTP/1.1 100 Continue\r\n\r\n\r\nHTTP/1.1 200
 * OK ..." gets 'information' (100) and then the 200.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { HttpParseError } from "../../src/core/errors.ts";
import { parseRequestHead, parseResponseHead } from "../../src/core/head_parser.ts";
import { RequestParser, ResponseParser } from "../../src/core/parser.ts";
import type { ResponseHead } from "../../src/core/types.ts";
import { assertError, bytes, heads, parseRequests, parseResponses } from "./_split.ts";

/** Request prefixes (no final CRLF ever arrives), the code, and the offset of the proving byte. */
const REQUEST_CASES: [name: string, input: string, code: string, offset: number][] = [
  ["invalid method byte", "G@T / HTTP/1.1\r\nHost: a\r\n", "HPE_INVALID_METHOD", 1],
  ["empty method", " / HTTP/1.1\r\n", "HPE_INVALID_METHOD", 0],
  ["CR inside the method", "GET\r\n", "HPE_INVALID_METHOD", 3],
  ["invalid target byte", "GET /a\x01b HTTP/1.1\r\n", "HPE_INVALID_URL", 6],
  ["double space before the target", "GET  / HTTP/1.1\r\n", "HPE_INVALID_URL", 4],
  ["CONNECT without host:port", "CONNECT /x HTTP/1.1\r\n", "HPE_INVALID_URL", 10],
  ["not HTTP/", "GET / FTP/1.1\r\n", "HPE_INVALID_CONSTANT", 6],
  ["HTTP/2", "GET / HTTP/2.0\r\n", "HPE_INVALID_VERSION", 11],
  ["HTTP/1.2", "GET / HTTP/1.2\r\n", "HPE_INVALID_VERSION", 13],
  ["HTTP/1.10", "GET / HTTP/1.10\r\n", "HPE_INVALID_VERSION", 14],
  ["bare CR after the request line", "GET / HTTP/1.1\rHost: a\r\n", "HPE_LF_EXPECTED", 15],
  ["bare LF after the request line", "GET / HTTP/1.1\nHost: a\r\n", "HPE_CR_EXPECTED", 14],
  ["bare CR in a field value", "GET / HTTP/1.1\r\nA: b\rc: d\r\n", "HPE_LF_EXPECTED", 21],
  ["bare LF after a field", "GET / HTTP/1.1\r\nA: b\nC: d\r\n", "HPE_CR_EXPECTED", 20],
  ["invalid field-name byte", "GET / HTTP/1.1\r\nA(b: c\r\n", "HPE_INVALID_HEADER_TOKEN", 17],
  ["space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n", "HPE_INVALID_HEADER_TOKEN", 20],
  ["NUL in a field value", "GET / HTTP/1.1\r\nA: b\x00c\r\n", "HPE_INVALID_HEADER_TOKEN", 20],
  ["obs-fold", "GET / HTTP/1.1\r\nA: b\r\n c\r\n", "HPE_INVALID_HEADER_TOKEN", 22],
  [
    "second differing Content-Length",
    "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n",
    "HPE_UNEXPECTED_CONTENT_LENGTH",
    54,
  ],
  [
    "overflowing Content-Length",
    "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\nA: b\r\n",
    "HPE_INVALID_CONTENT_LENGTH",
    48, // the 16th digit: 9999999999999999 is past 2^53 - 1
  ],
  [
    "malformed Content-Length",
    "POST / HTTP/1.1\r\nContent-Length: 0x2\r\n",
    "HPE_INVALID_CONTENT_LENGTH",
    34, // the "x"
  ],
  [
    "Content-Length beside Transfer-Encoding",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n",
    "HPE_UNEXPECTED_CONTENT_LENGTH",
    59, // the colon of the second of the two
  ],
  ["garbage where the final CRLF should be", "GET / HTTP/1.1\r\nA: b\r\n\rX", "HPE_LF_EXPECTED", 23],
  [
    "a control byte where the final CRLF should be",
    "GET / HTTP/1.1\r\nA: b\r\n\x01",
    "HPE_INVALID_HEADER_TOKEN",
    22,
  ],
];

for (const [name, input, code, offset] of REQUEST_CASES) {
  test(`fail fast (request): ${name} is ${code} before the head ends, at every split`, () => {
    assertError(parseRequests(input), code);
    // Whole input: bytesParsed is the index of the byte that proved the error (llhttp's error position).
    const parser = new RequestParser({ onHead() {}, onData() {}, onEnd() {} });
    assert.throws(() => parser.execute(bytes(input)), (err: unknown) => {
      assert.ok(err instanceof HttpParseError);
      assert.equal(err.code, code);
      assert.equal(err.bytesParsed, offset);
      return true;
    });
    // The httparse-style entry point fails fast too (it used to answer "need more").
    assert.throws(() => parseRequestHead(bytes(input)), { code });
  });
}

const RESPONSE_CASES: [name: string, input: string, code: string, offset: number][] = [
  ["not HTTP/", "ICY 200 OK\r\n", "HPE_INVALID_CONSTANT", 0],
  ["HTTP/2", "HTTP/2 200 OK\r\n", "HPE_INVALID_VERSION", 5],
  ["non-digit status", "HTTP/1.1 2x0 OK\r\n", "HPE_INVALID_STATUS", 10],
  ["status below 100", "HTTP/1.1 099 Low\r\n", "HPE_INVALID_STATUS", 11],
  ["no space after the status", "HTTP/1.1 200OK\r\n", "HPE_INVALID_STATUS", 12],
  ["control byte in the reason", "HTTP/1.1 200 O\x01K\r\n", "HPE_INVALID_STATUS", 14],
  ["bare CR after the status line", "HTTP/1.1 200 OK\rA: b\r\n", "HPE_LF_EXPECTED", 16],
  [
    "second differing Content-Length",
    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n",
    "HPE_UNEXPECTED_CONTENT_LENGTH",
    54,
  ],
];

for (const [name, input, code, offset] of RESPONSE_CASES) {
  test(`fail fast (response): ${name} is ${code} before the head ends, at every split`, () => {
    assertError(parseResponses(input), code);
    const parser = new ResponseParser({ onHead() {}, onData() {}, onEnd() {} });
    assert.throws(() => parser.execute(bytes(input)), (err: unknown) => {
      assert.ok(err instanceof HttpParseError);
      assert.equal(err.code, code);
      assert.equal(err.bytesParsed, offset);
      return true;
    });
    assert.throws(() => parseResponseHead(bytes(input)), { code });
  });
}

test("fail fast: bytesParsed is the offset in the input that proved the error", () => {
  const parser = new RequestParser({ onHead() {}, onData() {}, onEnd() {} });
  assert.equal(parser.execute(bytes("GET / HT")), 8);
  assert.throws(() => parser.execute(bytes("TP/2.0\r\n")), (err: unknown) => {
    assert.ok(err instanceof HttpParseError);
    assert.equal(err.code, "HPE_INVALID_VERSION");
    assert.equal(err.bytesParsed, 3); // the "2" of "TP/2.0"
    return true;
  });
});

test("fail fast: a complete head that arrived whole reports the same offset as one lexed in pieces", () => {
  for (
    const [input, code, offset] of [
      ["POST / HTTP/1.1\r\nContent-Length: 0x2\r\n\r\n", "HPE_INVALID_CONTENT_LENGTH", 34],
      [
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HPE_UNEXPECTED_CONTENT_LENGTH",
        54,
      ],
      [
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HPE_UNEXPECTED_CONTENT_LENGTH",
        53, // the colon of Transfer-Encoding
      ],
    ] as const
  ) {
    const handler = { onHead() {}, onData() {}, onEnd() {} };
    const parser = input.startsWith("HTTP") ? new ResponseParser(handler) : new RequestParser(handler);
    assert.throws(() => parser.execute(bytes(input)), (err: unknown) => {
      assert.ok(err instanceof HttpParseError);
      assert.equal(err.code, code);
      assert.equal(err.bytesParsed, offset, input);
      return true;
    });
  }
});

test("fail fast: an error in a later pipelined request does not hold back the one before it", () => {
  const outcome = parseRequests("GET /a HTTP/1.1\r\n\r\nG@T /b");
  assertError(outcome, "HPE_INVALID_METHOD");
  assert.equal(outcome.events.length, 2); // the first request's head and end
});

test("responses: empty lines before a status line are skipped, as Node's client does", () => {
  const [head] = heads<ResponseHead>(parseResponses("\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  assert.equal(head?.statusCode, 200);
  // A CRLF after `100 Continue` (seen from real servers) before the final response.
  const both = heads<ResponseHead>(
    parseResponses("HTTP/1.1 100 Continue\r\n\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
  );
  assert.deepEqual(both.map((h) => h.statusCode), [100, 200]);
  assert.equal(parseResponseHead(bytes("\r\nHTTP/1.1 204 No Content\r\n\r\n"))?.consumed, 29);
  assertError(parseResponses("\r\n".repeat(9) + "HTTP/1.1 200 OK\r\n\r\n"), "HPE_INVALID_CONSTANT");
  assertError(parseResponses("\rHTTP/1.1 200 OK\r\n\r\n"), "HPE_LF_EXPECTED");
});
