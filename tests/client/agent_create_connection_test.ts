/**
 * `agent.createConnection()` called directly, in Node's forms `(port[, host][, options])` and
 * `(options)`: it returns the socket at once, still connecting, as `net.createConnection` does. Bytes
 * written before the connection opened go out once it does, `'connect'` follows, and a connection that
 * fails is the socket's `'error'` (Node's plain `Error` with its code).
 *
 * Verified once with node (v20) against node:http's Agent: the same calls printed `connecting true`,
 * `connect`, the server's answer, `end`, and `Error: connect ECONNREFUSED 127.0.0.1:<port> ECONNREFUSED`.
 */
import assert from "node:assert/strict";
import { once, test } from "../_harness.ts";
import { RawServer } from "../_net.ts";
import { Agent } from "../../mod.ts";
import type { Duplex } from "node:stream";

test("agent.createConnection(port, host) returns a connecting socket; early writes go out on connect", async () => {
  const server = await RawServer.start(async (conn) => {
    const head = await conn.until("\r\n\r\n");
    conn.write(`got ${head.length}`);
    conn.end();
  });
  const agent = new Agent();
  try {
    const socket = agent.createConnection(server.port, "127.0.0.1") as Duplex & {
      connecting: boolean;
      setNoDelay(on: boolean): unknown;
    };
    assert.equal(socket.connecting, true);
    // net.Socket's setters work while connecting too (applied once connected).
    assert.equal(socket.setNoDelay(true), socket);
    socket.write("GET / HTTP/1.1\r\n\r\n");
    let got = "";
    socket.on("data", (chunk: Uint8Array) => (got += new TextDecoder().decode(chunk)));
    const connected = once(socket, "connect");
    const ended = once(socket, "end");
    await connected;
    assert.equal(socket.connecting, false);
    await ended;
    assert.equal(got, "got 18");
    socket.end();
    await once(socket, "close");
  } finally {
    await server.close();
  }
});

test("agent.createConnection(options) to a closed port emits Node's ECONNREFUSED Error on the socket", async () => {
  const server = await RawServer.start(() => {});
  const port = server.port;
  await server.close();
  const socket = new Agent().createConnection({ host: "127.0.0.1", port }) as Duplex;
  const failed = once<[Error & { code?: string }]>(socket, "error");
  // Not the harness's once(): it rejects on 'error', which comes first here.
  const closed = new Promise((resolve) => socket.once("close", resolve));
  const [err] = await failed;
  assert.equal(err.code, "ECONNREFUSED");
  assert.equal(err.name, "Error");
  await closed;
});

// As Node 20 (test-http-socket-encoding-error.js passes under node; this scenario run under node): the
// last function argument is a 'connect' listener, as net.createConnection's; the server's end reaches a
// socket nobody reads as 'end'; a server socket refuses setEncoding() while HTTP reads it.
test("createConnection(port, listener): 'connect' listener, 'end' without a reader; setEncoding refused", async () => {
  const { createServer } = await import("../../mod.ts");
  const refusals: string[] = [];
  const server = createServer();
  server.on("connection", (socket) => {
    try {
      socket.setEncoding("utf8");
    } catch (err) {
      const e = err as Error & { code?: string };
      refusals.push(`${e.name} ${e.code} ${e.message}`);
    }
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const agent = new Agent();
  const connected = Promise.withResolvers<void>();
  const socket = agent.createConnection(port, () => connected.resolve()) as Duplex;
  await connected.promise;
  socket.end();
  await once(socket, "end");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.deepEqual(refusals, [
    "Error ERR_HTTP_SOCKET_ENCODING Changing the socket encoding is not allowed per RFC7230 Section 3.",
  ]);
});
