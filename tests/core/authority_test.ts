import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { isHostAuthority } from "../../src/core/authority.ts";
import { HttpParseError, RequestParser } from "../../src/core/mod.ts";

const VALID = [
  "example.com",
  "example.com:8080",
  "a:", // RFC 3986: port = *DIGIT, so an empty port is still an authority
  "127.0.0.1:80",
  "[::1]",
  "[::1]:8000",
  "[v1.x]", // IPvFuture: left to URL parsers, as the parser does
  "xn--bcher-kva.example",
  "sub_delims!$&'()*+,;=.test",
  "pct%41.test",
];

const INVALID = [
  "",
  ":80",
  "a b",
  "evil.test/path",
  "user@host",
  "host?q",
  "host#f",
  "a:8x",
  "a:80:90",
  "[::1",
  "[]",
  "a]",
  "[::1]x",
  "h\u00fcst.example", // Latin-1, not ASCII
  "h\u4e16.example", // would be "?" after a Latin-1 copy
  "a\r\nX: y",
  "a\tb",
];

test("isHostAuthority() accepts host[:port], IP literals and every reg-name byte", () => {
  for (const value of VALID) assert.equal(isHostAuthority(value), true, value);
});

test("isHostAuthority() rejects empty hosts, paths, userinfo, bad ports, broken literals and non-ASCII", () => {
  for (const value of INVALID) assert.equal(isHostAuthority(value), false, JSON.stringify(value));
});

/** Whether the request parser (with `requireHost`) takes `Host: value`. */
function parserAcceptsHost(value: string): boolean {
  const parser = new RequestParser({ onHead: () => {}, onData: () => {}, onEnd: () => {} }, {
    requireHost: true,
  });
  try {
    parser.execute(new TextEncoder().encode(`GET / HTTP/1.1\r\nHost: ${value}\r\n\r\n`));
    return true;
  } catch (error) {
    assert.ok(error instanceof HttpParseError);
    return false;
  }
}

test("isHostAuthority() agrees with the request parser's Host check on every case", () => {
  // Values the parser rejects for other reasons (an empty Host is allowed for an origin-form target; a
  // CR/LF or non-Latin-1 char breaks the field line itself) are left out: the host rule is what is compared.
  const comparable = [...VALID, ...INVALID].filter((v) => v !== "" && /^[\x21-\x7e]*$/.test(v));
  for (const value of comparable) assert.equal(isHostAuthority(value), parserAcceptsHost(value), value);
});
