/**
 * The Agent hands out its socket at once, still connecting, as Node's `net.connect`: the request's
 * 'socket' comes first, then the socket's 'connect'. The `timeout` option applies at once and
 * `req.setTimeout()` once connected; `createConnection({ signal })` aborts it. Checked under node (Node
 * 20, the same requests): `socket connecting=true remoteAddress=undefined timeout=2000 listeners=2 cb=true
 * | connect connecting=false remoteAddress=127.0.0.1 timeout=1000 | response`, and an aborted signal is
 * the socket's `AbortError` (`ABORT_ERR`).
 */
import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import { once, test } from "../_harness.ts";
import { closeServer, listen, RawServer } from "../_net.ts";
import { Agent, get, type IncomingMessage, request, type Socket } from "../../mod.ts";
import { destroyAgent } from "./_client.ts";

test("the agent's socket comes connecting; the option's timeout at once, setTimeout()'s on 'connect'", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("x"));
  const agent = new Agent();
  const events: string[] = [];
  const req = get({ host: "127.0.0.1", port, agent, timeout: 2000 });
  req.setTimeout(1000);
  req.on("socket", (s: Socket) => {
    const listeners = s.listeners("timeout");
    events.push(
      `socket connecting=${s.connecting} remoteAddress=${s.remoteAddress} timeout=${s.timeout} ` +
        `listeners=${listeners.length} cb=${listeners[1] === req.timeoutCb}`,
    );
    s.on("connect", () => {
      events.push(`connect connecting=${s.connecting} remoteAddress=${s.remoteAddress} timeout=${s.timeout}`);
    });
  });
  const res = (await once(req, "response"))[0] as IncomingMessage;
  events.push("response");
  res.resume();
  await once(req, "close");
  assert.deepEqual(events, [
    "socket connecting=true remoteAddress=undefined timeout=2000 listeners=2 cb=true",
    "connect connecting=false remoteAddress=127.0.0.1 timeout=1000",
    "response",
  ]);
  await destroyAgent(agent);
  await closeServer(server);
});

test("agent.createConnection({ signal }): connecting at once; the abort is its AbortError", async () => {
  const { server, port } = await listen({}, () => {});
  const agent = new Agent();
  const controller = new AbortController();
  const socket = agent.createConnection(
    { host: "127.0.0.1", port, signal: controller.signal },
    () => {},
  ) as Socket;
  assert.equal(socket.connecting, true);
  controller.abort();
  const [err] = (await once(socket, "error")) as [Error & { code?: string }];
  assert.equal(err.name, "AbortError");
  assert.equal(err.code, "ABORT_ERR");
  await closeServer(server);
});

test("a connection that fails to open: the request's ECONNREFUSED, after its 'socket'", async () => {
  // A port nothing listens on: listen, note the port, close.
  const { server, port } = await listen({}, () => {});
  await closeServer(server);
  const agent = new Agent();
  const events: string[] = [];
  const req = get({ host: "127.0.0.1", port, agent });
  req.on("socket", () => events.push("socket"));
  const [err] = (await once(req, "error")) as [Error & { code?: string }];
  events.push(`error ${err.code}`);
  assert.deepEqual(events, ["socket", "error ECONNREFUSED"]);
  await destroyAgent(agent);
});

// Checked under node (Node 20): with maxSockets 1 and a second request queued, destroying the first
// request's socket in its response's 'end' emits the agent's 'free' three times (the first socket's, the
// new socket's — announced with 'free', as Node's removeSocket does — and the new socket's again).
test("a queued request's new socket is announced with 'free' when the busy one closed", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("Hello World\n"));
  const agent = new Agent({ maxSockets: 1 });
  let frees = 0;
  agent.on("free", () => frees++);
  const first = get({ host: "127.0.0.1", port, agent }, (res) => {
    res.resume();
    res.on("end", () => first.socket!.destroy());
  });
  const second = get({ host: "127.0.0.1", port, agent });
  const res = (await once(second, "response"))[0] as IncomingMessage;
  assert.notEqual(first.socket, second.socket);
  res.resume();
  await once(second.socket!, "close");
  assert.equal(frees, 3);
  await closeServer(server);
});

// Node's test-http-localaddress-bind-error: a connection that fails at once (here, a local address our
// transports cannot bind) is the request's 'error', not an uncaught error of its socket.
test("a connection refused before it opened reaches the request that was handed its socket", async () => {
  const agent = new Agent();
  // Nothing listens on port 9 (discard): the connection is refused after the socket was handed over.
  const req = get({ host: "127.0.0.1", port: 9, agent });
  const [err] = (await once(req, "error")) as [Error & { code?: string }];
  assert.equal(err.code, "ECONNREFUSED");
  await destroyAgent(agent);
});

// Node's test-http-agent-reuse-drained-socket-only: a socket still sending a request body the server does
// not read is not handed to the next request; writableLength counts what waits to be sent.
test("a socket still sending a request body is not reused before it drained", async () => {
  const server = await RawServer.start((client) => {
    client.pause();
    client.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n");
  });
  const agent = new Agent({ keepAlive: true });
  const first = request({ host: "127.0.0.1", port: server.port, agent, method: "POST" });
  // Destroyed at the end, mid-body: its "socket hang up" is expected.
  first.on("error", () => {});
  const body = new Uint8Array(64 * 1024 * 1024);
  first.write(body);
  first.end(body);
  const firstRes = (await once(first, "response"))[0] as IncomingMessage;
  assert.ok(first.socket!.writableLength > 0);
  firstRes.resume();
  await once(firstRes, "end");
  // As Node's test: the next request starts from setImmediate after the response's 'end', when a socket
  // released with the exchange would be in the pool already.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const second = get({ host: "127.0.0.1", port: server.port, agent });
  second.on("error", () => {});
  const [socket] = (await once(second, "socket")) as [Socket];
  assert.notEqual(socket, first.socket);
  second.destroy();
  first.destroy();
  await destroyAgent(agent);
  await server.close();
});
