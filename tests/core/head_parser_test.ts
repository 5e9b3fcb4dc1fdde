import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import {
  decodeRequestHead,
  decodeResponseHead,
  parseFieldLines,
  parseRequestHead,
  parseResponseHead,
  tryDecodeRequestHead,
  tryDecodeResponseHead,
} from "../../src/core/head_parser.ts";
import { headersFromRaw } from "../../src/core/fields.ts";
import { MAX_HEADER_SIZE, MAX_LEADING_EMPTY_LINES } from "../../src/core/limits.ts";
import type { RequestHead, ResponseHead } from "../../src/core/types.ts";
import { assertError, bytes, heads, parseRequests, parseResponses } from "./_split.ts";

function request(text: string, options = {}): RequestHead {
  const [head] = heads<RequestHead>(parseRequests(text, options));
  assert.ok(head);
  return head;
}

function response(text: string, options = {}): ResponseHead {
  const [head] = heads<ResponseHead>(parseResponses(text, options));
  assert.ok(head);
  return head;
}

// Request line

test("request line: method, target and version are parsed", () => {
  const head = request("GET /a?b=c HTTP/1.0\r\n\r\n");
  assert.equal(head.method, "GET");
  assert.equal(head.url, "/a?b=c");
  assert.equal(head.versionMajor, 1);
  assert.equal(head.versionMinor, 0);
});

test("request line: any token is a method (RFC 9110 section 9.1 extension methods)", () => {
  assert.equal(request("PROPFIND / HTTP/1.1\r\n\r\n").method, "PROPFIND");
  assert.equal(request("M-SEARCH / HTTP/1.1\r\n\r\n").method, "M-SEARCH");
});

test("request line: '*' only for OPTIONS", () => {
  assert.equal(request("OPTIONS * HTTP/1.1\r\n\r\n").url, "*");
  assertError(parseRequests("GET * HTTP/1.1\r\n\r\n"), "HPE_INVALID_URL", 400);
});

test("request line: invalid method bytes are HPE_INVALID_METHOD", () => {
  assertError(parseRequests("G@T / HTTP/1.1\r\n\r\n"), "HPE_INVALID_METHOD", 400);
  assertError(parseRequests(" GET / HTTP/1.1\r\n\r\n"), "HPE_INVALID_METHOD");
  assertError(parseRequests("GET\r\n\r\n"), "HPE_INVALID_METHOD");
});

test("request line: double spaces are rejected", () => {
  assertError(parseRequests("GET  / HTTP/1.1\r\n\r\n"), "HPE_INVALID_URL");
  assertError(parseRequests("GET /  HTTP/1.1\r\n\r\n"), "HPE_INVALID_CONSTANT");
});

test("request line: target forms", () => {
  assert.equal(request("GET http://example.com/x HTTP/1.1\r\n\r\n").url, "http://example.com/x");
  assert.equal(request("CONNECT example.com:443 HTTP/1.1\r\n\r\n").url, "example.com:443");
  assert.equal(request("CONNECT [::1]:443 HTTP/1.1\r\n\r\n").url, "[::1]:443");
  assertError(parseRequests("CONNECT /x HTTP/1.1\r\n\r\n"), "HPE_INVALID_URL");
  assertError(parseRequests("CONNECT example.com HTTP/1.1\r\n\r\n"), "HPE_INVALID_URL");
  assertError(parseRequests("GET example.com:80 HTTP/1.1\r\n\r\n"), "HPE_INVALID_URL");
  assertError(parseRequests("GET x HTTP/1.1\r\n\r\n"), "HPE_INVALID_URL");
  assertError(parseRequests("GET /a\x7fb HTTP/1.1\r\n\r\n"), "HPE_INVALID_URL");
  assertError(parseRequests("GET /\xe9 HTTP/1.1\r\n\r\n"), "HPE_INVALID_URL");
});

test("request line: other HTTP versions are HPE_INVALID_VERSION (505)", () => {
  for (const v of ["HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/1.10", "HTTP/1", "HTTP/x.y"]) {
    assertError(parseRequests(`GET / ${v}\r\n\r\n`), "HPE_INVALID_VERSION", 505);
  }
});

test("request line: garbage where the version belongs is HPE_INVALID_CONSTANT", () => {
  assertError(parseRequests("GET / FOO/1.1\r\n\r\n"), "HPE_INVALID_CONSTANT", 400);
  assertError(parseRequests("GET / http/1.1\r\n\r\n"), "HPE_INVALID_CONSTANT");
});

test("request line: empty lines before it are skipped, up to the limit", () => {
  assert.equal(request("\r\n\r\nGET / HTTP/1.1\r\n\r\n").method, "GET");
  const ok = "\r\n".repeat(MAX_LEADING_EMPTY_LINES) + "GET / HTTP/1.1\r\n\r\n";
  assert.equal(request(ok).method, "GET");
  assertError(
    parseRequests("\r\n".repeat(MAX_LEADING_EMPTY_LINES + 1) + "GET / HTTP/1.1\r\n\r\n"),
    "HPE_INVALID_METHOD",
  );
  assertError(parseRequests("\nGET / HTTP/1.1\r\n\r\n"), "HPE_CR_EXPECTED");
  assertError(parseRequests("\rGET / HTTP/1.1\r\n\r\n"), "HPE_LF_EXPECTED");
});

test("request line: over maxHeaderSize without a line end is HPE_URI_OVERFLOW (414)", () => {
  const long = "GET /" + "a".repeat(200);
  assertError(parseRequests(long, { maxHeaderSize: 100 }), "HPE_URI_OVERFLOW", 414);
  assertError(parseRequests(long + " HTTP/1.1\r\n\r\n", { maxHeaderSize: 100 }), "HPE_URI_OVERFLOW", 414);
});

// Status line

test("status line: code and reason", () => {
  const head = response("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  assert.equal(head.statusCode, 404);
  assert.equal(head.statusMessage, "Not Found");
});

test("status line: a missing reason is accepted with or without the SP", () => {
  assert.equal(response("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").statusMessage, "");
  assert.equal(response("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n").statusMessage, "");
});

test("status line: reason may hold obs-text, decoded as latin1", () => {
  assert.equal(
    response("HTTP/1.1 200 \xc7a va\tbien\r\nContent-Length: 0\r\n\r\n").statusMessage,
    "\xc7a va\tbien",
  );
});

test("status line: bad codes are HPE_INVALID_STATUS", () => {
  for (const line of ["HTTP/1.1 099 X", "HTTP/1.1 20 X", "HTTP/1.1 2000 X", "HTTP/1.1 abc X", "HTTP/1.1"]) {
    assertError(parseResponses(line + "\r\n\r\n"), "HPE_INVALID_STATUS", 400);
  }
  assertError(parseResponses("HTTP/1.1 200 O\x01K\r\n\r\n"), "HPE_INVALID_STATUS");
});

test("status line: versions", () => {
  assert.equal(response("HTTP/1.0 200 OK\r\n\r\n").versionMinor, 0);
  assertError(parseResponses("HTTP/2.0 200 OK\r\n\r\n"), "HPE_INVALID_VERSION", 505);
  for (const v of ["HTTP/0.8", "HTTP/0.0", "HTTP/1.2", "HTTP/1.9"]) {
    assertError(parseResponses(`${v} 200 OK\r\n\r\n`), "HPE_INVALID_VERSION", 505);
  }
  assertError(parseResponses("HTTP/1.1  200 OK\r\n\r\n"), "HPE_INVALID_STATUS");
  assertError(parseResponses("ICY 200 OK\r\n\r\n"), "HPE_INVALID_CONSTANT");
});

test("status line: HTTP/0.9 is read as HTTP/1.0 (no chunked coding, kept alive only when asked), as llhttp", () => {
  const head = response("HTTP/0.9 200 OK\r\n\r\n");
  assert.deepEqual([head.versionMajor, head.versionMinor], [0, 9]);
  assert.deepEqual(head.framing, { kind: "close" });
  assert.equal(head.keepAlive, false);
  const kept = response("HTTP/0.9 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nhi");
  assert.deepEqual(kept.framing, { kind: "length", length: 2 });
  assert.equal(kept.keepAlive, true);
  assert.equal(response("HTTP/0.9 200 OK\r\nContent-Length: 2\r\n\r\nhi").keepAlive, false);
  assertError(
    parseResponses("HTTP/0.9 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
    "HPE_INVALID_TRANSFER_ENCODING",
  );
  // The heads after it are 1.x again.
  const [first, second] = heads<ResponseHead>(
    parseResponses(
      "HTTP/0.9 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\nHTTP/1.1 204 No\r\n\r\n",
    ),
  );
  assert.deepEqual([first?.versionMajor, second?.versionMajor, second?.versionMinor], [0, 1, 1]);
});

// Fields

test("fields: values are trimmed of SP and HTAB on both sides", () => {
  const head = request("GET / HTTP/1.1\r\nA: \t x y \t\r\nB:z\r\nC:\r\n\r\n");
  assert.deepEqual(head.rawHeaders, ["A", "x y", "B", "z", "C", ""]);
});

test("fields: values are latin1", () => {
  assert.equal(request("GET / HTTP/1.1\r\nX: caf\xe9 \x80\xff\r\n\r\n").headers.x, "caf\xe9 \x80\xff");
});

test("fields: whitespace before the colon is HPE_INVALID_HEADER_TOKEN", () => {
  assertError(parseRequests("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN", 400);
  assertError(parseRequests("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN");
});

test("fields: empty or invalid names are HPE_INVALID_HEADER_TOKEN", () => {
  assertError(parseRequests("GET / HTTP/1.1\r\n: a\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN");
  assertError(parseRequests("GET / HTTP/1.1\r\nA(b): a\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN");
  assertError(parseRequests("GET / HTTP/1.1\r\nNoColon\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN");
});

test("fields: NUL and other controls in values are HPE_INVALID_HEADER_TOKEN", () => {
  assertError(parseRequests("GET / HTTP/1.1\r\nA: x\x00y\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN");
  assertError(parseRequests("GET / HTTP/1.1\r\nA: x\x01y\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN");
  assertError(parseRequests("GET / HTTP/1.1\r\nA: x\x7fy\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN");
});

test("fields: bare CR is HPE_LF_EXPECTED, bare LF is HPE_CR_EXPECTED", () => {
  assertError(parseRequests("GET / HTTP/1.1\r\nA: x\ry\r\n\r\n"), "HPE_LF_EXPECTED");
  assertError(parseRequests("GET / HTTP/1.1\r\nA: x\r\r\n\r\n"), "HPE_LF_EXPECTED");
  assertError(parseRequests("GET / HTTP/1.1\rA: x\r\n\r\n"), "HPE_LF_EXPECTED");
  assertError(parseRequests("GET / HTTP/1.1\nA: x\r\n\r\n"), "HPE_CR_EXPECTED");
  assertError(parseRequests("GET / HTTP/1.1\r\nA: x\n\r\n"), "HPE_CR_EXPECTED");
  assertError(parseRequests("GET / HTTP/1.1\r\nA: x\r\n\n"), "HPE_CR_EXPECTED");
});

test("fields: obs-fold in a request is HPE_INVALID_HEADER_TOKEN", () => {
  assertError(parseRequests("GET / HTTP/1.1\r\nA: x\r\n  y\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN");
  assertError(parseRequests("GET / HTTP/1.1\r\n A: x\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN");
});

test("fields: obs-fold in a response is unfolded to one SP (RFC 9112 section 5.2, user agents)", () => {
  const head = response("HTTP/1.1 200 OK\r\nA: x;\r\n  y \r\nB: 1\r\n\t2\r\n \r\nContent-Length: 0\r\n\r\n");
  assert.deepEqual(head.rawHeaders, ["A", "x; y", "B", "1 2", "Content-Length", "0"]);
  // Nothing to continue before the first field.
  assertError(parseResponses("HTTP/1.1 200 OK\r\n A: x\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN");
  // Framing is read from the unfolded values: a fold is part of its field, never a field of its own.
  const chunked = response("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n chunked\r\n\r\n");
  assert.deepEqual(chunked.framing, { kind: "chunked" });
  const hidden = response(
    "HTTP/1.1 200 OK\r\nX: y\r\n Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc",
  );
  assert.deepEqual([hidden.rawHeaders, hidden.framing], [
    ["X", "y Transfer-Encoding: chunked", "Content-Length", "3"],
    { kind: "length", length: 3 },
  ]);
  assertError(
    parseResponses("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n 5\r\n\r\nabcde"),
    "HPE_INVALID_CONTENT_LENGTH",
  );
});

test("fields: more than maxFields is HPE_HEADER_OVERFLOW (431)", () => {
  const fields = (n: number) => "GET / HTTP/1.1\r\n" + "A: b\r\n".repeat(n) + "\r\n";
  assert.equal(request(fields(3), { maxFields: 3 }).rawHeaders.length, 6);
  assertError(parseRequests(fields(4), { maxFields: 3 }), "HPE_HEADER_OVERFLOW", 431);
});

test("fields: a head over maxHeaderSize is HPE_HEADER_OVERFLOW as soon as it is buffered", () => {
  const head = "GET / HTTP/1.1\r\nA: " + "b".repeat(80) + "\r\n\r\n";
  assert.equal(request(head, { maxHeaderSize: head.length }).method, "GET");
  assertError(parseRequests(head, { maxHeaderSize: head.length - 1 }), "HPE_HEADER_OVERFLOW", 431);
  // Incomplete head: no final CRLF yet, but already over the limit.
  assertError(
    parseRequests("GET / HTTP/1.1\r\nA: " + "b".repeat(200), { maxHeaderSize: 100 }),
    "HPE_HEADER_OVERFLOW",
  );
  const big = "GET / HTTP/1.1\r\nA: " + "b".repeat(MAX_HEADER_SIZE) + "\r\n\r\n";
  assertError(parseRequests(big), "HPE_HEADER_OVERFLOW", 431);
});

// insecure

test("insecure: bare LF, obs-fold and controls in values are accepted", () => {
  const head = request("GET / HTTP/1.1\nA: x\n  y \r\nB: \x01z\nC: 1\r\n\t2\n\n", { insecure: true });
  assert.deepEqual(head.rawHeaders, ["A", "x y", "B", "\x01z", "C", "1 2"]);
});

test("insecure: NUL, bare CR and whitespace before the colon stay errors", () => {
  assertError(
    parseRequests("GET / HTTP/1.1\r\nA: x\x00\r\n\r\n", { insecure: true }),
    "HPE_INVALID_HEADER_TOKEN",
  );
  assertError(parseRequests("GET / HTTP/1.1\r\nA: x\ry\r\n\r\n", { insecure: true }), "HPE_LF_EXPECTED");
  assertError(
    parseRequests("GET / HTTP/1.1\r\nA : x\r\n\r\n", { insecure: true }),
    "HPE_INVALID_HEADER_TOKEN",
  );
});

// Host

test("requireHost: HTTP/1.1 needs exactly one valid Host", () => {
  const opts = { requireHost: true };
  assert.equal(
    request("GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", opts).headers.host,
    "example.com:8080",
  );
  assert.equal(request("GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n", opts).headers.host, "[::1]");
  assert.equal(request("GET / HTTP/1.1\r\nHost:\r\n\r\n", opts).headers.host, "");
  assert.equal(request("GET / HTTP/1.0\r\n\r\n", opts).method, "GET");
  assertError(parseRequests("GET / HTTP/1.1\r\n\r\n", opts), "HPE_INVALID_HOST", 400);
  assertError(parseRequests("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", opts), "HPE_INVALID_HOST");
  assertError(parseRequests("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", opts), "HPE_INVALID_HOST");
  assertError(parseRequests("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", opts), "HPE_INVALID_HOST");
  assertError(parseRequests("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", opts), "HPE_INVALID_HOST");
  assertError(parseRequests("GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", opts), "HPE_INVALID_HOST");
  assertError(parseRequests("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", opts), "HPE_INVALID_HOST");
  assertError(parseRequests("GET / HTTP/1.1\r\nHost: :80\r\n\r\n", opts), "HPE_INVALID_HOST");
  assertError(parseRequests("GET http://a/ HTTP/1.1\r\nHost:\r\n\r\n", opts), "HPE_INVALID_HOST");
});

test("without requireHost, Host is not checked", () => {
  assert.equal(request("GET / HTTP/1.1\r\nHost: a\r\nHost: b b\r\n\r\n").headers.host, "a");
});

// Head flags

test("keepAlive, expectContinue and upgrade flags", () => {
  assert.equal(request("GET / HTTP/1.1\r\n\r\n").keepAlive, true);
  assert.equal(request("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").keepAlive, false);
  assert.equal(request("GET / HTTP/1.0\r\n\r\n").keepAlive, false);
  assert.equal(request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive, true);
  assert.equal(request("PUT / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n").expectContinue, true);
  assert.equal(request("PUT / HTTP/1.1\r\nExpect: 100-continuex\r\n\r\n").expectContinue, false);
  assert.equal(request("PUT / HTTP/1.1\r\nExpect: 100-continuex\r\n\r\n").expect, "100-continuex");
  assert.equal(request("PUT / HTTP/1.1\r\n\r\n").expect, undefined);
  assert.equal(request("GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n").upgrade, false);
  assert.equal(
    request("GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: ws\r\n\r\n").upgrade,
    true,
  );
});

// Lower-level API

test("parseRequestHead() returns null until the head is complete", () => {
  const input = bytes("\r\nGET / HTTP/1.1\r\nA: b\r\n\r\nBODY");
  for (let i = 0; i < 26; i++) assert.equal(parseRequestHead(input.subarray(0, i)), null, `at ${i}`);
  const result = parseRequestHead(input);
  assert.equal(result?.consumed, 26);
  assert.deepEqual(result?.head.rawHeaders, ["A", "b"]);
});

test("parseResponseHead() and decode functions parse from an offset", () => {
  const input = bytes("xxHTTP/1.1 200 OK\r\n\r\n");
  assert.equal(decodeResponseHead(input, 2, input.length).statusCode, 200);
  assert.equal(parseResponseHead(input.subarray(2))?.consumed, 19);
  const req = bytes("..GET / HTTP/1.1\r\n\r\n");
  assert.equal(decodeRequestHead(req, 2, req.length).url, "/");
});

test("parseFieldLines() parses a trailer block", () => {
  assert.deepEqual(parseFieldLines(bytes("A: 1\r\nB: 2\r\n\r\n"), 0, 14), ["A", "1", "B", "2"]);
});

// Lazy headers, name recognition and the one-pass fast path

test("head.headers is built lazily and equals headersFromRaw(rawHeaders)", () => {
  const req = request(
    "GET / HTTP/1.1\r\nHost: a\r\nHOST: b\r\nX-A: 1\r\nx-a: 2\r\nSet-Cookie: s\r\nCookie: c\r\n" +
      "cookie: d\r\n\r\n",
  );
  assert.deepEqual(req.headers, headersFromRaw(req.rawHeaders));
  assert.equal(req.headers, req.headers, "built once, then kept");
  const res = response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nVary: a\r\nvary: b\r\n\r\n");
  assert.deepEqual(res.headers, { "content-length": "0", vary: "a, b" });
  assert.deepEqual(res.headers, headersFromRaw(res.rawHeaders));
});

test("head.headers stays assignable, and own properties are the same in every split", () => {
  const head = request("GET / HTTP/1.1\r\nA: b\r\n\r\n");
  const replacement = { a: "c" };
  head.headers = replacement;
  assert.equal(head.headers, replacement);
  assert.deepEqual(head.rawHeaders, ["A", "b"]);
});

test("a __proto__ field name cannot reach the prototype through lazy headers", () => {
  const head = request("GET / HTTP/1.1\r\n__proto__: x\r\n__PROTO__: y\r\n\r\n");
  assert.equal(Object.getPrototypeOf(head.headers), Object.prototype);
  assert.ok(Object.hasOwn(head.headers, "__proto__"));
  assert.equal(head.headers["__proto__"], "x, y");
  assert.equal(Object.getPrototypeOf(head), Object.getPrototypeOf(request("GET / HTTP/1.1\r\n\r\n")));
});

test("deciding fields are recognized in any case, by name only", () => {
  assert.equal(request("GET / HTTP/1.1\r\ncOnNeCtIoN: CLOSE\r\n\r\n").keepAlive, false);
  assert.equal(
    request("GET / HTTP/1.1\r\nConnectioN: keep-alive\r\nCONNECTION: close\r\n\r\n").keepAlive,
    false,
  );
  assert.equal(request("GET / HTTP/1.0\r\nconnection: x\r\nConnection: keep-alive\r\n\r\n").keepAlive, true);
  // Same lengths as the deciding names, different names.
  assert.equal(
    request("GET / HTTP/1.1\r\nConnectiom: close\r\nExpecT: 100-continue\r\n\r\n").keepAlive,
    true,
  );
  assert.equal(request("GET / HTTP/1.1\r\nExpecs: 100-continue\r\n\r\n").expectContinue, false);
  assert.equal(request("GET / HTTP/1.1\r\nEXPECT: 100-continue\r\n\r\n").expectContinue, true);
  // Two Expect lines join to "100-continue, 100-continue", which is not 100-continue (as before).
  assert.equal(
    request("GET / HTTP/1.1\r\nExpect: 100-continue\r\nExpect: 100-continue\r\n\r\n").expectContinue,
    false,
  );
  // Upgrade needs an Upgrade field offering a protocol and the token in Connection, over several lines
  // (an empty Upgrade offers nothing: RFC 9110 section 7.8; see tests/core/connection_test.ts).
  assert.equal(
    request("GET / HTTP/1.1\r\nUPGRADE: h2c\r\nConnection: a\r\nconnection: Upgrade\r\n\r\n").upgrade,
    true,
  );
  assert.equal(
    request("GET / HTTP/1.1\r\nUPGRADE:\r\nConnection: a\r\nconnection: Upgrade\r\n\r\n").upgrade,
    false,
  );
  assert.equal(request("GET / HTTP/1.1\r\nUpgradf: x\r\nConnection: upgrade\r\n\r\n").upgrade, false);
  assert.equal(
    request("GET / HTTP/1.1\r\nTRANSFER-ENCODING: chunked\r\n\r\n0\r\n\r\n").framing.kind,
    "chunked",
  );
  assert.deepEqual(request("GET / HTTP/1.1\r\nCONTENT-length: 1\r\n\r\nx").framing, {
    kind: "length",
    length: 1,
  });
  assert.equal(request("GET / HTTP/1.1\r\nSec-Fetch-Mode: 12\r\n\r\n").framing.kind, "none");
  const opts = { requireHost: true };
  assertError(parseRequests("GET / HTTP/1.1\r\nhost: a\r\nHOST: a\r\n\r\n", opts), "HPE_INVALID_HOST");
  assert.equal(request("GET / HTTP/1.1\r\nHoSt: a:1\r\nHosts: b\r\n\r\n", opts).url, "/");
});

test("tryDecodeRequestHead() decodes a whole head in one pass, else returns null", () => {
  const text = "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nBODY";
  const input = bytes("..." + text);
  const result = tryDecodeRequestHead(input, 3, input.length);
  assert.equal(result?.consumed, input.length - 4);
  assert.deepEqual(result?.head, decodeRequestHead(input, 3, input.length - 4));
  assert.equal(result?.head.keepAlive, false);
  // Incomplete at every cut: null, never an error.
  for (let i = 3; i < input.length - 4; i++) assert.equal(tryDecodeRequestHead(input, 3, i), null, `at ${i}`);
  // Malformed or unusual heads are left to the general route, which alone throws.
  for (
    const bad of [
      "GET  / HTTP/1.1\r\n\r\n",
      "GET / HTTP/2.0\r\n\r\n",
      "GET / HTTP/1.1\n\n",
      "GET / HTTP/1.1\r\nA : b\r\n\r\n",
      "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
      "GET / HTTP/1.1\r\nA: b\x00\r\n\r\n",
      "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",
      "GET / HTTP/1.1\r\nA: b\nB: c\r\n\r\n",
    ]
  ) {
    assert.equal(tryDecodeRequestHead(bytes(bad), 0, bad.length), null, JSON.stringify(bad));
  }
  assert.equal(
    tryDecodeRequestHead(bytes("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n"), 0, 28, { maxFields: 1 }),
    null,
  );
  // A complete head is checked as decodeRequestHead checks it.
  assert.throws(() => tryDecodeRequestHead(bytes("GET * HTTP/1.1\r\n\r\n"), 0, 18), {
    code: "HPE_INVALID_URL",
  });
  // ...but not before its end is known.
  assert.equal(tryDecodeRequestHead(bytes("GET * HTTP/1.1\r\nA: b\r\n"), 0, 24), null);
});

test("tryDecodeResponseHead() decodes a whole head in one pass, else returns null", () => {
  const text = "HTTP/1.0 404 Not \xe9 Found\r\nX: \xff\r\n\r\n";
  const input = bytes(text);
  const result = tryDecodeResponseHead(input, 0, input.length);
  assert.equal(result?.consumed, input.length);
  assert.deepEqual(result?.head, decodeResponseHead(input, 0, input.length));
  assert.equal(result?.head.statusMessage, "Not \xe9 Found");
  assert.deepEqual(result?.head.rawHeaders, ["X", "\xff"]);
  for (let i = 0; i < input.length; i++) assert.equal(tryDecodeResponseHead(input, 0, i), null, `at ${i}`);
  for (const bad of ["HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 099\r\n\r\n", "HTTP/1.1 200\tOK\r\n\r\n"]) {
    assert.equal(tryDecodeResponseHead(bytes(bad), 0, bad.length), null, JSON.stringify(bad));
  }
  assert.equal(tryDecodeResponseHead(bytes("HTTP/1.1 200\r\n\r\n"), 0, 16)?.head.statusMessage, "");
});

test("insecure heads: plain lines take the fast path, the rest the lenient one, same results", () => {
  const opts = { insecure: true };
  const head = request("GET / HTTP/1.1\r\nA: 1\r\nB: x\x01y\r\nC: 2\r\n  3\r\nD: 4\n\r\n", opts);
  assert.deepEqual(head.rawHeaders, ["A", "1", "B", "x\x01y", "C", "2 3", "D", "4"]);
  assert.deepEqual(head.headers, { a: "1", b: "x\x01y", c: "2 3", d: "4" });
});
