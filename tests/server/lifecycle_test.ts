import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../_harness.ts";
import { closeServer, listen, RawClient } from "../_net.ts";
import {
  createServer,
  get,
  type IncomingMessage,
  Server,
  type ServerResponse,
  type Socket,
} from "../../mod.ts";
import { constructFunctionStyle } from "../_subclass.ts";

test("listen(0) picks a port; address() reports it; 'listening' fires", async () => {
  const server = createServer();
  let listening = 0;
  server.on("listening", () => listening++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  assert.ok(address && typeof address === "object");
  assert.equal(address.address, "127.0.0.1");
  assert.equal(address.family, "IPv4");
  assert.ok(address.port > 0);
  assert.equal(listening, 1);
  assert.equal(server.listening, true);
  await closeServer(server);
  assert.equal(server.listening, false);
});

/** A socket's address getters, as JSON (undefined ones as null). */
function addressFacts(socket: Socket): string {
  const { remoteAddress, remotePort, remoteFamily, localAddress, localPort, localFamily } = socket;
  const facts = { remoteAddress, remotePort, remoteFamily, localAddress, localPort, localFamily };
  return JSON.stringify({ ...facts, address: socket.address() }, (_key, value) => value ?? null);
}

// Checked under Node 20 with node:http over a unix socket: on both ends every address getter is undefined
// (net.Socket reports neither path nor port there) and `address()` is `{}`; `server.address()` is the path.
test("listen({ port, host }) and listen(path) on a unix socket, whose sockets have no addresses", async () => {
  const dir = await mkdtemp(join(tmpdir(), "wire-http-"));
  const path = join(dir, "s.sock");
  const none =
    '{"remoteAddress":null,"remotePort":null,"remoteFamily":null,"localAddress":null,"localPort":null,"localFamily":null,"address":{}}';
  try {
    const server = createServer((req, res) => res.end(`over unix ${addressFacts(req.socket as Socket)}`));
    await new Promise<void>((r) => server.listen(path, r));
    assert.equal(server.address(), path);
    const client = await RawClient.connect(path);
    client.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    const answer = await client.readAll();
    assert.equal(answer.slice(answer.indexOf("\r\n\r\n") + 4), `over unix ${none}`);
    await client.close();
    const clientSide = await new Promise<string>((resolve, reject) => {
      const req = get({ socketPath: path, path: "/", agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve(addressFacts(req.socket as Socket)));
      });
      req.on("error", reject);
    });
    assert.equal(clientSide, none);
    await closeServer(server);

    const tcp = createServer();
    await new Promise<void>((r) => tcp.listen({ port: 0, host: "127.0.0.1" }, r));
    assert.equal((tcp.address() as { address: string }).address, "127.0.0.1");
    await closeServer(tcp);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a port in use is reported as 'error' with EADDRINUSE", async () => {
  const { server, port } = await listen({});
  const second = createServer();
  const err = await new Promise<Error & { code?: string }>((resolve) => {
    second.on("error", resolve);
    second.listen(port, "127.0.0.1");
  });
  await closeServer(server);
  assert.equal(err.code, "EADDRINUSE");
});

test("close() ends idle keep-alive connections, lets in-flight responses finish, then 'close'", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const inHandler = new Promise<void>((r) => (entered = r));
  const { server, port } = await listen({}, async (req, res) => {
    if (req.url === "/slow") {
      entered();
      await gate;
    }
    res.end(`done ${req.url}`);
  });
  const idle = await RawClient.connect(port);
  idle.write("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  await idle.until("done /fast");
  const busy = await RawClient.connect(port);
  busy.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  await inHandler;
  let closed = false;
  const closing = new Promise<void>((r) =>
    server.close(() => {
      closed = true;
      r();
    })
  );
  await idle.readAll(); // the idle connection is closed at once
  assert.equal(closed, false);
  release();
  const text = await busy.readAll();
  assert.match(text, /Connection: close\r\n[\s\S]*done \/slow$/);
  await idle.close();
  await busy.close();
  await closing;
});

test("closeAllConnections() drops connections in flight", async () => {
  let entered!: () => void;
  const inHandler = new Promise<void>((r) => (entered = r));
  const { server, port } = await listen({}, () => entered());
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await inHandler;
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeAllConnections();
  await client.readAll();
  await closed;
  await client.close();
});

// `localFamily` checked under Node 20 with node:http: "IPv4" over 127.0.0.1 (on both ends), undefined on a
// unix socket (net.Socket's, which reads the family of the bound address).
test("'connection' gives the socket with its addresses", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end());
  const seen = new Promise<Record<string, string | number | undefined>>((resolve) =>
    server.on(
      "connection",
      (socket) =>
        resolve({ remote: socket.remoteAddress, local: socket.localPort, family: socket.localFamily }),
    )
  );
  const client = await RawClient.connect(port);
  const got = await seen;
  await client.close();
  await closeServer(server);
  assert.deepEqual(got, { remote: "127.0.0.1", local: port, family: "IPv4" });
});

test("listen(port) without a hostname binds all IPv4 addresses (the seed's INADDR_ANY)", async () => {
  const server = createServer((_req, res) => res.end("any"));
  await new Promise<void>((r) => server.listen(0, r));
  const address = server.address() as { address: string; port: number; family: string };
  assert.equal(address.address, "0.0.0.0");
  assert.equal(address.family, "IPv4");
  const client = await RawClient.connect(address.port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.ok((await client.readAll()).endsWith("any"));
  await client.close();
  await closeServer(server);
});

test("listen() twice throws ERR_SERVER_ALREADY_LISTEN; close() when not listening reports ERR_SERVER_NOT_RUNNING", async () => {
  const server = createServer();
  const notRunning = await new Promise<Error | undefined>((r) => server.close(r));
  assert.equal((notRunning as { code?: string }).code, "ERR_SERVER_NOT_RUNNING");
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  assert.throws(() => server.listen(0), { code: "ERR_SERVER_ALREADY_LISTEN" });
  await closeServer(server);
});

// What a server's connections call (emits, bookkeeping) is a host object the server owns
// (src/server/_server_host.ts), not members of the public class: none of it shows on a server.
test("a Server has no connection-host members (emitRequest, connectionClosed, messageClasses, closing, ...)", () => {
  const server = new Server();
  for (
    const name of [
      "emitRequest",
      "emitRequestIfListened",
      "emitTakeover",
      "emitClientError",
      "emitDropRequest",
      "emitTimeout",
      "connectionClosed",
      "connectionHandedOver",
      "messageClasses",
      "closing",
    ]
  ) {
    assert.equal(name in server, false, name);
  }
});

// Node's function-style subclassing: `Server.call(this, listener)` sets up an object the subclass's own
// constructor made. Checked against node:http under Node 20: the object serves requests, `close()` works,
// and `Server.call` returns undefined.
test("Server.call(this) sets up a function-style subclass as a working server", async () => {
  const { made: server, returned } = constructFunctionStyle<Server>(
    Server,
    (_req: IncomingMessage, res: ServerResponse) => res.end("hello from a subclass"),
  );
  assert.equal(returned, undefined);
  assert.ok(server instanceof Server);
  assert.equal(server.headersTimeout, 60_000);
  let connections = 0;
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.ok((await client.readAll()).endsWith("hello from a subclass"));
  await client.close();
  assert.equal(connections, 1);
  await closeServer(server);
});
