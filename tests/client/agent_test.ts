import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, listen, RawServer } from "../_net.ts";
import { Agent, getAgent, globalAgent, request } from "../../mod.ts";
import { destroyAgent, fetchText } from "./_client.ts";

test("defaults follow current Node: maxSockets Infinity, getAgent returns the global agent", () => {
  const agent = new Agent();
  // The seed said 5; Node 20's http.Agent says Infinity (checked with node against node:http), and
  // libraries expect Node's.
  assert.equal(agent.maxSockets, Infinity);
  assert.equal(agent.keepAlive, false);
  assert.equal(agent.maxFreeSockets, 256);
  assert.equal(globalAgent.keepAlive, true);
  assert.equal(getAgent("localhost", 80), globalAgent);
  assert.deepEqual(agent.queue, []);
  assert.deepEqual(Object.keys(agent.sockets), []);
});

test("50 concurrent requests never open more than maxSockets connections", async () => {
  let open = 0;
  let peak = 0;
  let total = 0;
  const { server, port } = await listen({}, (_req, res) => setTimeout(() => res.end("ok"), 2));
  server.on("connection", (socket) => {
    open++;
    total++;
    peak = Math.max(peak, open);
    socket.on("close", () => open--);
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 5 });
  const requests = Array.from({ length: 50 }, () => fetchText({ host: "127.0.0.1", port, agent }));
  await new Promise<void>((r) => queueMicrotask(r));
  await new Promise<void>((r) => queueMicrotask(r));
  const queued = agent.queue.length;
  const results = await Promise.all(requests);
  assert.ok(results.every((r) => r.body === "ok"));
  assert.ok(peak <= 5, `peak ${peak}`);
  assert.equal(total, 5);
  assert.ok(queued >= 45 - 5, `queued ${queued}`);
  await destroyAgent(agent);
  await closeServer(server);
});

test("keep-alive sockets are reused; reusedSocket tells", async () => {
  let connections = 0;
  const { server, port } = await listen({}, (_req, res) => res.end("x"));
  server.on("connection", () => connections++);
  const agent = new Agent({ keepAlive: true });
  const reused: boolean[] = [];
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, agent }, (res) => res.resume().on("end", resolve));
      req.on("socket", () => queueMicrotask(() => reused.push(req.reusedSocket)));
      req.on("error", reject);
      req.end();
    });
    await new Promise<void>((r) => queueMicrotask(r));
  }
  assert.equal(connections, 1);
  assert.deepEqual(reused, [false, true, true]);
  await destroyAgent(agent);
  await closeServer(server);
});

test("without keepAlive an idle socket is closed after its response", async () => {
  let closed!: () => void;
  const socketClosed = new Promise<void>((r) => (closed = r));
  const { server, port } = await listen({}, (_req, res) => res.end("x"));
  server.on("connection", (socket) => socket.on("close", () => closed()));
  const agent = new Agent({ keepAlive: false });
  await fetchText({ host: "127.0.0.1", port, agent });
  await socketClosed;
  assert.deepEqual(Object.keys(agent.freeSockets), []);
  await closeServer(server);
});

test("a reused socket the server already closed: an idempotent request is retried once on a fresh socket", async () => {
  let connections = 0;
  const server = await RawServer.start(async (conn) => {
    connections++;
    const first = connections === 1;
    await conn.until("\r\n\r\n");
    conn.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");
    if (!first) return;
    // The first connection takes a second request, then dies without answering: the race where a
    // keep-alive socket is closed by the server just as the client reuses it.
    await conn.until((t) => t.split("\r\n\r\n").length >= 3);
    await conn.close();
  });
  const agent = new Agent({ keepAlive: true });
  assert.equal((await fetchText({ host: "127.0.0.1", port: server.port, agent })).body, "1");
  await new Promise<void>((r) => queueMicrotask(r));
  const second = await fetchText({ host: "127.0.0.1", port: server.port, agent });
  assert.equal(second.body, "1");
  assert.equal(connections, 2);
  await destroyAgent(agent);
  await server.close();
});

test("a POST on a dead reused socket is not replayed: the error reaches the caller", async () => {
  let connections = 0;
  let posts = 0;
  const server = await RawServer.start(async (conn) => {
    connections++;
    await conn.until("\r\n\r\n");
    conn.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");
    await conn.until((t) => t.includes("POST"));
    posts++;
    await conn.until((t) => t.endsWith("data"));
    await conn.close();
  });
  const agent = new Agent({ keepAlive: true });
  await fetchText({ host: "127.0.0.1", port: server.port, agent });
  await new Promise<void>((r) => queueMicrotask(r));
  const err = await fetchText({ host: "127.0.0.1", port: server.port, agent, method: "POST" }, "data").then(
    () => assert.fail("expected an error"),
    (e: { code?: string }) => e,
  );
  assert.equal(err.code, "ECONNRESET");
  assert.equal(posts, 1);
  assert.equal(connections, 1);
  await destroyAgent(agent);
  await server.close();
});

test("an idle pooled socket the server closes is dropped from the pool; the next request opens a new one", async () => {
  let connections = 0;
  let serverSideClosed!: () => void;
  const closedOnce = new Promise<void>((r) => (serverSideClosed = r));
  const { server, port } = await listen({ keepAliveTimeout: 100 }, (_req, res) => res.end("x"));
  server.on("connection", (socket) => {
    connections++;
    socket.on("close", () => serverSideClosed());
  });
  const agent = new Agent({ keepAlive: true });
  await fetchText({ host: "127.0.0.1", port, agent });
  await new Promise<void>((r) => queueMicrotask(r));
  const pooled = Object.values(agent.freeSockets).flat();
  assert.equal(pooled.length, 1);
  const clientSideClosed = new Promise<void>((r) => pooled[0]!.once("close", () => r()));
  await closedOnce; // the server's keep-alive timeout closed the pooled socket
  await clientSideClosed; // the client saw the FIN and closed its side
  assert.deepEqual(Object.keys(agent.freeSockets), []);
  const { body } = await fetchText({ host: "127.0.0.1", port, agent });
  assert.equal(body, "x");
  assert.equal(connections, 2);
  await destroyAgent(agent);
  await closeServer(server);
});

// Node's free-socket error listener. Run once under node with node:http (2026-12-05): the events are
// ["agentRemove", "close"], no uncaught exception, freeSockets {} and totalSocketCount 0 afterwards.
test("an error on an idle pooled socket closes it quietly and takes it out of the pool (as Node)", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("x"));
  const agent = new Agent({ keepAlive: true });
  await fetchText({ host: "127.0.0.1", port, agent });
  await new Promise<void>((r) => queueMicrotask(r));
  const [socket] = Object.values(agent.freeSockets).flat();
  assert.ok(socket);
  const events: string[] = [];
  socket.on("agentRemove", () => events.push("agentRemove"));
  const closed = new Promise<void>((r) => socket.once("close", () => r()));
  socket.on("close", () => events.push("close"));
  // With nobody handling it, this 'error' would be the process's uncaught exception (the test would fail).
  socket.destroy(new Error("boom"));
  await closed;
  assert.deepEqual(events, ["agentRemove", "close"]);
  assert.deepEqual(Object.keys(agent.freeSockets), []);
  assert.equal(agent.totalSocketCount, 0);
  await destroyAgent(agent);
  await closeServer(server);
});

test("maxTotalSockets bounds the sockets open across origins", async () => {
  const a = await listen({}, (_req, res) => setTimeout(() => res.end("a"), 5));
  const b = await listen({}, (_req, res) => setTimeout(() => res.end("b"), 5));
  let open = 0;
  let peak = 0;
  for (const { server } of [a, b]) {
    server.on("connection", (socket) => {
      peak = Math.max(peak, ++open);
      socket.on("close", () => open--);
    });
  }
  const agent = new Agent({ keepAlive: true, maxSockets: 5, maxTotalSockets: 3, scheduling: "fifo" });
  const results = await Promise.all(
    Array.from(
      { length: 12 },
      (_, i) => fetchText({ host: "127.0.0.1", port: i % 2 ? a.port : b.port, agent }),
    ),
  );
  assert.deepEqual(results.map((r) => r.body).sort().join(""), "aaaaaabbbbbb");
  assert.ok(peak <= 3, `peak ${peak}`);
  await destroyAgent(agent);
  await closeServer(a.server);
  await closeServer(b.server);
});

// Checked against node:http on Node 20.20.2: after the response ended on a keep-alive Agent, the
// request is done with its socket, and req.destroy() (got calls it after every response) leaves the
// socket in the pool: two requests, one connection, one free socket.
test("destroy() after a kept-alive response leaves the pooled socket alone (as Node)", async () => {
  let connections = 0;
  const { server, port } = await listen({}, (_req, res) => res.end("x"));
  server.on("connection", () => connections++);
  const agent = new Agent({ keepAlive: true });
  for (let i = 0; i < 2; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, agent }, (res) => {
        res.resume();
        res.on("end", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", reject);
      req.end();
    });
  }
  assert.equal(connections, 1);
  await destroyAgent(agent);
  await closeServer(server);
});
