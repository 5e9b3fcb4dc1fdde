/**
 * The server applies the connection rules of src/core/connection.ts: no request after the one that
 * ends the connection is processed, an empty `Upgrade` or `Connection: upgrade;x` is an ordinary
 * request, and an upgrade request's body is read as the request body before the switch.
 *
 * Verified against node:http on Node 20.20.2 (same bytes over a raw socket, `node
 * tools/node_server_lifecycle.mjs`): after
 * `GET /1 HTTP/1.1 + Connection: close` (or `GET /1 HTTP/1.0`) pipelined with `GET /2`, only /1's handler
 * runs and the wire carries only its answer with `Connection: close`; `Upgrade:` (empty) and
 * `Connection: upgrade;x` reach the 'request' listener, answered keep-alive.
 * Deviation: for `GET /1`, `GET /2` + `Connection: close`, `GET /3` pipelined in one write, Node 20
 * answers only /1 and aborts /2 (its handler ran and answered, yet nothing of it reaches the wire); here
 * /2 is answered with `Connection: close` as RFC 9112 section 9.6 asks, and /3 is not processed.
 * Deviation, on purpose (issue 10): Node 20 gives an upgrade request's body to the 'upgrade' listener as
 * part of `head` ("helloEXTRA" for `Content-Length: 5` + "helloEXTRA"). RFC 9110 section 7.8 switches
 * protocols after the message, and RFC 7540 section 3.2 (h2c) says a request's content is "sent in
 * [its] entirety before the client can send HTTP/2 frames", so here `req` carries "hello" and `head` is
 * "EXTRA".
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, listen, RawClient, splitResponse } from "../_net.ts";
import type { IncomingMessage } from "../../src/io/incoming_message.ts";
import type { Socket } from "../../src/io/socket.ts";

const decoder = new TextDecoder();

for (
  const [name, first] of [
    ["Connection: close", "GET /1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"],
    ["HTTP/1.0 without keep-alive", "GET /1 HTTP/1.0\r\n\r\n"],
  ]
) {
  test(`after ${name}, pipelined requests are not processed (RFC 9112 9.6)`, async () => {
    const seen: string[] = [];
    const { server, port } = await listen({}, (req, res) => {
      seen.push(req.url!);
      res.end("r" + req.url);
    });
    const client = await RawClient.connect(port);
    // The second request is complete, and garbage follows it: neither may reach a handler or an error.
    client.write(first + "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01 not http");
    const text = await client.readAll();
    await client.close();
    await closeServer(server);
    assert.deepEqual(seen, ["/1"]);
    const { head, body } = splitResponse(text);
    assert.match(head, /^HTTP\/1\.[01] 200 OK\r\n/);
    assert.match(head, /\r\nConnection: close\r\n/);
    assert.equal(body, "r/1");
  });
}

test("pipelined: an earlier request is answered keep-alive, the closing one with close, later ones not at all", async () => {
  const seen: string[] = [];
  const { server, port } = await listen({}, (req, res) => {
    seen.push(req.url!);
    res.end("r" + req.url);
  });
  const client = await RawClient.connect(port);
  client.write(
    "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" +
      "GET /3 HTTP/1.1\r\nHost: x\r\n\r\n",
  );
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  assert.deepEqual(seen, ["/1", "/2"]);
  const [first, second] = text.split(/(?<=r\/1)/);
  assert.match(
    first!,
    /^HTTP\/1\.1 200 OK\r\n(?:[^\r]+\r\n)*Connection: keep-alive\r\n(?:[^\r]+\r\n)*\r\nr\/1$/,
  );
  assert.match(second!, /^HTTP\/1\.1 200 OK\r\n(?:[^\r]+\r\n)*Connection: close\r\n(?:[^\r]+\r\n)*\r\nr\/2$/);
});

for (
  const [name, fields] of [
    ["an empty Upgrade", "Connection: upgrade\r\nUpgrade: \r\n"],
    ["Connection: upgrade;x", "Connection: upgrade;x\r\nUpgrade: h2c\r\n"],
  ]
) {
  test(`${name} is an ordinary request, and the connection stays HTTP`, async () => {
    const seen: string[] = [];
    const { server, port } = await listen({}, (req, res) => {
      seen.push(req.url!);
      res.end("r" + req.url);
    });
    server.on("upgrade", () => assert.fail("not an upgrade"));
    const client = await RawClient.connect(port);
    client.write(`GET /a HTTP/1.1\r\nHost: x\r\n${fields}\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n`);
    const text = await client.until((t) => t.endsWith("r/b"));
    await client.close();
    await closeServer(server);
    assert.deepEqual(seen, ["/a", "/b"]);
    assert.match(text, /Connection: keep-alive\r\n/);
  });
}

test("an upgrade request's body is the request body; 'upgrade' gets the bytes after it as head", async () => {
  const { server, port } = await listen({}, () => assert.fail("no request event for upgrades"));
  const got = new Promise<{ body: string; head: string; complete: boolean }>((resolve) => {
    server.on("upgrade", async (req: IncomingMessage, socket: Socket, head: Uint8Array) => {
      const complete = req.complete;
      let body = "";
      for await (const chunk of req) body += typeof chunk === "string" ? chunk : decoder.decode(chunk);
      resolve({ body, head: decoder.decode(head), complete });
      socket.end("HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n");
    });
  });
  const client = await RawClient.connect(port);
  client.write(
    "POST /u HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 5\r\n\r\nhel",
  );
  client.write("loEXTRA");
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  assert.deepEqual(await got, { body: "hello", head: "EXTRA", complete: true });
  assert.match(text, /^HTTP\/1\.1 101 /);
});

test("an upgrade request with a body over the limit is answered 413 (declared or chunked)", async () => {
  const { server, port } = await listen({}, () => assert.fail("no request event for upgrades"));
  server.on("upgrade", () => assert.fail("no upgrade for an oversized body"));
  const upgrade = "POST /u HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: h2c\r\n";
  const size = 64 * 1024 + 1;
  const answers: string[] = [];
  // A declared length over the limit is refused at the head, before any of the body.
  const declared = await RawClient.connect(port);
  declared.write(upgrade + `Content-Length: ${size}\r\n\r\n`);
  answers.push(await declared.readAll());
  await declared.close();
  // A chunked one when its bytes pass the limit.
  const chunked = await RawClient.connect(port);
  chunked.write(upgrade + "Transfer-Encoding: chunked\r\n\r\n");
  const chunk = "x".repeat(16 * 1024);
  for (let i = 0; i < 5; i++) chunked.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  answers.push(await chunked.readAll());
  await chunked.close();
  await closeServer(server);
  const refused = "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n";
  assert.deepEqual(answers, [refused, refused]);
});
