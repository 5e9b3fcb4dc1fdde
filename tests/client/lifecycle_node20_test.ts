/**
 * `abort()`, `destroy()`, `signal` and timeouts as Node 20 reports them. Every scenario here was run the
 * same way against node:http under Node 20 (a script of the same requests and servers), which printed:
 * - `destroy()` in the response's first 'data': `aborted` false, `destroyed` true; then `res aborted >
 *   req close > res error ECONNRESET > res close`, and no more 'data' (the rest of the body is dumped);
 * - `abort()` there: `aborted` true, then `abort > res aborted > req close > res error ECONNRESET >
 *   res close`, no more 'data';
 * - an already aborted `signal`: `destroyed` true (and `aborted` false) as `request()` returns, then
 *   `error ABORT_ERR AbortError > close`;
 * - `req.setTimeout(5)` on a request nobody answers: one 'timeout' in 100 ms, and none after a second
 *   `setTimeout(5)` (Node's request listens to its socket's 'timeout' once in its life);
 * - `res.setTimeout(5)` on a response whose body never comes: the response's 'timeout';
 * - `req.setTimeout(2 ** 40)`: a `TimeoutOverflowWarning` ("... Timer duration was truncated to
 *   2147483647."); at 'socket' the socket is still connecting, without a timeout, and at its 'connect'
 *   the timeout is 2147483647;
 * - `agent: false`: `socket > socket connect > req finish > ... > socket close`, the socket `connecting` at
 *   'socket' (the request's 'finish' is its last write's callback, once the socket connected);
 *   to a port nobody listens on, the socket at 'socket' then `req error ECONNREFUSED > req close`;
 * - an HTTP/1.0 response without keep-alive: `req.shouldKeepAlive` true before, false in 'response';
 * - `agent.destroy()` in the response's 'end': the socket still emits 'free' (destroyed), nothing pooled;
 * - a request destroyed while queued at its agent stays in `agent.requests` until a socket frees; it
 *   then reports ECONNRESET and 'close', and never gets 'socket'.
 */
import assert from "node:assert/strict";
import process, { nextTick } from "node:process";
import { Duplex } from "node:stream";
import { once, test } from "../_harness.ts";
import { closeServer, listen, RawServer } from "../_net.ts";
import { Agent, type ClientRequest, get, type IncomingMessage, request, type Socket } from "../../mod.ts";
import { destroyAgent } from "./_client.ts";

/** Resolves with the request's 'close', collecting what happened on the way. */
function lifecycle(req: ClientRequest, events: string[]): Promise<void> {
  req.on("abort", () => events.push("abort"));
  req.on("error", (e: Error & { code?: string }) => events.push(`req error ${e.code}`));
  return new Promise((resolve) => req.on("close", () => resolve()));
}

for (const method of ["destroy", "abort"] as const) {
  test(`${method}() in the first 'data': aborted ${method === "abort"}, the body is dropped, Node's events`, async () => {
    let finish: (() => void) | undefined;
    const { server, port } = await listen({}, (_req, res) => {
      res.write("a");
      finish = () => res.end("bc");
    });
    const events: string[] = [];
    let resClosed!: Promise<unknown>;
    const req = get({ host: "127.0.0.1", port, agent: false }, (res) => {
      resClosed = new Promise((resolve) => res.on("close", resolve));
      res.on("data", (chunk: Uint8Array) => {
        events.push(`data ${chunk.length}`);
        req[method]();
        events.push(`aborted=${req.aborted} destroyed=${req.destroyed}`);
        finish!();
      });
      res.on("aborted", () => events.push("res aborted"));
      res.on("error", (e: Error & { code?: string }) => events.push(`res error ${e.code}`));
      res.on("close", () => events.push("res close"));
    });
    const closed = lifecycle(req, events);
    req.on("close", () => events.push("req close"));
    await closed;
    await resClosed;
    assert.deepEqual(events, [
      "data 1",
      `aborted=${method === "abort"} destroyed=true`,
      ...(method === "abort" ? ["abort"] : []),
      "res aborted",
      "req close",
      "res error ECONNRESET",
      "res close",
    ]);
    await closeServer(server);
  });
}

test("an already aborted signal: destroyed when request() returns, then ABORT_ERR and 'close'", async () => {
  const server = await RawServer.start(() => {});
  const controller = new AbortController();
  controller.abort();
  const req = get({ host: "127.0.0.1", port: server.port, signal: controller.signal });
  assert.equal(req.destroyed, true);
  assert.equal(req.aborted, false);
  const errors: string[] = [];
  req.on("error", (e: Error & { code?: string }) => errors.push(`${e.code} ${e.name}`));
  await new Promise((resolve) => req.on("close", resolve));
  assert.deepEqual(errors, ["ABORT_ERR AbortError"]);
  await server.close();
});

test("req.setTimeout(): one 'timeout' in the request's life, as Node 20", async () => {
  let answer: (() => void) | undefined;
  const { server, port } = await listen({}, (_req, res) => {
    answer = () => res.end();
  });
  const req = get({ host: "127.0.0.1", port, agent: false });
  let timeouts = 0;
  req.setTimeout(5, () => timeouts++);
  const socket = (await once(req, "socket"))[0] as Socket;
  // The socket keeps timing out (each time its own listener hears it); the request heard only the first.
  let socketTimeouts = 0;
  await new Promise<void>((resolve) =>
    socket.on("timeout", () => {
      if (++socketTimeouts === 3) resolve();
    })
  );
  req.setTimeout(5);
  await new Promise<void>((resolve) =>
    socket.on("timeout", () => {
      if (++socketTimeouts === 5) resolve();
    })
  );
  assert.equal(timeouts, 1);
  const response = once(req, "response");
  answer!();
  ((await response)[0] as IncomingMessage).resume();
  await once(req, "close");
  await closeServer(server);
});

test("res.setTimeout(): the response hears its socket's 'timeout'", async () => {
  const { server, port } = await listen({}, (_req, res) => res.flushHeaders());
  const req = get({ host: "127.0.0.1", port, agent: false });
  req.on("error", () => {});
  const res = (await once(req, "response"))[0] as IncomingMessage;
  res.on("error", () => {});
  const timedOut = once(res, "timeout");
  res.setTimeout(5);
  await timedOut;
  const closed = once(req, "close");
  req.destroy();
  await closed;
  await closeServer(server);
});

test("req.setTimeout(2 ** 40): TimeoutOverflowWarning, clamped to 2^31-1 ms", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end());
  const warned = new Promise<Error>((resolve) => process.once("warning", resolve));
  const req = get({ host: "127.0.0.1", port, agent: false });
  // 'socket' comes a tick after the request, as Node's (the socket still connecting): listen at once.
  const socketEvent = once(req, "socket");
  req.setTimeout(2 ** 40);
  const warning = await warned;
  assert.equal(warning.name, "TimeoutOverflowWarning");
  assert.equal(
    warning.message,
    "1099511627776 does not fit into a 32-bit signed integer.\nTimer duration was truncated to 2147483647.",
  );
  // As Node's (checked under node 20.20): at 'socket' the socket is still connecting, without a timeout;
  // the request's timeout is set on it at 'connect'.
  const socket = (await socketEvent)[0] as Socket;
  assert.equal(socket.connecting, true);
  assert.equal(socket.timeout, undefined);
  await once(socket, "connect");
  assert.equal(socket.timeout, 2 ** 31 - 1);
  ((await once(req, "response"))[0] as IncomingMessage).resume();
  await once(req, "close");
  await closeServer(server);
});

test("agent: false: 'socket' comes while the socket connects, then its 'connect', then the request's 'finish'", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("ok"));
  const events: string[] = [];
  const req = get({ host: "127.0.0.1", port, agent: false });
  req.on("finish", () => events.push("req finish"));
  req.on("socket", (socket: Socket) => {
    events.push(`socket connecting=${socket.connecting}`);
    socket.on("connect", () => events.push("socket connect"));
    socket.on("close", () => events.push("socket close"));
  });
  ((await once(req, "response"))[0] as IncomingMessage).resume();
  await once(req, "close");
  await closeServer(server);
  assert.deepEqual(events.slice(0, 3), ["socket connecting=true", "socket connect", "req finish"]);
  assert.equal(events.at(-1), "socket close");
});

test("agent: false to a refused port: 'socket', then ECONNREFUSED and 'close'", async () => {
  const { server, port } = await listen({}, () => {});
  await closeServer(server);
  const events: string[] = [];
  const req = get({ host: "127.0.0.1", port, agent: false });
  req.on("socket", () => events.push("socket"));
  const closed = lifecycle(req, events);
  await closed;
  assert.deepEqual(events, ["socket", "req error ECONNREFUSED"]);
});

test("an HTTP/1.0 response without keep-alive turns req.shouldKeepAlive off", async () => {
  const server = await RawServer.start(async (client) => {
    await client.until("\r\n\r\n");
    client.write("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
    client.end();
  });
  const agent = new Agent({ keepAlive: true });
  const req = get({ host: "127.0.0.1", port: server.port, agent });
  assert.equal(req.shouldKeepAlive, true);
  const res = (await once(req, "response"))[0] as IncomingMessage;
  assert.equal(req.shouldKeepAlive, false);
  res.resume();
  await once(req, "close");
  await destroyAgent(agent);
  await server.close();
});

test("agent.destroy() in the response's 'end': the socket still emits 'free', nothing is pooled", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("x"));
  const agent = new Agent({ keepAlive: true });
  const req = get({ host: "127.0.0.1", port, agent }, (res) => {
    res.on("end", () => agent.destroy()).resume();
  });
  const socket = (await once(req, "socket"))[0] as Socket;
  await once(socket, "free");
  assert.equal(socket.destroyed, true);
  assert.equal(Object.keys(agent.freeSockets).length, 0);
  await closeServer(server);
});

test("a request destroyed while queued stays queued until a socket frees, then ECONNRESET and 'close'", async () => {
  let finish: (() => void) | undefined;
  const { server, port } = await listen({}, (req, res) => {
    if (req.url === "/1") {
      res.write("a");
      finish = () => res.end();
    } else res.end("2");
  });
  const agent = new Agent({ maxSockets: 1 });
  const first = get({ host: "127.0.0.1", port, agent, path: "/1" });
  const res = (await once(first, "response"))[0] as IncomingMessage;
  const second = get({ host: "127.0.0.1", port, agent, path: "/2" });
  const events: string[] = [];
  second.on("socket", () => events.push("socket"));
  const closed = lifecycle(second, events);
  second.destroy();
  assert.equal(Object.values(agent.requests).flat().length, 1);
  // The agent hears the first request's socket 'free' and hands it to the queued request at once.
  const freed = once(agent, "free");
  res.resume();
  finish!();
  await freed;
  await closed;
  assert.deepEqual(events, ["req error ECONNRESET"]);
  assert.equal(Object.values(agent.requests).flat().length, 0);
  await destroyAgent(agent);
  await closeServer(server);
});

// Checked under node (Node 20, the same createConnection): a request destroyed before the socket it was
// handed arrives reports that socket's error (`abort`: 'abort | error Oops | close'; `destroy()` and
// `destroy(err)`: 'error Oops | close'); over a healthy socket, abort() is 'abort | close' and destroy()
// 'error socket hang up | close'.
for (
  const [kind, expected] of [
    ["abort", ["abort", "error Oops", "close"]],
    ["destroy", ["error Oops", "close"]],
    ["destroy-err", ["error Oops", "close"]],
    ["abort-healthy", ["abort", "close"]],
    ["destroy-healthy", ["error socket hang up", "close"]],
  ] as const
) {
  test(`${kind} before the handed-over socket arrives: ${expected.join(" > ")}`, async () => {
    const createConnection = () => {
      const socket = new Duplex({
        read() {},
        write(_chunk, _encoding, callback) {
          callback();
        },
      });
      if (!kind.endsWith("healthy")) nextTick(() => socket.destroy(new Error("Oops")));
      return socket;
    };
    const events: string[] = [];
    const req = get({ host: "127.0.0.1", port: 1, createConnection });
    req.on("error", (e) => events.push(`error ${e.message}`));
    req.on("abort", () => events.push("abort"));
    const closed = new Promise<void>((resolve) =>
      req.on("close", () => {
        events.push("close");
        resolve();
      })
    );
    if (kind.startsWith("abort")) req.abort();
    else if (kind === "destroy-err") req.destroy(new Error("mine"));
    else req.destroy();
    await closed;
    assert.deepEqual(events, expected);
  });
}

// Node's test-http-connect-req-res checks it: after 'connect' the request is destroyed, then 'close'.
test("a CONNECT taken over: the request is destroyed by its 'close'", async () => {
  const { server, port } = await listen({}, () => {});
  server.on("connect", (_req: unknown, socket: Socket) => {
    socket.end("HTTP/1.1 200 Connection established\r\n\r\n");
  });
  const req = request({ host: "127.0.0.1", port, method: "CONNECT", path: "example.com:443", agent: false });
  const destroyedAtClose = new Promise<boolean>((resolve) => req.on("close", () => resolve(req.destroyed)));
  req.end();
  const [, socket] = await once<[IncomingMessage, Socket]>(req, "connect");
  socket.destroy();
  assert.equal(await destroyedAtClose, true);
  await closeServer(server);
});

// Node's test-http-connect checks it. Under Node 20 (the same server and requests, with `timeout: 20000`)
// both printed `_httpMessage null timeout listeners 0 socket.timeout 20000`: the socket the listener gets
// no longer points at the request, and carries none of its listeners (its timer stays set).
for (const kind of ["connect", "upgrade"] as const) {
  test(`a socket taken over by '${kind}': _httpMessage null, no 'timeout' listener of the request`, async () => {
    const { server, port } = await listen({}, () => {});
    server.on("connect", (_req: unknown, socket: Socket) => {
      socket.end("HTTP/1.1 200 Connection established\r\n\r\n");
    });
    server.on("upgrade", (_req: unknown, socket: Socket) => {
      socket.end("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n");
    });
    const req = request({
      host: "127.0.0.1",
      port,
      timeout: 20000,
      agent: false,
      ...(kind === "connect"
        ? { method: "CONNECT", path: "example.com:443" }
        : { headers: { Connection: "Upgrade", Upgrade: "x" } }),
    });
    req.end();
    const seen = new Promise<[unknown, number, number | undefined]>((resolve) =>
      req.on(kind, (_res: IncomingMessage, socket: Socket) => {
        // Read in the listener: that is where Node's test looks.
        resolve([
          (socket as { _httpMessage?: unknown })._httpMessage,
          socket.listenerCount("timeout"),
          socket.timeout,
        ]);
        socket.destroy();
      })
    );
    assert.deepEqual(await seen, [null, 0, 20000]);
    await closeServer(server);
  });
}

// Node's test-https-agent-sockets-leak checks it (and node:http under Node 20 does the same over http):
// a socket closed after its exchange has left its agent by the request's 'close', which follows the
// response's.
test("a socket closed after the exchange has left agent.sockets by the request's 'close'", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("x"));
  const agent = new Agent({ keepAlive: false });
  const events: string[] = [];
  const req = get({ host: "127.0.0.1", port, agent }, (res) => {
    events.push(`sockets ${Object.keys(agent.sockets).length}`);
    res.on("close", () => events.push("res close"));
    res.resume();
  });
  await new Promise<void>((resolve) =>
    req.on("close", () => {
      events.push(`req close, sockets ${Object.keys(agent.sockets).length}`);
      resolve();
    })
  );
  assert.deepEqual(events, ["sockets 1", "res close", "req close, sockets 0"]);
  await closeServer(server);
});

// Checked under node (Node 20, the same server and calls): `res.destroy(err)` mid body leaves
// `res.closed` false on return, then `res aborted | req error mine | res error mine | res close |
// req close`; without an 'error' listener on the request, its error is the process's (Node's
// test-http-client-incomingmessage-destroy).
test("res.destroy(err) mid body: closed later; the request's error first, then the response's", async () => {
  const { server, port } = await listen({}, (_req, res) => {
    res.writeHead(200);
    res.write("part");
  });
  const events: string[] = [];
  // Listeners added in the response callback, as the check under node did.
  const req = get({ host: "127.0.0.1", port, agent: false }, (res) => {
    res.on("aborted", () => events.push("res aborted"));
    res.on("error", (e) => events.push(`res error ${e.message}`));
    res.on("close", () => events.push("res close"));
  });
  req.on("error", (e) => events.push(`req error ${e.message}`));
  const closed = new Promise<void>((resolve) =>
    req.on("close", () => {
      events.push("req close");
      resolve();
    })
  );
  const res = (await once(req, "response"))[0] as IncomingMessage;
  await once(res, "data");
  res.destroy(new Error("mine"));
  events.push(`closed=${res.closed}`);
  await closed;
  assert.deepEqual(events, [
    "res aborted",
    "closed=false",
    "req error mine",
    "res error mine",
    "res close",
    "req close",
  ]);
  await closeServer(server);
});
