/**
 * The client's event order, as Node's. Each scenario logs every event of the request and its response
 * and compares the whole sequence.
 *
 * Verified against node:http on Node 20.20.2 (same scenarios, same servers):
 * - socket closed after the exchange (`agent: false`, `Connection: close`, close-delimited body):
 *   `response > res data > res end > res close > req close`;
 * - socket kept alive (keep-alive Agent, the global agent): `response > res data > res end > req close >
 *   res close` (Node frees the socket, and ends the request, in the tick after the response's 'end');
 * - server gone mid response body (close, or `req.destroy()`): `response > res data > res aborted >
 *   req close > res error (ECONNRESET "aborted") > res close`, and no request 'error';
 * - malformed chunk mid body: `req error (HPE_INVALID_CHUNK_SIZE) > res aborted > req close > res error
 *   (ECONNRESET "aborted") > res close`;
 * - server gone mid request body, or before answering: `req error (ECONNRESET "socket hang up") >
 *   req close`.
 * Chunks are Buffers, as Node's.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, listen, type RawClient, RawServer } from "../_net.ts";
import { Agent, type ClientRequest, request, type RequestOptions } from "../../mod.ts";
import { destroyAgent } from "./_client.ts";

type Log = string[];

/** Starts a request that logs its events and its response's into `log`. */
function logged(options: RequestOptions, log: Log): ClientRequest {
  const req = request({ host: "127.0.0.1", ...options }, (res) => {
    log.push("response");
    res.on("data", () => log.push("res data"));
    res.on("aborted", () => log.push("res aborted"));
    res.on("error", (e: Error & { code?: string }) => log.push(`res error ${e.code} ${e.message}`));
    res.on("end", () => log.push("res end"));
    res.on("close", () => log.push("res close"));
  });
  req.on("error", (e: Error & { code?: string }) => log.push(`req error ${e.code} ${e.message}`));
  req.on("close", () => log.push("req close"));
  return req;
}

/** Resolves once `log` holds `count` events, then one more macrotask (a late event would show up). */
async function settled(log: Log, count: number, _req: ClientRequest): Promise<Log> {
  // Every logged event goes through `log.push`: wait on that rather than on one particular event, whose
  // place in the order is what the tests check.
  await new Promise<void>((resolve) => {
    const push = log.push.bind(log);
    const done = () => {
      delete (log as { push?: unknown }).push;
      resolve();
    };
    Object.defineProperty(log, "push", {
      configurable: true,
      value: (...items: string[]) => {
        const n = push(...items);
        if (log.length >= count) done();
        return n;
      },
    });
    if (log.length >= count) done();
  });
  // No event says "nothing more is coming": one macrotask turn lets any queued stray event arrive.
  await new Promise<void>((r) => setTimeout(r, 0));
  return log;
}

/** Runs `send` against a raw server whose connections are scripted by `script`. */
async function withRawServer(
  script: (conn: RawClient) => Promise<void>,
  send: (port: number) => Promise<void>,
): Promise<void> {
  const server = await RawServer.start((conn) => void script(conn).catch(() => {}));
  try {
    await send(server.port);
  } finally {
    await server.close();
  }
}

test("lifecycle: agent:false — response > res end > res close > req close (as Node)", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("hello"));
  const log: Log = [];
  const req = logged({ port, agent: false }, log);
  req.end();
  await settled(log, 5, req);
  await closeServer(server);
  assert.deepEqual(log, ["response", "res data", "res end", "res close", "req close"]);
});

test("lifecycle: keep-alive Agent — response > res end > req close > res close (as Node)", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("hello"));
  const agent = new Agent({ keepAlive: true });
  for (let i = 0; i < 2; i++) {
    const log: Log = [];
    const req = logged({ port, agent }, log);
    req.end();
    await settled(log, 5, req);
    assert.deepEqual(log, ["response", "res data", "res end", "req close", "res close"], `request ${i + 1}`);
  }
  await destroyAgent(agent);
  await closeServer(server);
});

test("lifecycle: the server answers Connection: close — res close before req close (as Node)", async () => {
  const { server, port } = await listen({}, (_req, res) => {
    res.setHeader("Connection", "close");
    res.end("hello");
  });
  const agent = new Agent({ keepAlive: true });
  const log: Log = [];
  const req = logged({ port, agent }, log);
  req.end();
  await settled(log, 5, req);
  await destroyAgent(agent);
  await closeServer(server);
  assert.deepEqual(log, ["response", "res data", "res end", "res close", "req close"]);
});

test("lifecycle: close-delimited body — res end, res close, req close, no error (as Node)", async () => {
  const log: Log = [];
  await withRawServer(async (conn) => {
    await conn.until("\r\n\r\n");
    conn.write("HTTP/1.1 200 OK\r\n\r\nabc");
    conn.end();
  }, async (port) => {
    const req = logged({ port, agent: false }, log);
    req.end();
    await settled(log, 5, req);
  });
  assert.deepEqual(log, ["response", "res data", "res end", "res close", "req close"]);
});

test("lifecycle: server closes mid response body — res aborted > req close > res error > res close", async () => {
  const log: Log = [];
  await withRawServer(async (conn) => {
    await conn.until("\r\n\r\n");
    conn.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
    await conn.close();
  }, async (port) => {
    const req = logged({ port, agent: false }, log);
    req.end();
    await settled(log, 6, req);
  });
  assert.deepEqual(log, [
    "response",
    "res data",
    "res aborted",
    "req close",
    "res error ECONNRESET aborted",
    "res close",
  ]);
});

test("lifecycle: req.destroy() mid response body — res aborted > req close > res error > res close", async () => {
  const log: Log = [];
  await withRawServer(async (conn) => {
    await conn.until("\r\n\r\n");
    conn.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
  }, async (port) => {
    const req = logged({ port, agent: false }, log);
    req.on("response", (res) => res.once("data", () => req.destroy()));
    req.end();
    await settled(log, 6, req);
  });
  assert.deepEqual(log, [
    "response",
    "res data",
    "res aborted",
    "req close",
    "res error ECONNRESET aborted",
    "res close",
  ]);
});

test("lifecycle: malformed chunk mid body — req error > res aborted > req close > res error > res close", async () => {
  const log: Log = [];
  await withRawServer(async (conn) => {
    await conn.until("\r\n\r\n");
    conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    conn.write("zz\r\n");
  }, async (port) => {
    const req = logged({ port, agent: false }, log);
    req.end();
    await settled(log, 7, req);
  });
  assert.equal(log.length, 7, JSON.stringify(log));
  assert.deepEqual(log.slice(0, 2), ["response", "res data"]);
  assert.match(log[2]!, /^req error HPE_INVALID_CHUNK_SIZE /);
  assert.deepEqual(log.slice(3), ["res aborted", "req close", "res error ECONNRESET aborted", "res close"]);
});

test("lifecycle: server closes mid request body — req error (socket hang up) before req close", async () => {
  const log: Log = [];
  await withRawServer(async (conn) => {
    await conn.until("part");
    await conn.close();
  }, async (port) => {
    const req = logged({ port, agent: false, method: "POST" }, log);
    req.write("part");
    await settled(log, 2, req);
  });
  assert.deepEqual(log, ["req error ECONNRESET socket hang up", "req close"]);
});

test("lifecycle: server closes before answering — req error (socket hang up) before req close", async () => {
  const log: Log = [];
  await withRawServer(async (conn) => {
    await conn.until("\r\n\r\n");
    conn.end();
  }, async (port) => {
    const req = logged({ port, agent: false }, log);
    req.end();
    await settled(log, 2, req);
  });
  assert.deepEqual(log, ["req error ECONNRESET socket hang up", "req close"]);
});
