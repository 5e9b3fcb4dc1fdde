import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../_harness.ts";
import { decodeLatin1, encodeLatin1, encodeLatin1Into } from "../../src/core/latin1.ts";

/** Every latin1 char, 0x00-0xFF, in order. */
const ALL_LATIN1 = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("");
const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);

test("encodeLatin1() writes ASCII byte for byte", () => {
  assert.deepEqual(
    encodeLatin1("GET / HTTP/1.1\r\n"),
    new Uint8Array([...("GET / HTTP/1.1\r\n")].map((c) => c.charCodeAt(0))),
  );
  assert.deepEqual(encodeLatin1(""), new Uint8Array(0));
});

test("encodeLatin1() writes each char 0x00-0xFF as one byte of the same value", () => {
  assert.deepEqual(encodeLatin1(ALL_LATIN1), ALL_BYTES);
  assert.deepEqual(encodeLatin1("caf\u00e9"), new Uint8Array([0x63, 0x61, 0x66, 0xe9]));
  // 0x80-0x9F are where windows-1252 differs; they must stay the same bytes.
  assert.deepEqual(encodeLatin1("\u0080\u0081\u009f"), new Uint8Array([0x80, 0x81, 0x9f]));
});

test("encodeLatin1() writes a char above 0xFF as '?' and never as its low byte", () => {
  // U+010D U+010A would be CR LF if truncated to the low byte (request splitting).
  assert.deepEqual(encodeLatin1("\u010d\u010a"), new Uint8Array([0x3f, 0x3f]));
  assert.deepEqual(encodeLatin1("a\u20acb"), new Uint8Array([0x61, 0x3f, 0x62]));
  // A surrogate pair is two chars, so two bytes.
  assert.deepEqual(encodeLatin1("\u{1f600}"), new Uint8Array([0x3f, 0x3f]));
  // Mixed: the slow path rewrites bytes the fast path may have filled with UTF-8.
  assert.deepEqual(encodeLatin1("ab\u00e9cd"), new Uint8Array([0x61, 0x62, 0xe9, 0x63, 0x64]));
});

test("encodeLatin1Into() writes at the offset and returns the count", () => {
  const buf = new Uint8Array(8).fill(0xaa);
  assert.equal(encodeLatin1Into("OK\r\n", buf, 2), 4);
  assert.deepEqual(buf, new Uint8Array([0xaa, 0xaa, 0x4f, 0x4b, 0x0d, 0x0a, 0xaa, 0xaa]));
  assert.equal(encodeLatin1Into("\u00ff\u00e9", buf, 6), 2);
  assert.deepEqual(buf.subarray(6), new Uint8Array([0xff, 0xe9]));
  assert.equal(encodeLatin1Into("", buf, 8), 0);
});

test("encodeLatin1Into() does not touch bytes outside its range on any path", () => {
  // Short (JS loop), long ASCII (native encoder), long non-ASCII (native encoder, then JS loop): UTF-8 of
  // "\u00e9" is two bytes, and the encoder must not spill past the view.
  for (const str of ["\u00e9\u00e9", "a".repeat(100), "\u00e9".repeat(100), "a".repeat(99) + "\u00e9"]) {
    const buf = new Uint8Array(str.length + 4).fill(0xaa);
    assert.equal(encodeLatin1Into(str, buf, 2), str.length);
    assert.deepEqual([...buf.subarray(0, 2)], [0xaa, 0xaa]);
    assert.deepEqual([...buf.subarray(2, 2 + str.length)], [...str].map((c) => c.charCodeAt(0)));
    assert.deepEqual([...buf.subarray(2 + str.length)], [0xaa, 0xaa]);
  }
});

test("encodeLatin1() gives the same bytes for short and long strings, ASCII or not", () => {
  for (const unit of ["a", "\u00e9", "\u0080", "\u0100", "\r"]) {
    for (const n of [1, 47, 48, 49, 200]) {
      const bytes = encodeLatin1(unit.repeat(n));
      const expected = unit.charCodeAt(0) <= 0xff ? unit.charCodeAt(0) : 0x3f;
      assert.equal(bytes.length, n);
      assert.ok(bytes.every((b) => b === expected), `${JSON.stringify(unit)} x ${n}`);
    }
  }
  // A long head-like string with one non-ASCII char at the very end, and one above 0xFF.
  const long = "X-Header: " + "v".repeat(60);
  assert.deepEqual(
    encodeLatin1(long + "\u00ff"),
    Uint8Array.from([...long, "\u00ff"], (c) => c.charCodeAt(0)),
  );
  assert.deepEqual(encodeLatin1(long + "\u010a")[long.length], 0x3f);
});

test("encodeLatin1Into() throws ERR_OUT_OF_RANGE when the destination is too small", () => {
  const buf = new Uint8Array(4);
  assert.throws(() => encodeLatin1Into("hello", buf, 0), {
    code: "ERR_OUT_OF_RANGE",
    message: 'The value of "offset" is out of range. It must be >= 0 && <= -1. Received 0',
  });
  assert.throws(() => encodeLatin1Into("abc", buf, 2), { code: "ERR_OUT_OF_RANGE" });
  assert.throws(() => encodeLatin1Into("a", buf, -1), { code: "ERR_OUT_OF_RANGE" });
  assert.throws(() => encodeLatin1Into("a", buf, NaN), { code: "ERR_OUT_OF_RANGE" });
  assert.throws(() => encodeLatin1Into("a", buf, 1.5), { code: "ERR_OUT_OF_RANGE" });
  assert.deepEqual(buf, new Uint8Array(4));
});

test("decodeLatin1() maps every byte to the char of the same code, 0x80-0x9F included", () => {
  assert.equal(decodeLatin1(ALL_BYTES), ALL_LATIN1);
  const c1 = decodeLatin1(new Uint8Array([0x80, 0x85, 0x8a, 0x9f]));
  assert.deepEqual([...c1].map((c) => c.charCodeAt(0)), [0x80, 0x85, 0x8a, 0x9f]);
  // windows-1252 (WHATWG "latin1") would give U+20AC here.
  assert.notEqual(c1.charCodeAt(0), 0x20ac);
});

test("decodeLatin1() honours start and end and clamps them", () => {
  const bytes = new Uint8Array([0x48, 0x49, 0x80, 0xe9]);
  assert.equal(decodeLatin1(bytes, 1, 2), "I");
  assert.equal(decodeLatin1(bytes, 2), "\u0080\u00e9");
  assert.equal(decodeLatin1(bytes, 3, 3), "");
  assert.equal(decodeLatin1(bytes, 3, 1), "");
  assert.equal(decodeLatin1(bytes, -5, 99), "HI\u0080\u00e9");
  assert.equal(decodeLatin1(new Uint8Array(0)), "");
});

test("decodeLatin1() decodes inputs longer than one chunk", () => {
  const big = new Uint8Array(20_000 + 17);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  const str = decodeLatin1(big);
  assert.equal(str.length, big.length);
  for (let i = 0; i < big.length; i++) assert.equal(str.charCodeAt(i), big[i]);
  assert.equal(decodeLatin1(big, 8190, 8200), decodeLatin1(big.slice(8190, 8200)));
});

test("encodeLatin1() and decodeLatin1() round-trip any latin1 string (property)", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 0xff }), { maxLength: 300 }), (codes) => {
      const str = String.fromCharCode(...codes);
      // Lengths up to 300 cross the short-string cut-over, so both encoding paths are exercised.
      const bytes = encodeLatin1(str);
      assert.deepEqual([...bytes], codes);
      assert.equal(decodeLatin1(bytes), str);
    }),
  );
});
