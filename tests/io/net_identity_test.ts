/**
 * Sockets are `net.Socket`s to `instanceof` while HTTP reads them, and TLS ones `tls.TLSSocket`s, as Node
 * code checks (`assert(socket instanceof net.Socket)` in a handler, a `'dropRequest'` listener,
 * `setTimeout()`'s return value); every member is still ours.
 *
 * Checked under Node 20.20.2 with node:http and node:https, the same scenarios: `connection: net true`,
 * `request: net true, setTimeout returns socket true`, `client socket: net true` (agent: false and
 * pooled), `secureConnection: tls true`, `https request: tls true, net true`, `https client socket: tls
 * true`; and `upgrade: net true`, `client upgrade: net true`, where this implementation differs on
 * purpose: a socket handed over raw (`'upgrade'`, `'connect'`) is a plain `Duplex`, because the runtimes'
 * `node:tls` takes a `net.Socket` for one with a native handle and `tls.connect({ socket })` over it
 * hangs (the last test runs TLS over a CONNECT tunnel that way, as a proxy client does).
 *
 * @module
 */

import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import { Duplex } from "node:stream";
import { test } from "../_harness.ts";
import { closeServer, listen } from "../_net.ts";
import { listenHttps, pki } from "../https/_tls.ts";
import { Agent, type IncomingMessage, request, Socket } from "../../mod.ts";
import { request as httpsRequest } from "../../src/https/mod.ts";

/** The members a net.Socket overrides or adds that ours do not have: still Duplex's, or absent. */
function assertOwnMembers(socket: Socket): void {
  assert.ok(socket instanceof Socket);
  assert.equal(socket.end, Duplex.prototype.end);
  assert.equal(socket.read, Duplex.prototype.read);
  assert.equal((socket as unknown as { connect?: unknown }).connect, undefined);
  assert.equal((socket as unknown as { _handle?: unknown })._handle, undefined);
  assert.equal(socket.constructor, Socket);
}

function get(port: number, agent: Agent | false): Promise<{ socket: Socket; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ hostname: "127.0.0.1", port, agent }, (res: IncomingMessage) => {
      let body = "";
      res.setEncoding("latin1");
      res.on("data", (chunk: string) => body += chunk);
      res.on("end", () => resolve({ socket, body }));
    });
    let socket!: Socket;
    req.on("socket", (s) => {
      socket = s as Socket;
      assert.ok(s instanceof net.Socket, "the client's socket at 'socket'");
    });
    req.on("error", reject);
    req.end();
  });
}

test("an HTTP server's sockets are net.Sockets: 'connection', req.socket, setTimeout()'s return", async () => {
  const seen: string[] = [];
  const { server, port } = await listen({}, (req, res) => {
    const socket = req.socket as Socket;
    seen.push(`request net ${socket instanceof net.Socket} tls ${socket instanceof tls.TLSSocket}`);
    seen.push(`setTimeout returns it ${socket.setTimeout(0) === socket}`);
    assertOwnMembers(socket);
    res.end("ok");
  });
  server.on("connection", (socket) => seen.push(`connection net ${socket instanceof net.Socket}`));
  try {
    assert.equal((await get(port, false)).body, "ok");
    assert.deepEqual(seen, [
      "connection net true",
      "request net true tls false",
      "setTimeout returns it true",
    ]);
  } finally {
    await closeServer(server);
  }
});

test("a client's sockets are net.Sockets, pooled ones too, and keep our members", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("ok"));
  const agent = new Agent({ keepAlive: true });
  try {
    const first = await get(port, agent);
    const second = await get(port, agent);
    assert.equal(second.socket, first.socket, "reused from the pool");
    assert.ok(second.socket instanceof net.Socket);
    assertOwnMembers(second.socket);
  } finally {
    agent.destroy();
    await closeServer(server);
  }
});

test("a socket handed over by an upgrade is a plain Duplex on both ends, still ours", async () => {
  const { server, port } = await listen({});
  const serverSide = new Promise<Socket>((resolve) => {
    server.on("upgrade", (_req, socket: Socket) => {
      socket.end("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n");
      resolve(socket);
    });
  });
  try {
    const clientSide = await new Promise<Socket>((resolve, reject) => {
      const req = request({ hostname: "127.0.0.1", port, headers: { connection: "upgrade", upgrade: "x" } });
      req.on("upgrade", (_res, socket: Socket) => resolve(socket));
      req.on("error", reject);
      req.end();
    });
    for (const socket of [await serverSide, clientSide]) {
      assert.equal(socket instanceof net.Socket, false);
      assert.ok(socket instanceof Socket);
      assert.ok(socket instanceof Duplex);
    }
    clientSide.destroy();
  } finally {
    await closeServer(server);
  }
});

test("an HTTPS server's and client's sockets are tls.TLSSockets (and net.Sockets)", async () => {
  const seen: string[] = [];
  const { server, port } = await listenHttps({}, (req, res) => {
    seen.push(`request tls ${req.socket instanceof tls.TLSSocket} net ${req.socket instanceof net.Socket}`);
    assertOwnMembers(req.socket as Socket);
    res.end("ok");
  });
  server.on(
    "secureConnection",
    (socket) => seen.push(`secureConnection tls ${socket instanceof tls.TLSSocket}`),
  );
  try {
    const clientTls = await new Promise<boolean>((resolve, reject) => {
      const req = httpsRequest({
        hostname: "127.0.0.1",
        port,
        ca: pki.ca,
        servername: "localhost",
        agent: false,
      });
      let isTls = false;
      req.on("socket", (socket) => isTls = socket instanceof tls.TLSSocket);
      req.on("response", (res: IncomingMessage) => res.resume().on("end", () => resolve(isTls)));
      req.on("error", reject);
      req.end();
    });
    assert.equal(clientTls, true);
    assert.deepEqual(seen, ["secureConnection tls true", "request tls true net true"]);
  } finally {
    await closeServer(server as unknown as Parameters<typeof closeServer>[0]);
  }
});

test("tls.connect({ socket }) runs over a CONNECT tunnel's socket, as a proxy client does", async () => {
  const target = tls.createServer({ key: pki.serverKey, cert: pki.serverCert }, (socket) => {
    socket.end("hello through the tunnel");
  });
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  const targetPort = (target.address() as net.AddressInfo).port;
  const { server: proxy, port } = await listen({});
  proxy.on("connect", (_req, client: Socket, head) => {
    const upstream = net.connect(targetPort, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  try {
    const tunnel = await new Promise<Socket>((resolve, reject) => {
      const req = request({
        hostname: "127.0.0.1",
        port,
        method: "CONNECT",
        path: `127.0.0.1:${targetPort}`,
      });
      req.on("connect", (_res, socket: Socket) => resolve(socket));
      req.on("error", reject);
      req.end();
    });
    const text = await new Promise<string>((resolve, reject) => {
      const secure = tls.connect({ socket: tunnel, ca: pki.ca, servername: "localhost" });
      let body = "";
      secure.setEncoding("latin1");
      secure.on("data", (chunk: string) => body += chunk);
      secure.on("end", () => resolve(body));
      secure.on("error", reject);
    });
    assert.equal(text, "hello through the tunnel");
    tunnel.destroy();
  } finally {
    await closeServer(proxy);
    await new Promise((resolve) => target.close(resolve));
  }
});
