import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { ChunkedDecoder } from "../../src/core/chunked.ts";
import { assertError, bytes, ends, parseRequests } from "./_split.ts";

const HEAD = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";

function body(chunked: string, options = {}): { body: string; trailers: string[] }[] {
  return ends(parseRequests(HEAD + chunked, options));
}

function bodyError(chunked: string, code: string, options = {}): void {
  assertError(parseRequests(HEAD + chunked, options), code);
}

test("chunked: data from several chunks, hex sizes in either case", () => {
  assert.deepEqual(body("3\r\nabc\r\nA\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n"), [
    { body: "abc01234567890123456789", trailers: [] },
  ]);
});

test("chunked: last-chunk may be several zeros", () => {
  assert.deepEqual(body("1\r\nx\r\n000\r\n\r\n"), [{ body: "x", trailers: [] }]);
});

test("chunked: extensions are validated and skipped", () => {
  const ok = [
    "1;a\r\nx\r\n0\r\n\r\n",
    "1;a=b\r\nx\r\n0\r\n\r\n",
    "1 ; a = b ; c\r\nx\r\n0\r\n\r\n",
    '1;a="q \\" ; x"\r\nx\r\n0;last\r\n\r\n',
    '1;a="";b=c\r\nx\r\n0\r\n\r\n',
  ];
  for (const c of ok) assert.deepEqual(body(c), [{ body: "x", trailers: [] }], c);
  for (
    const c of [
      "1;\r\nx\r\n0\r\n\r\n",
      "1;=b\r\nx\r\n0\r\n\r\n",
      "1;a=\r\nx\r\n0\r\n\r\n",
      '1;a="x\r\n',
      "1;a b\r\n",
    ]
  ) {
    bodyError(c, "HPE_INVALID_CHUNK_SIZE");
  }
  bodyError("1 \r\nx\r\n0\r\n\r\n", "HPE_INVALID_CHUNK_SIZE");
});

// As Node 20 (test-http-chunk-extensions-limit.js passes under node): the budget is per chunk-size line,
// so lines each under it pass however many there are, and one line over it is 413.
test("chunked: extension bytes over the limit on one line are HPE_CHUNK_EXTENSIONS_OVERFLOW (413)", () => {
  const ext = ";a=" + "b".repeat(20);
  assert.deepEqual(
    body(`1${ext}\r\nx\r\n1${ext}\r\ny\r\n1${ext}\r\nz\r\n0\r\n\r\n`, { maxChunkExtensionsSize: 30 }),
    [{ body: "xyz", trailers: [] }],
  );
  const outcome = parseRequests(HEAD + `1${ext}${ext}\r\nx\r\n0\r\n\r\n`, { maxChunkExtensionsSize: 30 });
  assertError(outcome, "HPE_CHUNK_EXTENSIONS_OVERFLOW", 413);
});

test("chunked: bad sizes are HPE_INVALID_CHUNK_SIZE", () => {
  for (
    const c of [
      "\r\n",
      "g\r\n",
      "-1\r\n",
      "+1\r\n",
      "0x1\r\n",
      "fffffffffffffffff1\r\n",
      "20000000000000\r\n",
    ]
  ) {
    bodyError(c, "HPE_INVALID_CHUNK_SIZE");
  }
});

test("chunked: a size of 16 hex digits within the safe range is fine", () => {
  const outcome = parseRequests(HEAD + "0000000000000001\r\nx\r\n0\r\n\r\n");
  assert.deepEqual(ends(outcome), [{ body: "x", trailers: [] }]);
});

test("chunked: CRLF after data is required", () => {
  bodyError("1\r\nxy\r\n0\r\n\r\n", "HPE_CR_EXPECTED");
  bodyError("1\r\nx\n0\r\n\r\n", "HPE_CR_EXPECTED");
  bodyError("1\r\nx\rx0\r\n\r\n", "HPE_LF_EXPECTED");
  bodyError("1\rx\r\n0\r\n\r\n", "HPE_LF_EXPECTED");
  bodyError("1\nx\r\n0\r\n\r\n", "HPE_CR_EXPECTED");
});

test("chunked: insecure accepts bare LF line endings", () => {
  assert.deepEqual(body("1\nx\n0\nA: b\n\n", { insecure: true }), [{ body: "x", trailers: ["A", "b"] }]);
});

test("chunked: trailers are parsed with the field rules", () => {
  assert.deepEqual(body("1\r\nx\r\n0\r\nA: 1\r\nB:  2 \r\n\r\n"), [{
    body: "x",
    trailers: ["A", "1", "B", "2"],
  }]);
  bodyError("0\r\nA : 1\r\n\r\n", "HPE_INVALID_HEADER_TOKEN");
  bodyError("0\r\nA: 1\x00\r\n\r\n", "HPE_INVALID_HEADER_TOKEN");
  bodyError("0\r\nA: 1\r\n b\r\n\r\n", "HPE_INVALID_HEADER_TOKEN");
  bodyError("0\r\nA: 1\n\r\n", "HPE_CR_EXPECTED");
  assertError(
    parseRequests(HEAD + "0\r\nA: " + "b".repeat(100) + "\r\n\r\n", { maxHeaderSize: 60 }),
    "HPE_HEADER_OVERFLOW",
    431,
  );
  assertError(parseRequests(HEAD + "0\r\nA: 1\r\nA: 2\r\n\r\n", { maxFields: 1 }), "HPE_HEADER_OVERFLOW");
});

test("chunked: the message ends right after the final CRLF (pipelining)", () => {
  const outcome = parseRequests(
    HEAD + "1\r\nx\r\n0\r\n\r\n" + HEAD + "0\r\nT: 1\r\n\r\n" + "GET / HTTP/1.1\r\n\r\n",
  );
  assert.deepEqual(ends(outcome), [
    { body: "x", trailers: [] },
    { body: "", trailers: ["T", "1"] },
    { body: "", trailers: [] },
  ]);
});

test("ChunkedDecoder hands out views of the input without copying", () => {
  const input = bytes("5\r\nhello\r\n0\r\n\r\nrest");
  const views: Uint8Array[] = [];
  const decoder = new ChunkedDecoder();
  const stop = decoder.decode(input, 0, { onData: (c) => views.push(c) });
  assert.equal(stop, 15);
  assert.equal(decoder.done, true);
  assert.equal(views.length, 1);
  assert.equal(views[0]?.buffer, input.buffer);
  assert.equal(views[0]?.byteOffset, 3);
  decoder.reset();
  assert.equal(decoder.state, "size");
});
