/**
 * What the server refuses to write, as bytes on the wire, and the trailer rule on the read side. Each
 * refusal throws before anything is sent, so the handler can still answer correctly (the tests do, and
 * check the exact bytes).
 *
 * Node 20.20.2, same handlers over a raw socket, sends all of these as given:
 * `setHeader("Transfer-Encoding", "chunked;q=1")` then `end("hi")` goes out as
 * "Transfer-Encoding: chunked;q=1 ... 2\r\nhi\r\n0\r\n\r\n" (chunk-framed, where llhttp reads a response
 * with that value until close); `writeEarlyHints({ link, "content-length": "9O" })` sends
 * "HTTP/1.1 103 Early Hints\r\nLink: ...\r\ncontent-length: 9O\r\n\r\n"; `addTrailers({ "Content-Length":
 * "5", Host: "b" })` sends "0\r\nHost: b\r\nContent-Length: 5\r\n\r\n", which llhttp (and so Node's own
 * server) rejects.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, codeOf, exchangeGet, listen, RawClient } from "../_net.ts";

const KEEP = "Date: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n";
const OK = `HTTP/1.1 200 OK\r\n${KEEP}Content-Length: 2\r\n\r\nok`;

for (const value of ["chunked;q=1", "chunked ; q=1", "x-foo", "foo, chunked"]) {
  test(`setHeader('Transfer-Encoding', '${value}') then end() throws ERR_HTTP_INVALID_HEADER_VALUE, sends nothing`, async () => {
    const codes: string[] = [];
    const text = await exchangeGet((res) => {
      res.setHeader("Transfer-Encoding", value);
      codes.push(codeOf(() => res.end("ab")));
      assert.equal(res.headersSent, false);
      res.removeHeader("Transfer-Encoding");
      res.end("ok");
    }, "ok");
    assert.deepEqual(codes, ["ERR_HTTP_INVALID_HEADER_VALUE"]);
    assert.equal(text, OK);
  });
}

test("a registered Transfer-Encoding set by the user is still sent and chunk-framed", async () => {
  const text = await exchangeGet((res) => {
    res.setHeader("Transfer-Encoding", "Chunked");
    res.end("ok");
  }, "0\r\n\r\n");
  assert.equal(text, `HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n${KEEP}\r\n2\r\nok\r\n0\r\n\r\n`);
});

test("writeEarlyHints() with Content-Length or Transfer-Encoding throws and sends no 103", async () => {
  const codes: string[] = [];
  const text = await exchangeGet((res) => {
    const link = "</a.css>; rel=preload";
    codes.push(codeOf(() => res.writeEarlyHints({ link, "content-length": "9O" })));
    codes.push(codeOf(() => res.writeEarlyHints({ link, "Transfer-Encoding": "chunked" })));
    res.writeEarlyHints({ link });
    res.end("ok");
  }, "ok");
  assert.deepEqual(codes, ["ERR_HTTP_INVALID_HEADER_VALUE", "ERR_HTTP_INVALID_HEADER_VALUE"]);
  assert.equal(text, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + OK);
});

test("addTrailers() refuses framing and routing fields with ERR_HTTP_TRAILER_INVALID and keeps the rest", async () => {
  const codes: string[] = [];
  const text = await exchangeGet((res) => {
    res.writeHead(200, { Trailer: "Content-Digest" });
    res.write("x");
    for (const name of ["Content-Length", "transfer-encoding", "Host", "Connection", "Content-Type", "TE"]) {
      codes.push(codeOf(() => res.addTrailers({ [name]: "5" })));
    }
    // A list with one bad field adds none of it.
    codes.push(codeOf(() => res.addTrailers([["X-Ok", "1"], ["Host", "b"]])));
    res.addTrailers({ "Content-Digest": "sha-256=:x:" });
    res.end();
  }, "\r\n0\r\nContent-Digest: sha-256=:x:\r\n\r\n");
  assert.deepEqual(codes, Array(7).fill("ERR_HTTP_TRAILER_INVALID"));
  assert.equal(
    text,
    `HTTP/1.1 200 OK\r\nTrailer: Content-Digest\r\n${KEEP}Transfer-Encoding: chunked\r\n\r\n` +
      "1\r\nx\r\n0\r\nContent-Digest: sha-256=:x:\r\n\r\n",
  );
});

const TRAILER_CL =
  "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nContent-Length: 5\r\n\r\n";

for (const split of [false, true]) {
  test(`a request with Content-Length in its trailer section is answered 400 (${split ? "split after 0\\r\\nC" : "whole"})`, async () => {
    let headSeen!: () => void;
    const seen = new Promise<void>((resolve) => (headSeen = resolve));
    const { server, port } = await listen({}, (req, res) => {
      headSeen();
      req.on("error", () => {});
      req.resume();
      req.on("end", () => res.end("handled"));
    });
    const client = await RawClient.connect(port);
    if (split) {
      const cut = TRAILER_CL.indexOf("0\r\nC") + 4;
      client.write(TRAILER_CL.slice(0, cut));
      await seen; // The head and the body's start went through the parser before the rest arrives.
      client.write(TRAILER_CL.slice(cut));
    } else client.write(TRAILER_CL);
    const text = await client.readAll();
    await client.close();
    await closeServer(server);
    assert.equal(text, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  });
}

test("writeHead() with a refused field throws with the response as it was: status and head still open", async () => {
  const seen: unknown[] = [];
  const text = await exchangeGet((res) => {
    seen.push(codeOf(() => res.writeHead(404, "Gone", { "X-Bad": "a\u0000b" })));
    seen.push(res.statusCode, res.statusMessage, res.headersSent);
    res.end("ok");
  }, "ok");
  assert.deepEqual(seen, ["ERR_INVALID_CHAR", 200, undefined, false]);
  assert.equal(text, OK);
});
