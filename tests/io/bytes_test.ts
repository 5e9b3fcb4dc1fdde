import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { encodeString, StringDecoder, toBytes } from "../../src/io/_bytes.ts";

test("encodeString() follows Node's encodings", () => {
  assert.deepEqual([...encodeString("é", "utf8")], [0xc3, 0xa9]);
  assert.deepEqual([...encodeString("é", "latin1")], [0xe9]);
  assert.deepEqual([...encodeString("0aff", "hex")], [0x0a, 0xff]);
  assert.deepEqual([...encodeString("aGn/", "base64")], [0x68, 0x69, 0xff]);
  assert.deepEqual([...encodeString("aGn_", "base64url")], [0x68, 0x69, 0xff]);
  assert.deepEqual([...encodeString("A", "utf16le")], [0x41, 0x00]);
  assert.throws(() => encodeString("x", "klingon"), { code: "ERR_UNKNOWN_ENCODING" });
});

test("toBytes() passes byte views through without copying and rejects other types with Node's code", () => {
  const bytes = new Uint8Array([1, 2, 3]);
  assert.equal(toBytes(bytes), bytes);
  const view = toBytes(new DataView(bytes.buffer, 1, 2));
  assert.deepEqual([...view], [2, 3]);
  assert.throws(() => toBytes(42), { code: "ERR_INVALID_ARG_TYPE" });
});

test("StringDecoder: utf8 characters and base64 groups split across chunks decode whole", () => {
  const utf8 = new StringDecoder("utf8");
  assert.equal(
    utf8.write(new Uint8Array([0x61, 0xe2, 0x82])) + utf8.write(new Uint8Array([0xac])) + utf8.end(),
    "a€",
  );
  const b64 = new StringDecoder("base64");
  const parts = [new Uint8Array([0x68]), new Uint8Array([0x69, 0xff, 0x01])];
  assert.equal(parts.map((p) => b64.write(p)).join("") + b64.end(), "aGn/AQ==");
  const hex = new StringDecoder("hex");
  assert.equal(hex.write(new Uint8Array([0x00, 0xab])), "00ab");
  const latin1 = new StringDecoder("latin1");
  assert.equal(latin1.write(new Uint8Array([0x80, 0x9f, 0xff])), "\x80\x9f\xff");
});
