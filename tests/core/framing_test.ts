import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { requestFraming, responseFraming } from "../../src/core/framing.ts";
import type { ResponseHead } from "../../src/core/types.ts";
import { assertError, ends, heads, parseRequests, parseResponses } from "./_split.ts";

function reqError(fields: string, code: string, status?: number, version = "1.1"): void {
  assertError(parseRequests(`POST / HTTP/${version}\r\n${fields}\r\n`), code, status);
}

test("requests: no Content-Length or Transfer-Encoding means no body", () => {
  const outcome = parseRequests("GET / HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
  assert.deepEqual(ends(outcome), [{ body: "", trailers: [] }, { body: "", trailers: [] }]);
  assert.equal(heads(outcome)[0]?.framing.kind, "none");
});

test("requests: Content-Length 0 is a zero-length body and still ends", () => {
  const outcome = parseRequests("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  assert.deepEqual(heads(outcome)[0]?.framing, { kind: "length", length: 0 });
  assert.deepEqual(ends(outcome), [{ body: "", trailers: [] }]);
});

test("requests: Content-Length lists of identical values are accepted", () => {
  const outcome = parseRequests("POST / HTTP/1.1\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc");
  assert.deepEqual(ends(outcome), [{ body: "abc", trailers: [] }]);
});

test("requests: malformed Content-Length is HPE_INVALID_CONTENT_LENGTH", () => {
  for (const v of ["+5", "0x5", "5 5", "-1", "", "5,", "1.0", "9007199254740992", "99999999999999999999"]) {
    reqError(`Content-Length: ${v}\r\n`, "HPE_INVALID_CONTENT_LENGTH", 400);
  }
  assert.deepEqual(
    requestFraming({ versionMinor: 1, rawHeaders: ["content-length", "9007199254740991"] }),
    { kind: "length", length: Number.MAX_SAFE_INTEGER },
  );
});

test("requests: differing Content-Length values are HPE_UNEXPECTED_CONTENT_LENGTH", () => {
  reqError("Content-Length: 5\r\nContent-Length: 6\r\n", "HPE_UNEXPECTED_CONTENT_LENGTH", 400);
  reqError("Content-Length: 5, 6\r\n", "HPE_UNEXPECTED_CONTENT_LENGTH");
});

test("requests: Transfer-Encoding rules", () => {
  reqError("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "HPE_UNEXPECTED_CONTENT_LENGTH", 400);
  reqError("Transfer-Encoding: chunked\r\n", "HPE_INVALID_TRANSFER_ENCODING", 400, "1.0");
  reqError("Transfer-Encoding: chunked, identity\r\n", "HPE_INVALID_TRANSFER_ENCODING", 400);
  reqError("Transfer-Encoding: xchunked\r\n", "HPE_INVALID_TRANSFER_ENCODING", 400);
  reqError("Transfer-Encoding: identity\r\n", "HPE_INVALID_TRANSFER_ENCODING", 400);
  reqError(
    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
    "HPE_INVALID_TRANSFER_ENCODING",
    400,
  );
  reqError("Transfer-Encoding:\r\n", "HPE_INVALID_TRANSFER_ENCODING", 400);
  reqError("Transfer-Encoding: ,\r\n", "HPE_INVALID_TRANSFER_ENCODING", 400);
  reqError("Transfer-Encoding: gzip, chunked\r\n", "HPE_INVALID_TRANSFER_ENCODING", 501);
  reqError("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "HPE_INVALID_TRANSFER_ENCODING", 501);
});

test("requests: chunked is case-insensitive and may carry parameters", () => {
  for (const te of ["Chunked", "CHUNKED", "chunked;q=1", " chunked ,"]) {
    const outcome = parseRequests(`POST / HTTP/1.1\r\nTransfer-Encoding: ${te}\r\n\r\n1\r\na\r\n0\r\n\r\n`);
    assert.deepEqual(ends(outcome), [{ body: "a", trailers: [] }], te);
  }
});

function status(text: string, methods?: string[]): ResponseHead {
  const outcome = parseResponses(text, methods ? { methods, finish: true } : { finish: true });
  const all = heads<ResponseHead>(outcome);
  return all[all.length - 1] as ResponseHead;
}

test("responses: no body for 1xx, 204, 304, HEAD and 2xx to CONNECT", () => {
  assert.equal(status("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n").framing.kind, "none");
  assert.equal(status("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n").framing.kind, "none");
  assert.equal(status("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", ["HEAD"]).framing.kind, "none");
  assert.equal(
    status("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", ["HEAD"]).framing.kind,
    "none",
  );
  assert.equal(status("HTTP/1.1 200 OK\r\n\r\n", ["CONNECT"]).framing.kind, "none");
  assert.equal(status("HTTP/1.1 407 Auth\r\nContent-Length: 1\r\n\r\nx", ["CONNECT"]).framing.kind, "length");
});

// RFC 9112 section 6.1: "A server or client that receives an HTTP/1.0 message containing a
// Transfer-Encoding header field MUST treat the message as if the framing is faulty", and faulty framing
// in a response is an unrecoverable error (section 6.3 item 5: "discard the received response"). This
// deliberately differs from Node: run against node:http on Node 20.20.2, a client given
// "HTTP/1.0 200 OK / Transfer-Encoding: chunked / 3 abc 0" delivers the body "abc".
test("responses: Transfer-Encoding in an HTTP/1.0 response is faulty framing, at every split", () => {
  assertError(
    parseResponses("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
    "HPE_INVALID_TRANSFER_ENCODING",
    400,
  );
  assert.throws(
    () => responseFraming({ statusCode: 200, versionMinor: 0, rawHeaders: ["Transfer-Encoding", "gzip"] }),
    { code: "HPE_INVALID_TRANSFER_ENCODING" },
  );
});

test("responses: chunked, length and close framing", () => {
  assert.equal(
    status("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n").framing.kind,
    "chunked",
  );
  const close = status("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc");
  assert.equal(close.framing.kind, "close");
  assert.equal(close.keepAlive, false);
  assert.deepEqual(status("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab").framing, {
    kind: "length",
    length: 2,
  });
  const plain = status("HTTP/1.1 200 OK\r\n\r\nabc");
  assert.equal(plain.framing.kind, "close");
  assert.equal(plain.keepAlive, false);
});

test("responses: Content-Length with Transfer-Encoding is rejected", () => {
  assertError(
    parseResponses("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"),
    "HPE_UNEXPECTED_CONTENT_LENGTH",
  );
  assertError(parseResponses("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"), "HPE_INVALID_CONTENT_LENGTH");
});

test("responseFraming() and requestFraming() work on plain objects", () => {
  assert.equal(responseFraming({ statusCode: 200, versionMinor: 1, rawHeaders: [] }).kind, "close");
  assert.equal(responseFraming({ statusCode: 200, versionMinor: 1, rawHeaders: [] }, "HEAD").kind, "none");
  assert.equal(
    requestFraming({ versionMinor: 1, rawHeaders: ["TRANSFER-ENCODING", "chunked"] }).kind,
    "chunked",
  );
});

test("requestFraming() compares names ASCII case-insensitively, by char codes", () => {
  const framing = (name: string) => requestFraming({ versionMinor: 1, rawHeaders: [name, "3"] });
  assert.deepEqual(framing("cOnTeNt-LeNgTh"), { kind: "length", length: 3 });
  assert.deepEqual(framing("Sec-Fetch-Mode"), { kind: "none" });
  assert.deepEqual(framing("content-lengtH"), { kind: "length", length: 3 });
  // Non-ASCII look-alikes are other names (no Unicode case mapping).
  assert.deepEqual(framing("content-l\u0130ngth"), { kind: "none" });
  assert.deepEqual(framing("content-lengt\u0148"), { kind: "none" });
});
