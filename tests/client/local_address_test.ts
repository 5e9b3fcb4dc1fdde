/**
 * Node's `localAddress` and `localPort`: the connection leaves from that address (the server sees it as
 * the peer), over TCP and TLS, pooled per local address, and bad values refused with Node's codes.
 *
 * Verified once with node (v20) against node:http: the same requests from `127.0.0.2` reach a server on
 * 127.0.0.1 as `127.0.0.2`, the second reuses the pooled socket, and the agent's pool key is
 * `127.0.0.1:PORT:127.0.0.2`. A bad `localAddress` is Node's `TypeError` ERR_INVALID_IP_ADDRESS, which
 * Node throws from `request()` and ours reports as the request's `'error'` (the socket is opened
 * asynchronously here). Node 20 does not check `localPort` (70000 fails in bind() with EADDRINUSE); ours
 * refuses it up front with Node's port error, ERR_SOCKET_BAD_PORT.
 */
import assert from "node:assert/strict";
import { once, test } from "../_harness.ts";
import { closeServer, listen } from "../_net.ts";
import { Agent, get, type IncomingMessage } from "../../mod.ts";
import { get as httpsGet } from "../../src/https/mod.ts";
import { listenHttps, pki } from "../https/_tls.ts";

/** Reads a response body as text. */
async function text(res: IncomingMessage): Promise<string> {
  let out = "";
  res.setEncoding("utf8");
  for await (const chunk of res) out += chunk;
  return out;
}

/** A server answering with the peer address it sees. */
function peerEcho(req: IncomingMessage, res: { end(body: string): void }): void {
  res.end(`${req.socket.remoteAddress}`);
}

test("localAddress: the server sees the request come from 127.0.0.2 (TCP, one-off socket)", async () => {
  const { server, port } = await listen({}, peerEcho);
  try {
    const req = get({ host: "127.0.0.1", port, localAddress: "127.0.0.2", agent: false });
    const [res] = await once<[IncomingMessage]>(req, "response");
    assert.equal(await text(res), "127.0.0.2");
    assert.equal(req.socket?.localAddress, "127.0.0.2");
  } finally {
    await closeServer(server);
  }
});

test("localAddress with an Agent: pooled under host:port:localAddress and reused from there", async () => {
  const { server, port } = await listen({}, peerEcho);
  const agent = new Agent({ keepAlive: true });
  try {
    const seen: string[] = [];
    for (let i = 0; i < 2; i++) {
      const req = get({ host: "127.0.0.1", port, localAddress: "127.0.0.2", agent });
      const closed = once(req, "close");
      const [res] = await once<[IncomingMessage]>(req, "response");
      seen.push(`${await text(res)} reused=${req.reusedSocket}`);
      await closed;
    }
    assert.deepEqual(seen, ["127.0.0.2 reused=false", "127.0.0.2 reused=true"]);
    assert.deepEqual(Object.keys(agent.freeSockets), [`127.0.0.1:${port}:127.0.0.2`]);
  } finally {
    agent.destroy();
    await closeServer(server);
  }
});

test("localAddress over TLS: the handshake and the request leave from 127.0.0.2", async () => {
  const { server, port } = await listenHttps({}, peerEcho);
  try {
    const req = httpsGet({ host: "127.0.0.1", port, ca: pki.ca, localAddress: "127.0.0.2", agent: false });
    const [res] = await once<[IncomingMessage]>(req, "response");
    assert.equal(await text(res), "127.0.0.2");
  } finally {
    await closeServer(server as never);
  }
});

test("localPort: the connection leaves from that port", async () => {
  const { server, port } = await listen({}, (req, res) => res.end(`${req.socket.remotePort}`));
  try {
    // A free port to leave from: one the system just handed a listener, now closed.
    const probe = await listen({}, () => {});
    const localPort = probe.port;
    await closeServer(probe.server);
    const req = get({ host: "127.0.0.1", port, localPort, agent: false });
    const [res] = await once<[IncomingMessage]>(req, "response");
    assert.equal(await text(res), String(localPort));
  } finally {
    await closeServer(server);
  }
});

test("a bad localAddress or localPort fails the request with a coded error", async () => {
  const codes: string[] = [];
  for (const bad of [{ localAddress: "not-an-ip" }, { localPort: 70000 }]) {
    const req = get({ host: "127.0.0.1", port: 9, agent: false, ...bad });
    const [err] = await once<[Error & { code?: string }]>(req, "error");
    codes.push(`${err.name} ${err.code}`);
  }
  assert.deepEqual(codes, ["TypeError ERR_INVALID_IP_ADDRESS", "RangeError ERR_SOCKET_BAD_PORT"]);
});
