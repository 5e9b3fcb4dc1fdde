import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, listen, normalizeDate, RawClient } from "../_net.ts";

const count = (text: string, needle: string) => text.split(needle).length - 1;

test("HTTP/1.1 keeps the connection for the next request", async () => {
  let connections = 0;
  const { server, port } = await listen({}, (req, res) => res.end(req.url));
  server.on("connection", () => connections++);
  const client = await RawClient.connect(port);
  client.write("GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
  await client.until("/one");
  client.write("GET /two HTTP/1.1\r\nHost: x\r\n\r\n");
  await client.until("/two");
  await client.close();
  await closeServer(server);
  assert.equal(connections, 1);
});

test("HTTP/1.0 with Connection: keep-alive is kept alive and told so", async () => {
  const { server, port } = await listen({}, (req, res) => res.end(req.url));
  const client = await RawClient.connect(port);
  client.write("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  await client.until("/a");
  client.write("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  const text = normalizeDate(await client.until("/b"));
  await client.close();
  await closeServer(server);
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\n/a" +
      "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\n/b",
  );
});

test("Connection: close from the client is honoured: the response says close and the socket closes", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("x"));
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const text = normalizeDate(await client.readAll());
  await client.close();
  await closeServer(server);
  assert.equal(text, "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx");
});

test("Connection: close set by the handler closes after the response", async () => {
  const { server, port } = await listen({}, (_req, res) => {
    res.setHeader("Connection", "close");
    res.end("x");
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /ignored HTTP/1.1\r\nHost: x\r\n\r\n");
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  assert.equal(count(text, "HTTP/1.1 200"), 1);
});

test("pipelined requests are answered in order even when the first handler is slowest", async () => {
  let releaseFirst!: () => void;
  const firstMayFinish = new Promise<void>((r) => (releaseFirst = r));
  let seen = 0;
  const { server, port } = await listen({}, async (req, res) => {
    seen++;
    if (req.url === "/1") {
      res.write("first-");
      await firstMayFinish;
    }
    res.end(`${req.url};`);
    if (seen === 3) releaseFirst();
  });
  const client = await RawClient.connect(port);
  client.write(
    "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n",
  );
  const text = await client.until("/3;");
  await client.close();
  await closeServer(server);
  const bodies = [...text.matchAll(/\r\n\r\n([^H]*)/g)].map((m) => m[1]);
  assert.ok(text.indexOf("first-") < text.indexOf("/1;"));
  assert.ok(
    text.indexOf("/1;") < text.indexOf("/2;") && text.indexOf("/2;") < text.indexOf("/3;"),
    bodies.join("|"),
  );
});

test("maxRequestsPerSocket closes the connection after that many responses", async () => {
  const { server, port } = await listen({ maxRequestsPerSocket: 2 }, (req, res) => res.end(req.url));
  const client = await RawClient.connect(port);
  client.write("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
  await client.until("/1");
  client.write("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  assert.match(text, /Connection: keep-alive[\s\S]*Connection: close\r\n[\s\S]*\/2$/);
});

// Checked against node:http on Node 20.20.2 (pipelined GETs, maxRequestsPerSocket 3): the first two say
// keep-alive with `max=3`, the third says close, and the connection ends after it.
test("with maxRequestsPerSocket the last allowed response says close, the others Keep-Alive max=N", async () => {
  const { server, port } = await listen({ maxRequestsPerSocket: 3 }, (req, res) => res.end(req.url));
  const client = await RawClient.connect(port);
  client.write(["/1", "/2", "/3"].map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join(""));
  const text = normalizeDate(await client.readAll());
  await client.close();
  await closeServer(server);
  const keep =
    "Date: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5, max=3\r\nContent-Length: 2\r\n\r\n";
  assert.equal(
    text,
    `HTTP/1.1 200 OK\r\n${keep}/1HTTP/1.1 200 OK\r\n${keep}/2` +
      "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: close\r\nContent-Length: 2\r\n\r\n/3",
  );
});

// Node answers a request past maxRequestsPerSocket with 'dropRequest' and 503; so do we, for a request
// whose head is read before the connection's closing response went out (a slow handler), as here.
test("a request past maxRequestsPerSocket that was read gets 'dropRequest' and a 503 before the close", async () => {
  const dropped: string[] = [];
  const pending: (() => void)[] = [];
  const { server, port } = await listen({ maxRequestsPerSocket: 1 }, (req, res) => {
    pending.push(() => res.end(req.url));
  });
  server.on("dropRequest", (req) => {
    dropped.push(req.url!);
    for (const answer of pending.splice(0)) answer();
  });
  const client = await RawClient.connect(port);
  client.write(["/1", "/2"].map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join(""));
  const text = normalizeDate(await client.readAll());
  await client.close();
  await closeServer(server);
  assert.deepEqual(dropped, ["/2"]);
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: close\r\nContent-Length: 2\r\n\r\n/1" +
      "HTTP/1.1 503 Service Unavailable\r\nDate: <date>\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "0\r\n\r\n",
  );
});

// As Node 20 (checked under node with the same bytes: the same 200, then the same 503, then the close): a
// handler that answers the last allowed request at once does not stop the requests behind it in the same
// read from being read and dropped.
test("requests behind the last allowed one, answered at once, are still read: 'dropRequest' and 503 each", async () => {
  const dropped: string[] = [];
  const { server, port } = await listen({}, (req, res) => res.end(req.url));
  server.maxRequestsPerSocket = 1;
  server.on("dropRequest", (req) => dropped.push(req.url!));
  const client = await RawClient.connect(port);
  client.write(
    ["/1", "/2", "/3"].map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`).join(""),
  );
  const text = normalizeDate(await client.readAll());
  await client.close();
  await closeServer(server);
  assert.deepEqual(dropped, ["/2", "/3"]);
  const refused = "HTTP/1.1 503 Service Unavailable\r\nDate: <date>\r\nConnection: close\r\n" +
    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: close\r\nContent-Length: 2\r\n\r\n/1" + refused + refused,
  );
});

// As Node 20 (test-http-server.js, which sets it, passes under node): with httpAllowHalfOpen, requests
// read before the client's FIN are still answered, slow handlers included, then the server closes.
test("httpAllowHalfOpen: after the client's FIN the requests already read are answered, then close", async () => {
  const { server, port } = await listen({}, (req, res) => {
    // Answered on a later timer turn, after the client's FIN has reached the server: the scenario is a
    // handler slower than the client, not a wait for an event.
    setTimeout(() => res.end(req.url), 5);
  });
  server.httpAllowHalfOpen = true;
  const client = await RawClient.connect(port);
  client.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  client.end();
  const text = normalizeDate(await client.readAll());
  await client.close();
  await closeServer(server);
  assert.match(text, /\r\n\r\n\/a.*\r\n\r\n\/b$/s);
});
