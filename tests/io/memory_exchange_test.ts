/**
 * Our client against our server with no socket at all: both sides on a transport made of in-memory Web
 * Streams pairs. Shows that everything above `src/transports` depends on the transport contract only, and
 * gives exchanges that no kernel buffering can reorder.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { Agent, createServer, request, type Server } from "../../mod.ts";
import type { Transport, TransportConn } from "../../src/io/transport.ts";
import { fromWebStreams } from "../../src/transports/web_streams.ts";

/** A transport whose "network" is a map from port to listener, and whose sockets are stream pairs. */
function memoryTransport(): Transport {
  const listeners = new Map<number, (conn: TransportConn) => void>();
  let nextPort = 40_000;
  return {
    name: "memory",
    listen(target, onConnection) {
      const port = "port" in target && target.port !== 0 ? target.port : nextPort++;
      listeners.set(port, onConnection);
      return Promise.resolve({
        address: { address: "memory", port, family: "IPv4" as const },
        close: () => {
          listeners.delete(port);
          return Promise.resolve();
        },
      });
    },
    connect(target) {
      const port = "port" in target ? target.port : -1;
      const accept = listeners.get(port);
      if (!accept) return Promise.reject(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }));
      const up = new TransformStream<Uint8Array, Uint8Array>();
      const down = new TransformStream<Uint8Array, Uint8Array>();
      const address = { address: "memory", port, family: "IPv4" as const };
      accept(
        fromWebStreams({ readable: up.readable, writable: down.writable }, {
          local: address,
          remote: address,
        }),
      );
      return Promise.resolve(
        fromWebStreams({ readable: down.readable, writable: up.writable }, {
          local: address,
          remote: address,
        }),
      );
    },
  };
}

async function start(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "memory", r));
  return (server.address() as { port: number }).port;
}

async function stop(server: Server, agent: Agent): Promise<void> {
  const sockets = [...Object.values(agent.sockets).flat(), ...Object.values(agent.freeSockets).flat()];
  const closed = sockets.map((s) => new Promise<void>((r) => s.destroyed ? r() : s.once("close", () => r())));
  agent.destroy();
  await Promise.all(closed);
  await new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
}

test("in memory: a chunked POST with trailers and its echo, then a keep-alive GET on the same connection", async () => {
  const transport = memoryTransport();
  let connections = 0;
  const server = createServer({ transport }, async (req, res) => {
    const body = await req.text();
    res.setHeader("X-Trailers", JSON.stringify(req.trailers));
    res.end(`${req.method} ${req.url} ${body}`);
  });
  server.on("connection", () => connections++);
  const port = await start(server);
  const agent = new Agent({ keepAlive: true, transport });
  const exchange = (method: string, body?: string, trailers?: Record<string, string>) =>
    new Promise<{ status: number; text: string; trailersSeen: string }>((resolve, reject) => {
      const req = request({ host: "memory", port, method, path: "/p", agent }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (text += c));
        res.on(
          "end",
          () => resolve({ status: res.statusCode!, text, trailersSeen: String(res.headers["x-trailers"]) }),
        );
      });
      req.on("error", reject);
      if (body !== undefined) {
        req.write(body.slice(0, 2));
        if (trailers) req.addTrailers(trailers);
        req.end(body.slice(2));
      } else req.end();
    });
  const posted = await exchange("POST", "hello", { "X-Sum": "5" });
  assert.deepEqual(posted, { status: 200, text: "POST /p hello", trailersSeen: '{"x-sum":"5"}' });
  await new Promise<void>((r) => queueMicrotask(r));
  const got = await exchange("GET");
  assert.deepEqual(got, { status: 200, text: "GET /p ", trailersSeen: "{}" });
  assert.equal(connections, 1);
  await stop(server, agent);
});

test("in memory: an upgrade hands both ends their raw socket", async () => {
  const transport = memoryTransport();
  const server = createServer({ transport });
  server.on("upgrade", (_req, socket, head) => {
    socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
    if (head.length > 0) socket.write(head);
    socket.on("data", (bytes) => socket.write(bytes));
  });
  const port = await start(server);
  const agent = new Agent({ transport });
  const echoed = await new Promise<string>((resolve, reject) => {
    const req = request({ host: "memory", port, agent, headers: { Connection: "Upgrade", Upgrade: "echo" } });
    req.on("upgrade", (_res, socket) => {
      socket.setEncoding("utf8");
      socket.on("data", (text) => {
        resolve(text as string);
        socket.destroy();
      });
      socket.write("ping over memory");
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(echoed, "ping over memory");
  await stop(server, agent);
});
