/**
 * The write side's framing and heads, as bytes on the wire: what the user sets for Content-Length and
 * Transfer-Encoding is read by core's `outgoingFraming` as strictly as a peer's would be, and 1xx heads
 * and Early Hints are rendered and validated by core's head writer.
 *
 * Node 20 checks none of the framing values: run against node:http on Node 20.20.2, a handler that sets
 * `Content-Length: abc` (or `0x2`, or `5, 5`) sends it as given beside a body it does not describe. Here
 * the call that would send the head throws `ERR_HTTP_INVALID_HEADER_VALUE` and nothing goes out, so the
 * handler can still answer correctly (the tests below do, and check the exact bytes). For Early Hints
 * Node 20 throws `ERR_INVALID_ARG_VALUE` for a `link` with CR/LF, as here; it sends "\u20ac" as the
 * single byte 0xAC, where this throws too.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, exchangeGet, listen, normalizeDate, RawClient } from "../_net.ts";
import type { ServerResponse } from "../../mod.ts";

/** `end("ok")` with the implicit head. */
const OK_HEAD = "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: keep-alive\r\n" +
  "Keep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok";
/** The answer once the handler mends its fields by setting a valid Content-Length (its own, so first). */
const MENDED_HEAD = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: <date>\r\nConnection: keep-alive\r\n" +
  "Keep-Alive: timeout=5\r\n\r\nok";

for (
  const [value, call] of [["abc", "write"], ["0x2", "end"], ["5, 5", "end"], ["-1", "end"], ["2.5", "end"]]
) {
  test(`setHeader('Content-Length', '${value}') then ${call}() throws ERR_HTTP_INVALID_HEADER_VALUE and sends nothing`, async () => {
    const codes: string[] = [];
    const text = await exchangeGet((res) => {
      res.setHeader("Content-Length", value!);
      try {
        if (call === "write") res.write("x");
        else res.end("ab");
      } catch (err) {
        codes.push((err as { code: string }).code);
      }
      assert.equal(res.headersSent, false);
      assert.equal(res.writableEnded, false);
      // Mended by a valid value (a removeHeader would, as in Node, keep Content-Length out for good).
      res.setHeader("Content-Length", 2);
      res.end("ok");
    }, "ok");
    assert.deepEqual(codes, ["ERR_HTTP_INVALID_HEADER_VALUE"]);
    assert.equal(text, MENDED_HEAD);
  });
}

test("Content-Length beside Transfer-Encoding throws instead of sending both", async () => {
  const codes: string[] = [];
  const text = await exchangeGet((res) => {
    res.setHeader("Transfer-Encoding", "chunked");
    res.setHeader("Content-Length", "2");
    try {
      res.end("ab");
    } catch (err) {
      codes.push((err as { code: string }).code);
    }
    res.removeHeader("Transfer-Encoding");
    res.setHeader("Content-Length", 2);
    res.end("ok");
  }, "ok");
  assert.deepEqual(codes, ["ERR_HTTP_INVALID_HEADER_VALUE"]);
  assert.equal(text, MENDED_HEAD);
});

test("a valid Content-Length set by the user is sent once, and the body is checked against it", async () => {
  const codes: string[] = [];
  const text = await exchangeGet((res) => {
    res.setHeader("Content-Length", 5);
    res.write("hel");
    try {
      res.write("lo!");
    } catch (err) {
      codes.push((err as { code: string }).code);
    }
    res.end("lo");
  }, "hello");
  assert.deepEqual(codes, ["ERR_HTTP_CONTENT_LENGTH_MISMATCH"]);
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nhello",
  );
});

test("Transfer-Encoding: gzip on a response is close-delimited: sent as is, no chunk framing", async () => {
  const text = await exchangeGet((res) => {
    res.setHeader("Transfer-Encoding", "gzip");
    res.end("zz");
  }, "zz");
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nDate: <date>\r\nConnection: close\r\n\r\nzz",
  );
});

test("writeEarlyHints() with CR/LF in a link throws ERR_INVALID_ARG_VALUE and injects nothing", async () => {
  const codes: string[] = [];
  const text = await exchangeGet((res) => {
    for (const hints of [{ link: "</a>\r\nSet-Cookie: x=1" }, { link: ["</a>", "</b>\nX: y"] }]) {
      try {
        res.writeEarlyHints(hints);
      } catch (err) {
        codes.push((err as { code: string }).code);
      }
    }
    res.end("ok");
  }, "ok");
  assert.deepEqual(codes, ["ERR_INVALID_ARG_VALUE", "ERR_INVALID_ARG_VALUE"]);
  assert.equal(text, OK_HEAD);
});

test("writeEarlyHints() rejects non-latin1 and bad hint fields, and sends latin1 as single bytes", async () => {
  const codes: string[] = [];
  const text = await exchangeGet((res) => {
    for (const hints of [{ link: "</\u20ac>" }, { "x-a": "b\r\nc" }, { "bad name": "v" }]) {
      try {
        res.writeEarlyHints(hints);
      } catch (err) {
        codes.push((err as { code: string }).code);
      }
    }
    res.writeEarlyHints({ link: "</\u00e9.css>; rel=preload", "x-a": "b" });
    res.end("ok");
  }, "ok");
  assert.deepEqual(codes, ["ERR_INVALID_ARG_VALUE", "ERR_INVALID_CHAR", "ERR_INVALID_HTTP_TOKEN"]);
  // \xe9 is one byte on the wire (the client reads latin1), not the two bytes of UTF-8.
  assert.equal(
    text,
    "HTTP/1.1 103 Early Hints\r\nLink: </\xe9.css>; rel=preload\r\nx-a: b\r\n\r\n" + OK_HEAD,
  );
});

test("writeContinue() and writeProcessing() heads come from the head writer", async () => {
  const text = await exchangeGet((res) => {
    res.writeProcessing();
    res.end("ok");
  }, "ok");
  assert.equal(text, "HTTP/1.1 102 Processing\r\n\r\n" + OK_HEAD);
});

// As Node 20 (test-http-content-length-mismatch.js passes under node): with strictContentLength, an
// end() short of the declared length throws ERR_HTTP_CONTENT_LENGTH_MISMATCH and the response can still
// be completed.
test("strictContentLength: end() short of Content-Length throws, and the body can still be completed", async () => {
  const codes: string[] = [];
  const text = await exchangeGet((res) => {
    res.strictContentLength = true;
    res.setHeader("Content-Length", 5);
    res.write("a");
    try {
      res.end("aaa");
    } catch (err) {
      codes.push((err as { code: string }).code);
    }
    res.end("aaaa");
  }, "aaaaa");
  assert.deepEqual(codes, ["ERR_HTTP_CONTENT_LENGTH_MISMATCH"]);
  assert.ok(text.endsWith("\r\n\r\naaaaa"), text);
});

// As Node 20 (test-http-contentLength0.js passes under node; this exchange run against node:http gives
// these bytes, Date aside): the whitespace around a Content-Length's digits is the field line's OWS (RFC
// 9112 section 5), so the value is sent as given and frames the body, and the connection stays open.
test("a Content-Length with whitespace around its digits is sent as given and frames the body", async () => {
  const { server, port } = await listen({}, (req, res) => {
    if (req.url === "/a") {
      res.writeHead(200, { "Content-Length": "0 " });
      res.end();
    } else {
      res.writeHead(200, { "Content-Length": "\t3 " });
      res.end("abc");
    }
  });
  const client = await RawClient.connect(port);
  client.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  const text = normalizeDate(await client.until("abc"));
  await client.close();
  await closeServer(server);
  const tail = "Date: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n";
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\nContent-Length: 0 \r\n" + tail + "HTTP/1.1 200 OK\r\nContent-Length: \t3 \r\n" +
      tail +
      "abc",
  );
});

// As Node 20 (test-http-1.0.js passes under node; this exchange run against node:http gives these bytes
// and calls): `_send("")` after writeHead() sends the head at once, and its callback is called; the body
// follows when written.
test("_send() sends a head fixed by writeHead() at once, and calls back", async () => {
  let respond!: (res: ServerResponse) => void;
  const responding = new Promise<ServerResponse>((resolve) => (respond = resolve));
  const calls: string[] = [];
  const { server, port } = await listen({}, (_req, res) => {
    res.sendDate = false;
    res.writeHead(200, { "Content-Length": "5" });
    calls.push("ok " + res._send("", "latin1", () => calls.push("callback")));
    respond(res);
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const head =
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n";
  assert.equal(await client.until("\r\n\r\n"), head);
  (await responding).end("hello");
  const text = await client.until("hello");
  await client.close();
  await closeServer(server);
  assert.equal(text, head + "hello");
  assert.deepEqual(calls, ["ok true", "callback"]);
});

// As Node 20 (test-http-1.0.js passes under node, which checks these exact bytes): `_send("")` between
// writes adds nothing to the body, whether it is close-delimited (HTTP/1.0) or chunked.
for (
  const [version, expected] of [
    ["1.0", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nHello, world!"],
    [
      "1.1",
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "7\r\nHello, \r\n6\r\nworld!\r\n0\r\n\r\n",
    ],
  ]
) {
  test(`_send("") between writes adds nothing to an HTTP/${version} body`, async () => {
    const { server, port } = await listen({}, (_req, res) => {
      res.sendDate = false;
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.write("Hello, ");
      res._send("");
      res.write("world!");
      res._send("");
      res.end();
    });
    const client = await RawClient.connect(port);
    client.write(
      `GET / HTTP/${version}\r\nHost: x\r\n${version === "1.1" ? "Connection: close\r\n" : ""}\r\n`,
    );
    const text = await client.readAll();
    await client.close();
    await closeServer(server);
    assert.equal(text, expected);
  });
}

// As Node 20 (test-http-information-headers.js passes under node; this exchange run against node:http
// gives these bytes): `_writeRaw()` bytes go to the connection as they are, in the message's turn: a
// pipelined response's wait until the response before it is done.
test("_writeRaw() sends bytes as they are, in the response's turn, and calls back", async () => {
  let first!: ServerResponse;
  const calls: string[] = [];
  const { server, port } = await listen({}, (req, res) => {
    res.sendDate = false;
    if (req.url === "/1") {
      first = res;
      return;
    }
    res._writeRaw("HTTP/1.1 102 Processing\r\n", "latin1");
    res._writeRaw("\r\n", () => calls.push("callback"));
    res.end("two");
    first.end("one");
  });
  const client = await RawClient.connect(port);
  client.write("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 3\r\n\r\none" +
      "HTTP/1.1 102 Processing\r\n\r\n" +
      "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\ntwo",
  );
  assert.deepEqual(calls, ["callback"]);
});
