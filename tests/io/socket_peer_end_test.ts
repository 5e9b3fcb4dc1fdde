/**
 * The peer's FIN on a socket HTTP is reading (a server's connection, a client request's socket): the socket
 * emits `'end'` (`readableEnded`, `readable`, `stream.finished`) as a Node socket does under its parser,
 * after the HTTP layer acted on the FIN and before what that queued.
 *
 * Checked under Node 20.20.2 against node:http with the same scenarios (a raw `net` peer sending the same
 * bytes, the same listeners; state written as `readableEnded readable writable readyState`). Node printed:
 * 1. Server, `GET` and the client's FIN in one write, the handler reading the request and answering from
 *    the socket's `'end'`: `req end, req close, socket end (true false false closed), finished ok,
 *    answered, socket finish, res close, socket close`; nothing reaches the client (Node's server ended its
 *    side on the FIN, before the answer). With `httpAllowHalfOpen`: `req end, req close, socket end (true
 *    false true writeOnly), finished ok, answered, res finish, res close, socket finish, socket close`, and
 *    the answer is delivered, then the FIN.
 * 2. Server, `POST` head with `Content-Length: 5` (and 0 or 2 body bytes), the client's FIN once the handler
 *    ran: `socket end (true false false closed), finished ok, socket error HPE_INVALID_EOF_STATE,
 *    req aborted, res close, socket close, req error ECONNRESET aborted, req close`; the client reads
 *    `HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n`.
 * 3. Client, a server that answers `Connection: close` and closes at once:
 *    - body delimited by the close: `res data hello, socket end (true false false closed), finished ok,
 *      res end, res close, req close, socket close`;
 *    - `Content-Length` body: no `'end'` (the client destroys the socket once the response is read):
 *      `res data hello, res end, res close, socket finish, req close, finished ERR_STREAM_PREMATURE_CLOSE,
 *      socket close`;
 *    - body cut short (`Content-Length: 10`, 5 bytes): `res data hello, socket end (true false false
 *      closed), finished ok, res aborted, req close, socket close, res error ECONNRESET aborted, res close`;
 *    - no answer at all: `req error ECONNRESET socket hang up, socket end (true false false closed),
 *      finished ok, req close, socket close`.
 * 4. Server, an idle keep-alive connection whose client sends its FIN after the answer: `socket end (true
 *    false false closed), finished ok, socket finish, socket close`.
 * 5. Client, an idle pooled keep-alive socket the server closes: `socket end (readableEnded true, readable
 *    false), finished ok, socket finish, socket close`, and the agent's free list is empty after.
 * 6. Server, an `Upgrade` request and the client's FIN in one write: `'upgrade'` (head "hi",
 *    `readableEnded` false), then the raw socket's `'end'` (writable true).
 * 7. Client, a CONNECT tunnel the server ends right after its 200 (with "server-bye"): at `'connect'` the
 *    socket has `allowHalfOpen` false and one `'end'` listener (net.Socket's own); then `end (writable
 *    true), finish, close`: the socket ends its side by itself, a tick after the FIN. Writing after ending
 *    it from `'end'`: `write()` false and the socket destroyed, `write cb EPIPE This socket has been ended by
 *    the other party`, `error EPIPE ...`, `close`. The server's upgraded socket has `allowHalfOpen` true
 *    and one `'end'` listener too (an HTTPS server's: false, as Node's tls.Server).
 * 8. Server, an upgraded socket its user paused (empty, not flowing) and the client's FIN: `end
 *    (readableFlowing false, readableEnded true)`, then, ended from 'end', `close`: a paused net.Socket
 *    reads on until its queue is full, so the FIN comes in.
 *
 * Where this implementation differs from those lists for reasons other than the FIN, the tests leave the
 * event out, say so, and keep the rest exact: the server ends the socket in the last response's `end()`
 * (Node on its `'finish'`), so the socket's `'finish'` comes earlier; its error answer (400) is followed by
 * a FIN rather than a destroy; the client destroys a socket whose exchange ended without keep-alive (Node
 * ends it first: no `'finish'` here), a cut-short response's error and `'close'` come before the socket's
 * `'close'`, and the hang-up `'error'` after the socket's `'end'`. The request's `'close'` comes right
 * before the socket's, as Node's, and the socket's own `'end'` is where Node has it in every case, on Deno
 * and on Bun.
 *
 * @module
 */
import assert from "node:assert/strict";
import { finished } from "node:stream";
import { test } from "../_harness.ts";
import { closeServer, listen, normalizeDate, RawClient, RawServer } from "../_net.ts";
import { EventLog } from "../_event_log.ts";
import { Agent, get, type IncomingMessage, request, type Socket } from "../../mod.ts";
import { destroyAgent } from "../client/_client.ts";

/** The socket's read side as Node's tests print it: `readableEnded readable writable readyState`. */
function state(socket: Socket): string {
  return `${socket.readableEnded} ${socket.readable} ${socket.writable} ${socket.readyState}`;
}

/** Logs the socket's 'end' (with its state), what `stream.finished` says of its read side, and 'close'. */
function watchEnd(socket: Socket, log: EventLog, { finish = false } = {}): void {
  socket.on("end", () => log.push(`socket end (${state(socket)})`));
  finished(socket, { writable: false }, (err) => {
    log.push(`finished ${(err as { code?: string } | null | undefined)?.code ?? "ok"}`);
  });
  if (finish) socket.on("finish", () => log.push("socket finish"));
  socket.on("close", () => log.push("socket close"));
}

for (const halfOpen of [false, true]) {
  test(`server${halfOpen ? ", httpAllowHalfOpen" : ""}: a GET and the client's FIN in one write; the socket's 'end' comes after the request's 'end' and 'close', seeing the server's answer to the FIN`, async () => {
    const log = new EventLog();
    const { server, port } = await listen({}, (req, res) => {
      const socket = req.socket;
      watchEnd(socket, log, { finish: !halfOpen });
      req.on("end", () => log.push("req end"));
      req.on("close", () => log.push("req close"));
      // No 'finish' for a response written after the socket ended (case 1), as Node.
      res.on("finish", () => log.push("res finish"));
      res.on("close", () => log.push("res close"));
      socket.on("end", () => {
        res.end("late");
        log.push("answered");
      });
      req.resume();
    });
    server.httpAllowHalfOpen = halfOpen;
    const client = await RawClient.connect(port);
    // One write: Deno reads the request and the FIN in one turn, Bun in two; the order must not change.
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    client.end();
    const text = normalizeDate(await client.readAll());
    await log.until("socket close");
    await client.close();
    await closeServer(server);
    if (halfOpen) {
      // Node's answer says `Connection: keep-alive` (it keeps no note of the FIN); here `close`, as it is.
      assert.equal(
        text,
        "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: close\r\nContent-Length: 4\r\n\r\nlate",
      );
      // The socket's 'finish' (here at the answer's end(), Node's after its 'finish') is left out.
      assert.deepEqual(log.entries, [
        "req end",
        "req close",
        "socket end (true false true writeOnly)",
        "finished ok",
        "answered",
        "res finish",
        "res close",
        "socket close",
      ]);
    } else {
      assert.equal(text, "");
      assert.deepEqual(log.entries, [
        "req end",
        "req close",
        "socket end (true false false closed)",
        "finished ok",
        "answered",
        "socket finish",
        "res close",
        "socket close",
      ]);
    }
  });
}

for (const [name, body] of [["no body", ""], ["part of its body", "ab"]] as const) {
  test(`server: the client's FIN after a POST head with ${name}: 'end', then the 400's error, then the abort`, async () => {
    const log = new EventLog();
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    const { server, port } = await listen({}, (req, res) => {
      const socket = req.socket;
      watchEnd(socket, log);
      // The first error only: the transport's own report of the peer's close may follow here (Node has
      // destroyed the socket by then).
      socket.once("error", (err: Error & { code?: string }) => {
        log.push(`socket error ${err.code}`);
        socket.on("error", () => {});
      });
      for (const event of ["aborted", "close"] as const) req.on(event, () => log.push(`req ${event}`));
      req.on("error", (err: Error & { code?: string }) => log.push(`req error ${err.code} ${err.message}`));
      res.on("close", () => log.push("res close"));
      entered();
    });
    const client = await RawClient.connect(port);
    client.write("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n" + body);
    await inHandler;
    client.end();
    const text = await client.readAll();
    await log.until("req close");
    await log.until("socket close");
    await client.close();
    await closeServer(server);
    assert.equal(text, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    assert.deepEqual(log.entries, [
      "socket end (true false false closed)",
      "finished ok",
      "socket error HPE_INVALID_EOF_STATE",
      "req aborted",
      "res close",
      "socket close",
      "req error ECONNRESET aborted",
      "req close",
    ]);
  });
}

test("server: an idle keep-alive connection whose client sends its FIN: 'end', then our FIN, then 'close'", async () => {
  const log = new EventLog();
  const { server, port } = await listen({}, (_req, res) => res.end("ok"));
  server.on("connection", (socket: Socket) => watchEnd(socket, log, { finish: true }));
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await client.until("\r\n\r\nok");
  client.end();
  await client.readAll();
  await log.until("socket close");
  await client.close();
  await closeServer(server);
  assert.deepEqual(log.entries, [
    "socket end (true false false closed)",
    "finished ok",
    "socket finish",
    "socket close",
  ]);
});

test("server: an upgrade and the client's FIN in one write: the upgraded socket gets the 'end'", async () => {
  const log = new EventLog();
  const { server, port } = await listen({});
  server.on("upgrade", (_req: IncomingMessage, socket: Socket, head: Uint8Array) => {
    log.push(`upgrade head ${new TextDecoder().decode(head)} readableEnded ${socket.readableEnded}`);
    socket.on("end", () => {
      log.push(`socket end writable ${socket.writable}`);
      socket.end("bye");
    });
    socket.on("close", () => log.push("socket close"));
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n");
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\nhi");
  client.end();
  const text = await client.readAll();
  await log.until("socket close");
  await client.close();
  await closeServer(server);
  assert.equal(text, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\nbye");
  assert.deepEqual(log.entries, [
    "upgrade head hi readableEnded false",
    "socket end writable true",
    "socket close",
  ]);
});

test("server: an upgraded socket paused by its user still hears the client's FIN: 'end', then its own close", async () => {
  const log = new EventLog();
  const { server, port } = await listen({});
  server.on("upgrade", (_req: IncomingMessage, socket: Socket) => {
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n");
    // As after an unpipe() (http-proxy's WebSocket tunnel, once its upstream closed): paused, empty.
    socket.pause();
    socket.on("end", () => {
      log.push(`socket end flowing ${socket.readableFlowing} readableEnded ${socket.readableEnded}`);
      socket.end();
    });
    socket.on("close", () => log.push("socket close"));
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n");
  await client.until("\r\n\r\n");
  client.end();
  await log.until("socket close");
  await client.close();
  await closeServer(server);
  assert.deepEqual(log.entries, ["socket end flowing false readableEnded true", "socket close"]);
});

/**
 * A GET to a raw server that answers `response` and closes at once; resolves with the events of the
 * socket, the response and the request's 'close', and the request's errors.
 */
async function getFromClosingServer(response: string): Promise<{ events: string[]; errors: string[] }> {
  const server = await RawServer.start(async (conn) => {
    await conn.until("\r\n\r\n");
    conn.write(response);
    conn.end();
  });
  const log = new EventLog();
  const errors: string[] = [];
  const req = get({ host: "127.0.0.1", port: server.port, agent: false });
  let socketClosed!: Promise<void>;
  req.on("socket", (socket: Socket) => {
    socketClosed = new Promise((resolve) => socket.on("close", () => resolve()));
    watchEnd(socket, log);
  });
  req.on("error", (err: Error & { code?: string }) => errors.push(`${err.code} ${err.message}`));
  req.on("close", () => log.push("req close"));
  let resClosed: Promise<void> = Promise.resolve();
  req.on("response", (res: IncomingMessage) => {
    resClosed = new Promise((resolve) => res.on("close", () => resolve()));
    for (const event of ["aborted", "end", "close"] as const) res.on(event, () => log.push(`res ${event}`));
    res.on("error", (err: Error & { code?: string }) => log.push(`res error ${err.code} ${err.message}`));
    res.on("data", (chunk: Uint8Array) => log.push(`res data ${new TextDecoder().decode(chunk)}`));
  });
  await new Promise((resolve) => req.on("close", resolve));
  await socketClosed;
  await resClosed;
  await server.close();
  return { events: log.entries, errors };
}

test("client: a body delimited by the server's close: the socket's 'end' comes after its bytes, before the response's 'end'", async () => {
  const { events, errors } = await getFromClosingServer("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello");
  assert.deepEqual(errors, []);
  assert.deepEqual(events, [
    "res data hello",
    "socket end (true false false closed)",
    "finished ok",
    "res end",
    "res close",
    "req close",
    "socket close",
  ]);
});

test("client: a Content-Length answer with Connection: close: the socket is destroyed once it is read, no 'end'", async () => {
  const { events, errors } = await getFromClosingServer(
    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
  );
  assert.deepEqual(errors, []);
  // Node ends the socket first ('socket finish' between the response's 'close' and the request's).
  assert.deepEqual(events, [
    "res data hello",
    "res end",
    "res close",
    "req close",
    "finished ERR_STREAM_PREMATURE_CLOSE",
    "socket close",
  ]);
});

test("client: a body cut short by the server's close: 'end', then the response's abort", async () => {
  const { events, errors } = await getFromClosingServer(
    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 10\r\n\r\nhello",
  );
  assert.deepEqual(errors, []);
  // Node's socket 'close' comes right after the request's, before the response's error and 'close'.
  assert.deepEqual(events, [
    "res data hello",
    "socket end (true false false closed)",
    "finished ok",
    "res aborted",
    "req close",
    "res error ECONNRESET aborted",
    "res close",
    "socket close",
  ]);
});

test("client: a server that closes without answering: 'end', and the request's hang-up", async () => {
  const { events, errors } = await getFromClosingServer("");
  // Node emits the hang-up inside the socket's 'end', before the user's listeners; here after them.
  assert.deepEqual(errors, ["ECONNRESET socket hang up"]);
  assert.deepEqual(events, [
    "socket end (true false false closed)",
    "finished ok",
    "req close",
    "socket close",
  ]);
});

test("client: a pooled idle socket the server closes emits 'end' and 'close', and leaves the pool", async () => {
  let serverSide: RawClient | undefined;
  const server = await RawServer.start(async (conn) => {
    serverSide = conn;
    await conn.until("\r\n\r\n");
    conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  });
  const agent = new Agent({ keepAlive: true });
  const log = new EventLog();
  const req = get({ host: "127.0.0.1", port: server.port, agent });
  req.on("socket", (socket: Socket) => {
    // Node's idle socket is not HTTP's: it ends its own side a tick after 'end' (writable true in 'end').
    socket.on(
      "end",
      () => log.push(`socket end ${socket.readableEnded} ${socket.readable} ${socket.writable}`),
    );
    finished(socket, { writable: false }, (err) => {
      log.push(`finished ${(err as { code?: string } | null | undefined)?.code ?? "ok"}`);
    });
    socket.on("finish", () => log.push("socket finish"));
    socket.on("close", () => log.push("socket close"));
    socket.on("free", () => {
      log.push(`free ${Object.values(agent.freeSockets).flat().length}`);
      serverSide!.end();
    });
  });
  req.on("response", (res: IncomingMessage) => {
    res.on("end", () => log.push("res end"));
    res.resume();
  });
  await log.until("socket close");
  log.push(`pooled ${Object.values(agent.freeSockets).flat().length}`);
  await destroyAgent(agent);
  await server.close();
  assert.deepEqual(log.entries, [
    "res end",
    "free 1",
    "socket end true false true",
    "finished ok",
    "socket finish",
    "socket close",
    "pooled 0",
  ]);
});

// The socket's read side has ended ('end'), and the server's FIN ('finish' as soon as the transport has
// it) must not close the socket under the bytes still queued: a stream closes itself once both happened.
test("server, httpAllowHalfOpen: a large answer written after the client's FIN arrives whole", async () => {
  const size = 4 * 1024 * 1024;
  const { server, port } = await listen({}, (req, res) => {
    req.socket.on("end", () => res.end(new Uint8Array(size).fill(97)));
    req.resume();
  });
  server.httpAllowHalfOpen = true;
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  client.end();
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  const body = text.slice(text.indexOf("\r\n\r\n") + 4);
  assert.equal(body.length, size);
});

/** A CONNECT through a server that answers 200, runs `then` on the server's socket, and the client's. */
async function tunnel(
  onServerSocket: (socket: Socket) => void,
  onClientSocket: (socket: Socket, head: Uint8Array, log: EventLog) => void,
): Promise<string[]> {
  const log = new EventLog();
  const { server, port } = await listen({});
  server.on("connect", (_req: IncomingMessage, socket: Socket) => {
    socket.on("error", () => {});
    log.push(
      `server socket allowHalfOpen=${socket.allowHalfOpen} end listeners=${socket.listenerCount("end")}`,
    );
    socket.write("HTTP/1.1 200 Connection established\r\n\r\n");
    onServerSocket(socket);
  });
  const req = request({ host: "127.0.0.1", port, method: "CONNECT", path: "x:1" });
  req.on("connect", (_res: IncomingMessage, socket: Socket, head: Uint8Array) => {
    log.push(
      `client socket allowHalfOpen=${socket.allowHalfOpen} end listeners=${socket.listenerCount("end")}`,
    );
    socket.on("close", () => log.push("close"));
    onClientSocket(socket, head, log);
  });
  req.end();
  await log.until("close");
  await closeServer(server);
  return log.entries;
}

test("client: a CONNECT tunnel the server ends: the socket ends its own side and closes (allowHalfOpen false)", async () => {
  const entries = await tunnel((socket) => socket.end("server-bye"), (socket, head, log) => {
    log.push(`head ${new TextDecoder().decode(head)}`);
    socket.on("end", () => log.push(`end writable=${socket.writable}`));
    socket.on("finish", () => log.push("finish"));
  });
  assert.deepEqual(entries, [
    "server socket allowHalfOpen=true end listeners=1",
    "client socket allowHalfOpen=false end listeners=1",
    "head server-bye",
    "end writable=true",
    "finish",
    "close",
  ]);
});

test("client: a write after ending a tunnel the server ended is EPIPE, and destroys the socket (as net.Socket)", async () => {
  const entries = await tunnel((socket) => socket.end(), (socket, _head, log) => {
    socket.on("error", (err: Error & { code?: string }) => log.push(`error ${err.code} ${err.message}`));
    socket.on("end", () => {
      socket.end();
      const accepted = socket.write("late", (err?: Error | null) => {
        log.push(`write cb ${(err as { code?: string } | null | undefined)?.code} ${err?.message}`);
      });
      log.push(`write returned ${accepted} destroyed=${socket.destroyed}`);
    });
    socket.resume();
  });
  assert.deepEqual(entries, [
    "server socket allowHalfOpen=true end listeners=1",
    "client socket allowHalfOpen=false end listeners=1",
    "write returned false destroyed=true",
    "write cb EPIPE This socket has been ended by the other party",
    "error EPIPE This socket has been ended by the other party",
    "close",
  ]);
});
