/**
 * Issue 9 (server): the events `IncomingMessage` and `ServerResponse` emit, in Node's exact order, for a
 * request the handler never reads, a client that leaves before the answer, an answer written after it
 * left, pipelined requests queued when the connection dies, and a client that half-closes inside a
 * request body.
 *
 * Verified against node:http on Node 20.20.2 with the same bytes over a raw socket
 * (`node tools/node_server_lifecycle.mjs`); Node's observed orders, which the tests below expect:
 * - GET (or POST with a body) answered without reading it: `res finish, res close, req end, req close`.
 * - client gone before the answer: `req aborted, res close, req error (ECONNRESET "aborted"), req close`.
 * - `res.end()` after that: no further event; `writableEnded` and `destroyed` are true.
 * - GET, then the client's FIN, the answer written in the socket's `'end'` (after the server's own listener
 *   ended the socket): nothing on the wire, no `'finish'`: `req aborted, res close, req error (ECONNRESET
 *   "aborted"), req close`.
 * - three pipelined GETs, none answered, client gone: `aborted` for /1, /2, /3, then per request in order
 *   `req error (ECONNRESET "aborted"), req close`. Node emits res 'close' only for /1 (the one holding
 *   the socket); here every response emits 'close' exactly once (issue 9), just before its request's
 *   'error'.
 * - POST head with `Content-Length: 5`, then the client half-closes (with 0 or 2 body bytes): the wire
 *   carries `HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n`, and the request sees `aborted,
 *   res close, error (ECONNRESET "aborted"), close`.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, listen, RawClient } from "../_net.ts";
import { EventLog } from "../_event_log.ts";
import type { IncomingMessage } from "../../src/io/incoming_message.ts";
import type { ServerResponse } from "../../src/server/server_response.ts";

/** Records every lifecycle event of `req` and `res` into `log`, tagged with the request's URL. */
function record(req: IncomingMessage, res: ServerResponse, log: EventLog): void {
  const tag = req.url;
  for (const name of ["aborted", "end", "close"] as const) req.on(name, () => log.push(`${tag} req ${name}`));
  req.on(
    "error",
    (err: Error & { code?: string }) => log.push(`${tag} req error ${err.code} ${err.message}`),
  );
  res.on("finish", () => log.push(`${tag} res finish`));
  res.on("close", () => log.push(`${tag} res close`));
}

for (
  const [name, request] of [
    ["a GET", "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["a POST with a body", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"],
  ] as const
) {
  test(`${name} the handler never reads still ends: res finish > res close > req end > req close`, async () => {
    const log = new EventLog();
    let closed!: () => void;
    const done = new Promise<void>((r) => (closed = r));
    const { server, port } = await listen({}, (req, res) => {
      record(req, res, log);
      req.on("close", closed);
      res.end("ok");
    });
    const client = await RawClient.connect(port);
    client.write(request);
    await done;
    // The connection is still usable: the unread body was discarded, not left in front of the next head.
    client.write("GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.until((t) => t.split("\r\n\r\nok").length === 3);
    await client.close();
    await closeServer(server);
    assert.deepEqual(log.entries.slice(0, 4), [
      "/a res finish",
      "/a res close",
      "/a req end",
      "/a req close",
    ]);
  });
}

test("client gone before the answer: req aborted > res close > req error ECONNRESET > req close", async () => {
  const log = new EventLog();
  let closed!: () => void;
  const done = new Promise<void>((r) => (closed = r));
  let entered!: () => void;
  const inHandler = new Promise<void>((r) => (entered = r));
  const { server, port } = await listen({}, (req, res) => {
    record(req, res, log);
    req.on("close", closed);
    entered();
  });
  const client = await RawClient.connect(port);
  client.write("GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  await inHandler;
  await client.close();
  await done;
  await closeServer(server);
  assert.deepEqual(log.entries, [
    "/b req aborted",
    "/b res close",
    "/b req error ECONNRESET aborted",
    "/b req close",
  ]);
});

test("an answer written after the client left: no 'finish', 'close' only once", async () => {
  const log = new EventLog();
  let answered!: (state: string) => void;
  const late = new Promise<string>((r) => (answered = r));
  let entered!: () => void;
  const inHandler = new Promise<void>((r) => (entered = r));
  const { server, port } = await listen({}, (req, res) => {
    record(req, res, log);
    entered();
    req.on("close", () => {
      res.end("late");
      answered(`writableEnded=${res.writableEnded} destroyed=${res.destroyed}`);
    });
  });
  const client = await RawClient.connect(port);
  client.write("GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
  await inHandler;
  await client.close();
  assert.equal(await late, "writableEnded=true destroyed=true");
  // Closing the server takes several turns of the event loop: a 'finish' or a second 'close' would be in.
  await closeServer(server);
  assert.deepEqual(log.entries, [
    "/c req aborted",
    "/c res close",
    "/c req error ECONNRESET aborted",
    "/c req close",
  ]);
});

test("an answer written once the client's FIN ended the socket: no 'finish', nothing sent, 'close' once", async () => {
  const log = new EventLog();
  const { server, port } = await listen({}, (req, res) => {
    record(req, res, log);
    // The server's own 'end' listener came first: it ended the socket (httpAllowHalfOpen false).
    req.socket.once("end", () => {
      res.end("late");
      log.push("ended after FIN");
    });
  });
  const client = await RawClient.connect(port);
  client.write("GET /c2 HTTP/1.1\r\nHost: x\r\n\r\n");
  client.end();
  const wire = await client.readAll();
  await log.until("/c2 req close");
  await closeServer(server);
  assert.equal(wire, "");
  assert.deepEqual(log.entries, [
    "ended after FIN",
    "/c2 req aborted",
    "/c2 res close",
    "/c2 req error ECONNRESET aborted",
    "/c2 req close",
  ]);
});

test("pipelined requests queued when the connection dies each get 'aborted', then 'error' and 'close'", async () => {
  const log = new EventLog();
  let seen = 0;
  let allIn!: () => void;
  const handled = new Promise<void>((r) => (allIn = r));
  const { server, port } = await listen({}, (req, res) => {
    record(req, res, log);
    if (++seen === 3) allIn();
  });
  const client = await RawClient.connect(port);
  client.write(
    "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n",
  );
  await handled;
  await client.close();
  await log.until("/3 req close");
  await closeServer(server);
  assert.deepEqual(log.entries, [
    "/1 req aborted",
    "/2 req aborted",
    "/3 req aborted",
    "/1 res close",
    "/1 req error ECONNRESET aborted",
    "/1 req close",
    "/2 res close",
    "/2 req error ECONNRESET aborted",
    "/2 req close",
    "/3 res close",
    "/3 req error ECONNRESET aborted",
    "/3 req close",
  ]);
});

for (const [name, body] of [["no body", ""], ["part of its body", "ab"]] as const) {
  test(`a client that half-closes after a POST head with ${name} gets 400, and the request is aborted`, async () => {
    const log = new EventLog();
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    const { server, port } = await listen({}, (req, res) => {
      record(req, res, log);
      entered();
    });
    const client = await RawClient.connect(port);
    client.write("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n" + body);
    await inHandler;
    client.end();
    const text = await client.readAll();
    await log.until("/e req close");
    await client.close();
    await closeServer(server);
    assert.equal(text, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    assert.deepEqual(log.entries, [
      "/e req aborted",
      "/e res close",
      "/e req error ECONNRESET aborted",
      "/e req close",
    ]);
  });
}

// As Node 20 (test-http-server-unconsume.js passes under node): while HTTP reads the socket, a 'data'
// listener added to it hears the bytes that arrive, and the parser still gets them.
test("a 'data' listener on a request's socket hears later bytes while HTTP keeps reading them", async () => {
  let heard = "";
  let errors = 0;
  const { server, port } = await listen({}, (req, res) => {
    res.end("ok");
    req.socket.on("data", (chunk: Uint8Array) => (heard += new TextDecoder().decode(chunk)));
  });
  server.on("clientError", (_err, socket) => {
    errors++;
    socket.destroy();
  });
  const client = await RawClient.connect(port);
  client.write("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  await client.until("\r\n\r\nok");
  client.write("hello world\r\n\r\n");
  await client.readAll();
  await client.close();
  await closeServer(server);
  assert.equal(heard, "hello world\r\n\r\n");
  // The parser got the same bytes: they are no request.
  assert.equal(errors, 1);
});

// As Node 20 (test-http-chunk-extensions-limit.js's last case passes under node; checked with this one's
// bytes too): a request read whole before the client's FIN ends ('end') before the server acts on the
// FIN, so an answer written from its 'end' listener still goes out, then the server's FIN.
test("a body sent with the client's FIN: the answer written on the request's 'end' goes out before the close", async () => {
  const events: string[] = [];
  const { server, port } = await listen({}, (req, res) => {
    req.on("aborted", () => events.push("aborted"));
    req.on("end", () => {
      events.push("end");
      res.writeHead(200, { "content-type": "text/plain", connection: "close", date: "now" });
      res.end("bye");
    });
    req.resume();
  });
  const client = await RawClient.connect(port);
  const chunk = "2;" + "A".repeat(10000) + "=bar\r\nAA\r\n";
  client.write(
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk + chunk + "0\r\n\r\n",
  );
  client.end();
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  assert.deepEqual(events, ["end"]);
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\ndate: now\r\n" +
      "Transfer-Encoding: chunked\r\n\r\n3\r\nbye\r\n0\r\n\r\n",
  );
});
