import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { chunkHeader, frameChunk, lastChunk } from "../../src/core/chunked_encoder.ts";
import { decodeLatin1, encodeLatin1 } from "../../src/core/latin1.ts";

test("chunkHeader() writes the size in lower-case hex and CRLF", () => {
  assert.equal(chunkHeader(1), "1\r\n");
  assert.equal(chunkHeader(10), "a\r\n");
  assert.equal(chunkHeader(255), "ff\r\n");
  assert.equal(chunkHeader(4096), "1000\r\n");
  assert.equal(chunkHeader(Number.MAX_SAFE_INTEGER), "1fffffffffffff\r\n");
});

test("chunkHeader() refuses 0 (it would end the body) and any non-size with ERR_OUT_OF_RANGE", () => {
  for (const size of [0, -1, 1.5, NaN, Infinity, 2 ** 53]) {
    assert.throws(() => chunkHeader(size), {
      code: "ERR_OUT_OF_RANGE",
      message: `The value of "size" is out of range. It must be a positive safe integer. Received ${size}`,
    });
  }
});

test("frameChunk() frames data as hex CRLF data CRLF in one array", () => {
  assert.deepEqual(frameChunk(encodeLatin1("hello")), encodeLatin1("5\r\nhello\r\n"));
  assert.deepEqual(frameChunk(new Uint8Array([0])), new Uint8Array([0x31, 0x0d, 0x0a, 0, 0x0d, 0x0a]));
  assert.deepEqual(
    frameChunk(new Uint8Array([0xff, 0x0d, 0x0a])),
    new Uint8Array([0x33, 0x0d, 0x0a, 0xff, 0x0d, 0x0a, 0x0d, 0x0a]),
  );
});

test("frameChunk() writes the same size line as chunkHeader() at every digit boundary", () => {
  for (const size of [1, 9, 10, 15, 16, 17, 255, 256, 4095, 4096, 65535, 65536, 1_000_003]) {
    const data = new Uint8Array(size).fill(0x61);
    data[0] = 0x62;
    data[size - 1] = 0x63;
    const framed = frameChunk(data);
    const header = chunkHeader(size);
    assert.equal(framed.length, header.length + size + 2);
    assert.equal(decodeLatin1(framed, 0, header.length), header);
    assert.deepEqual(framed.subarray(header.length, header.length + size), data);
    assert.equal(decodeLatin1(framed, framed.length - 2), "\r\n");
  }
});

test("frameChunk() returns a new array and does not alias the input", () => {
  const data = encodeLatin1("abc");
  const framed = frameChunk(data);
  data[0] = 0x7a;
  assert.equal(decodeLatin1(framed), "3\r\nabc\r\n");
  assert.notEqual(framed.buffer, data.buffer);
});

test("frameChunk() of a view frames only the view's bytes", () => {
  const backing = encodeLatin1("xxhelloxx");
  assert.equal(decodeLatin1(frameChunk(backing.subarray(2, 7))), "5\r\nhello\r\n");
});

test("frameChunk() of empty data returns no bytes, never a zero-size chunk", () => {
  const framed = frameChunk(new Uint8Array(0));
  assert.equal(framed.length, 0);
  assert.deepEqual(framed, new Uint8Array(0));
  assert.equal(frameChunk(encodeLatin1("abc").subarray(1, 1)).length, 0);
});

test("lastChunk() ends the body with and without trailers", () => {
  assert.equal(lastChunk(), "0\r\n\r\n");
  assert.equal(lastChunk([]), "0\r\n\r\n");
  assert.equal(lastChunk(["Digest", "sha-256=abc"]), "0\r\nDigest: sha-256=abc\r\n\r\n");
  assert.equal(
    lastChunk(["Server-Timing", "db;dur=53", "X-Checksum", "\u00e9", "Server-Timing", "app;dur=47"]),
    "0\r\nServer-Timing: db;dur=53\r\nX-Checksum: \u00e9\r\nServer-Timing: app;dur=47\r\n\r\n",
  );
  assert.equal(lastChunk(["Empty", ""]), "0\r\nEmpty: \r\n\r\n");
});

test("a chunked body built from the encoder has the exact bytes", () => {
  const parts = ["Hello", "", ", ", "world"].map(encodeLatin1).map(frameChunk);
  const tail = encodeLatin1(lastChunk(["Expires", "0"]));
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0) + tail.length);
  let at = 0;
  for (const p of [...parts, tail]) {
    body.set(p, at);
    at += p.length;
  }
  assert.equal(decodeLatin1(body), "5\r\nHello\r\n2\r\n, \r\n5\r\nworld\r\n0\r\nExpires: 0\r\n\r\n");
});
