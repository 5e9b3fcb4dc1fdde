import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, listen, RawClient } from "../_net.ts";

test("headersTimeout: a client sending its head slowly gets 408 and is cut off", async () => {
  const { server, port } = await listen(
    { headersTimeout: 300, requestTimeout: 0 },
    () => assert.fail("no request"),
  );
  const client = await RawClient.connect(port);
  const head = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  let sent = 0;
  // One byte at a time, each write waiting on the previous timer: far slower than the timeout.
  const trickle = setInterval(() => {
    if (sent < head.length && !client.ended) client.write(head[sent++]!);
  }, 100);
  const text = await client.readAll();
  clearInterval(trickle);
  await client.close();
  await closeServer(server);
  assert.equal(text, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
  assert.ok(sent < head.length, `sent ${sent} bytes`);
});

test("requestTimeout: a body that never completes gets 408", async () => {
  const { server, port } = await listen({ requestTimeout: 300 }, (req) => req.resume());
  const client = await RawClient.connect(port);
  client.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  const text = await client.readAll();
  // As Node: the handler has not started its response, so the 408 can still be sent.
  assert.equal(text, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
  await client.close();
  await closeServer(server);
});

test("keepAliveTimeout: an idle keep-alive connection is closed", async () => {
  const { server, port } = await listen({ keepAliveTimeout: 200 }, (_req, res) => res.end("x"));
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await client.until("\r\n\r\nx");
  const started = Date.now();
  await client.readAll();
  const waited = Date.now() - started;
  await client.close();
  await closeServer(server);
  assert.ok(waited >= 150, `closed after ${waited} ms`);
});

test("server.setTimeout emits 'timeout' with the idle socket", async () => {
  const { server, port } = await listen({});
  let timedOut = 0;
  server.setTimeout(100, (socket) => {
    timedOut++;
    socket.destroy();
  });
  const client = await RawClient.connect(port);
  await client.readAll();
  assert.equal(timedOut, 1);
  await client.close();
  await closeServer(server);
});

// Node's socketOnTimeout, checked under Node 20.20.2: req.setTimeout's callback gets the idle socket's
// 'timeout' while the request is being received; with nobody listening the socket is destroyed.
test("req.setTimeout() hears the idle socket while its body is awaited; unheard, the socket is destroyed", async () => {
  const heard: string[] = [];
  const { server, port } = await listen({}, (req, res) => {
    req.setTimeout(50, () => {
      heard.push(`req timeout ${req.url}`);
      res.end("late");
    });
  });
  const client = await RawClient.connect(port);
  client.write("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  await client.until("late");
  await client.close();
  assert.deepEqual(heard, ["req timeout /slow"]);
  // Nobody listening: server.timeout alone destroys the idle socket.
  server.timeout = 50;
  const idle = await RawClient.connect(port);
  assert.equal(await idle.readAll(), "");
  await idle.close();
  await closeServer(server);
});

// As Node 20 (test-http-server-headers-timeout-pipelining.js passes under node): a read that ends inside
// the next pipelined head starts that head's headersTimeout; it does not wait for more bytes to start.
test("headersTimeout: a pipelined head left unfinished after an answered request gets 408", async () => {
  const { server, port } = await listen(
    { headersTimeout: 300, requestTimeout: 0, keepAliveTimeout: 0, connectionsCheckingInterval: 50 },
    (_req, res) => res.end(),
  );
  const client = await RawClient.connect(port);
  client.write(
    "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: ",
  );
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  assert.match(
    text,
    /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nHTTP\/1\.1 408 Request Timeout\r\nConnection: close\r\n\r\n$/,
  );
});

// As Node 20, whose keep-alive timeout is the socket's idle timeout (test-http-server-keep-alive-timeout.js
// passes under node): a server 'timeout' listener hears the expiry and decides; the socket stays open
// until it does.
test("keepAliveTimeout: a server 'timeout' listener hears the expiry instead of the socket being closed", async () => {
  const { server, port } = await listen({ keepAliveTimeout: 100 }, (_req, res) => res.end("x"));
  let timedOut!: (socket: { destroy(): void; destroyed: boolean }) => void;
  const heard = new Promise<{ destroy(): void; destroyed: boolean }>((resolve) => (timedOut = resolve));
  server.on("timeout", (socket) => timedOut(socket));
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await client.until("\r\n\r\nx");
  const socket = await heard;
  assert.equal(socket.destroyed, false);
  assert.equal(client.ended, false);
  socket.destroy();
  await client.readAll();
  await client.close();
  await closeServer(server);
});
