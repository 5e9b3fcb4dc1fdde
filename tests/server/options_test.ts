import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, listen, normalizeDate, RawClient } from "../_net.ts";
import { Agent, Server } from "../../mod.ts";

test("maxHeaderSize: a smaller limit is enforced with 431", async () => {
  const { server, port } = await listen({ maxHeaderSize: 100 }, (_req, res) => res.end("small"));
  const small = await RawClient.connect(port);
  small.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await small.until("small");
  const big = await RawClient.connect(port);
  big.write("GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + "a".repeat(120) + "\r\n\r\n");
  const text = await big.readAll();
  await small.close();
  await big.close();
  await closeServer(server);
  assert.equal(text, "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n");
});

test("insecureHTTPParser: bare LF line endings are accepted only when asked for", async () => {
  const request = "GET / HTTP/1.1\nHost: x\n\n";
  for (const insecure of [false, true]) {
    const { server, port } = await listen({ insecureHTTPParser: insecure }, (_req, res) => {
      res.setHeader("Connection", "close");
      res.end("accepted");
    });
    const client = await RawClient.connect(port);
    client.write(request);
    const text = await client.readAll();
    await client.close();
    await closeServer(server);
    if (insecure) assert.ok(text.endsWith("accepted"), text);
    else assert.equal(text, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  }
});

test("flushHeaders() sends the head at once; the body follows chunked", async () => {
  let release!: () => void;
  const later = new Promise<void>((r) => (release = r));
  const { server, port } = await listen({}, async (_req, res) => {
    res.setHeader("X-Early", "1");
    res.flushHeaders();
    await later;
    res.end("late body");
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const head = normalizeDate(await client.until("\r\n\r\n"));
  assert.equal(
    head,
    "HTTP/1.1 200 OK\r\nX-Early: 1\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n",
  );
  release();
  const text = await client.until("0\r\n\r\n");
  await client.close();
  await closeServer(server);
  assert.ok(text.endsWith("9\r\nlate body\r\n0\r\n\r\n"), text);
});

test("res.write() returns false when the client does not read, and 'drain' follows once it does", async () => {
  const chunk = new Uint8Array(256 * 1024).fill(0x7a);
  let sawFalse!: () => void;
  const full = new Promise<void>((r) => (sawFalse = r));
  let drained!: () => void;
  const drainedOnce = new Promise<void>((r) => (drained = r));
  let stoppedAt = -1;
  const { server, port } = await listen({}, (_req, res) => {
    res.writeHead(200, { "Content-Length": chunk.byteLength * 64 });
    const pump = () => {
      for (let i = 0; i < 64; i++) {
        if (!res.write(chunk)) {
          stoppedAt = i;
          sawFalse();
          res.once("drain", () => {
            drained();
          });
          return;
        }
      }
    };
    pump();
  });
  const client = await RawClient.connect(port);
  client.pause();
  client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await full;
  client.resume();
  await drainedOnce;
  await client.close();
  await closeServer(server);
  // Far fewer than the 16 MiB on offer were accepted before write() said stop.
  assert.ok(stoppedAt >= 0 && stoppedAt < 63, `stopped at chunk ${stoppedAt}`);
});

// As Node 20 (test-http-server-timeouts-validation.js, which passes under node): headersTimeout defaults
// to 60 s or requestTimeout if that is shorter, and may not exceed requestTimeout.
test("headersTimeout defaults to min(60 s, requestTimeout) and may not exceed requestTimeout", () => {
  assert.equal(new Server({ requestTimeout: 20_000 }).headersTimeout, 20_000);
  assert.equal(new Server({ requestTimeout: 100_000 }).headersTimeout, 60_000);
  assert.equal(new Server({ requestTimeout: 0 }).headersTimeout, 60_000);
  assert.throws(() => new Server({ headersTimeout: 10_000, requestTimeout: 1_000 }), {
    code: "ERR_OUT_OF_RANGE",
    name: "RangeError",
  });
  assert.throws(() => new Server({ keepAliveTimeout: -1 }), { code: "ERR_OUT_OF_RANGE" });
  for (const bad of ["foo", 42, true, []]) {
    assert.throws(() => new Server(bad as never), { code: "ERR_INVALID_ARG_TYPE", name: "TypeError" });
  }
});

test("Server and Agent are callable without new, and subclass with class extends", () => {
  const server = Server();
  assert.ok(server instanceof Server);
  class Tracing extends Server {}
  assert.ok(new Tracing() instanceof Server);
  assert.ok(Agent({ keepAlive: true }) instanceof Agent);
  assert.equal(Agent({ keepAlive: true }).keepAlive, true);
});

// As Node 20 (test-http-max-headers-count.js passes under node; rawHeaders checked under node too):
// maxHeadersCount keeps the first N request fields in `headers`, `rawHeaders` keeps them all; 0 or null
// keeps all.
test("server.maxHeadersCount keeps the first N request fields", async () => {
  const counts: number[] = [];
  const { server, port } = await listen({}, (req, res) => {
    counts.push(Object.keys(req.headers).length, req.rawHeaders.length);
    res.end("ok");
  });
  server.maxHeadersCount = 3;
  const fields = Array.from({ length: 10 }, (_, i) => `k${i}: ${i}\r\n`).join("");
  for (const max of [3, 0]) {
    server.maxHeadersCount = max;
    const client = await RawClient.connect(port);
    client.write(`GET / HTTP/1.1\r\nHost: x\r\n${fields}\r\n`);
    await client.until("ok");
    await client.close();
  }
  await closeServer(server);
  assert.deepEqual(counts, [3, 22, 11, 22]);
});
