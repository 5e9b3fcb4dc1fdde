import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { addField, headersFromRaw } from "../../src/core/fields.ts";
import { heads, parseRequests } from "./_split.ts";

test("headersFromRaw() lower-cases names and joins repeated list fields with a comma", () => {
  assert.deepEqual(headersFromRaw(["Accept", "a", "ACCEPT", "b", "X-Y", "1"]), {
    accept: "a, b",
    "x-y": "1",
  });
});

test("headersFromRaw() keeps set-cookie as an array, even when single", () => {
  assert.deepEqual(headersFromRaw(["Set-Cookie", "a=1"]), { "set-cookie": ["a=1"] });
  assert.deepEqual(headersFromRaw(["Set-Cookie", "a=1", "set-cookie", "b=2"]), {
    "set-cookie": ["a=1", "b=2"],
  });
});

test("headersFromRaw() joins cookie with a semicolon", () => {
  assert.deepEqual(headersFromRaw(["Cookie", "a=1", "Cookie", "b=2"]), { cookie: "a=1; b=2" });
});

test("headersFromRaw() keeps the first value of Node's singleton fields", () => {
  const names = [
    "age",
    "authorization",
    "content-length",
    "content-type",
    "etag",
    "expires",
    "from",
    "host",
    "if-modified-since",
    "if-unmodified-since",
    "last-modified",
    "location",
    "max-forwards",
    "proxy-authorization",
    "referer",
    "retry-after",
    "server",
    "user-agent",
  ];
  for (const name of names) {
    assert.deepEqual(
      headersFromRaw([name.toUpperCase(), "first", name, "second"]),
      { [name]: "first" },
      name,
    );
  }
});

test("headersFromRaw() makes __proto__ an own property and leaves the prototype alone", () => {
  const headers = headersFromRaw(["__proto__", "x", "__Proto__", "y"]);
  assert.equal(Object.getPrototypeOf(headers), Object.prototype);
  assert.ok(Object.hasOwn(headers, "__proto__"));
  assert.equal(headers["__proto__"], "x, y");
  assert.deepEqual(Object.keys(headers), ["__proto__"]);
});

test("headersFromRaw() does not read inherited properties as existing fields", () => {
  assert.deepEqual(headersFromRaw(["constructor", "a", "toString", "b"]), {
    constructor: "a",
    tostring: "b",
  });
});

test("addField() applies the same rules one field at a time", () => {
  const headers = {};
  addField(headers, "x", "1");
  addField(headers, "x", "2");
  addField(headers, "host", "a");
  addField(headers, "host", "b");
  assert.deepEqual(headers, { x: "1, 2", host: "a" });
});

test("the request parser builds headers with Node's rules", () => {
  const [head] = heads(parseRequests(
    "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\nCookie: c=1\r\nCookie: d=2\r\nVia: 1\r\nVia: 2\r\n" +
      "Set-Cookie: s\r\n__proto__: p\r\n\r\n",
  ));
  assert.deepEqual(head?.headers, {
    host: "a",
    cookie: "c=1; d=2",
    via: "1, 2",
    "set-cookie": ["s"],
    ["__proto__"]: "p",
  });
  assert.equal(Object.getPrototypeOf(head?.headers), Object.prototype);
});
