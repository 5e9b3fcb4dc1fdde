/**
 * Node's members of `IncomingMessage` that parsers and proxies built on Node's objects call themselves.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { IncomingMessage } from "../../mod.ts";

const LINES: readonly (readonly [string, string])[] = [
  ["Set-Cookie", "a=1"],
  ["set-cookie", "b=2"],
  ["Host", "x"],
  ["host", "y"],
  ["Accept", "a"],
  ["ACCEPT", "b"],
  ["Cookie", "c=1"],
  ["cookie", "d=2"],
  ["Authorization", "t1"],
  ["authorization", "t2"],
  ["X-Foo", "1"],
  ["x-foo", "2"],
  ["Content-Length", "5"],
  ["content-length", "6"],
];

// As Node 20: the same lines through node:http's IncomingMessage (made with a string for a socket, as
// test-http-incoming-matchKnownFields.js does) give exactly these objects, with and without
// joinDuplicateHeaders.
test("_addHeaderLine() adds a line with Node's rules, on a message made without a socket", () => {
  const expected = [
    {
      "set-cookie": ["a=1", "b=2"],
      host: "x",
      accept: "a, b",
      cookie: "c=1; d=2",
      authorization: "t1",
      "x-foo": "1, 2",
      "content-length": "5",
    },
    {
      "set-cookie": ["a=1", "b=2"],
      host: "x, y",
      accept: "a, b",
      cookie: "c=1; d=2",
      authorization: "t1, t2",
      "x-foo": "1, 2",
      "content-length": "5, 6",
    },
  ];
  for (const join of [false, true]) {
    const msg = new IncomingMessage("field" as never);
    msg.joinDuplicateHeaders = join;
    const dest = {};
    for (const [field, value] of LINES) msg._addHeaderLine(field, value, dest);
    assert.deepEqual(dest, expected[join ? 1 : 0]);
  }
});

test("_addHeaderLine() builds what `headers` holds for the same raw lines", () => {
  const msg = new IncomingMessage();
  msg.rawHeaders = LINES.flat();
  const dest = {};
  for (const [field, value] of LINES) msg._addHeaderLine(field, value, dest);
  assert.deepEqual(dest, msg.headers);
});

// As Node 20 (checked under node): a line whose value is missing leaves the field undefined, and the next
// one sets it rather than joining to it; set-cookie still becomes an array.
test("_addHeaderLine() with an undefined value, then a value", () => {
  const msg = new IncomingMessage();
  const dest: Record<string, unknown> = {};
  msg._addHeaderLine("Vary", undefined as never, dest as never);
  assert.deepEqual(dest, { vary: undefined });
  msg._addHeaderLine("vary", "b", dest as never);
  msg._addHeaderLine("Set-Cookie", undefined as never, dest as never);
  assert.deepEqual(dest, { vary: "b", "set-cookie": [undefined] });
});
