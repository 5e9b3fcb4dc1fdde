import assert from "node:assert/strict";
import {
  createServer as createNetServer,
  type Server as NetServer,
  type Socket as NetSocket,
} from "node:net";
import { test } from "../_harness.ts";
import { closeServer, listen, RawClient, splitResponse } from "../_net.ts";
import { Agent, type IncomingMessage, request } from "../../mod.ts";
import { startForwardProxy, startReverseProxy } from "../../examples/proxy.ts";

/** A node:net echo server: every byte comes back; an end is answered with an end. */
async function startEchoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<NetSocket>();
  const server: NetServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.on("data", (chunk) => {
      if (!socket.write(chunk)) {
        socket.pause();
        socket.once("drain", () => socket.resume());
      }
    });
    socket.on("end", () => socket.end());
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    port,
    async close() {
      const closed = [...sockets].map((s) => new Promise<void>((r) => s.once("close", () => r())));
      for (const s of sockets) s.destroy();
      await Promise.all(closed);
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port nothing listens on (a server bound, then closed). */
async function deadPort(): Promise<number> {
  const { server, port } = await listen({});
  await closeServer(server);
  return port;
}

/** Sends a request with our client and collects the response. */
function exchange(
  options: Parameters<typeof request>[0] & object,
  body?: string,
): Promise<{ res: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(options, async (res) => {
      try {
        resolve({ res, body: await res.text() });
      } catch (err) {
        reject(err);
      }
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function destroyAgent(agent: Agent): Promise<void> {
  const sockets = [...Object.values(agent.sockets).flat(), ...Object.values(agent.freeSockets).flat()];
  const closed = sockets.map((s) =>
    s.destroyed ? Promise.resolve() : new Promise<void>((r) => s.once("close", () => r()))
  );
  agent.destroy();
  await Promise.all(closed);
}

test("forward proxy: a CONNECT tunnel carries bytes both ways, early bytes included", async () => {
  const echo = await startEchoServer();
  const proxy = await startForwardProxy();
  const client = await RawClient.connect(proxy.port);
  client.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\n\r\nearly;`);
  await client.until("HTTP/1.1 200 Connection Established\r\n\r\nearly;");
  client.write("ping;");
  await client.until("early;ping;");
  // A megabyte through the tunnel and back: backpressure on both hops, nothing lost.
  const big = new Uint8Array(1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = 97 + (i % 26);
  if (!client.write(big)) await client.drained();
  const prefix = "HTTP/1.1 200 Connection Established\r\n\r\nearly;ping;";
  await client.until((t) => t.length >= prefix.length + big.length);
  const text = client.text;
  await client.close();
  await proxy.close();
  await echo.close();
  assert.equal(text.length, prefix.length + big.length);
  assert.equal(text.slice(prefix.length), new TextDecoder().decode(big));
});

test("forward proxy: CONNECT to a closed port answers 502", async () => {
  const port = await deadPort();
  const proxy = await startForwardProxy();
  const client = await RawClient.connect(proxy.port);
  client.write(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  const text = await client.readAll();
  await client.close();
  await proxy.close();
  assert.equal(text, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
});

test("forward proxy: an absolute-form GET is forwarded without hop-by-hop fields", async () => {
  let seen: { url?: string; headers?: Record<string, unknown> } = {};
  const { server: origin, port } = await listen({}, (req, res) => {
    seen = { url: req.url!, headers: { ...req.headers } };
    res.setHeader("Content-Type", "text/plain");
    res.setHeader("X-Origin", "yes");
    res.end("from origin");
  });
  const proxy = await startForwardProxy();
  const client = await RawClient.connect(proxy.port);
  client.write(
    `GET http://127.0.0.1:${port}/path?q=1 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
      "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic eDp5\r\nConnection: keep-alive, X-Secret\r\n" +
      "X-Secret: hop\r\nX-Keep: end-to-end\r\n\r\n",
  );
  const text = await client.until("from origin");
  await client.close();
  await proxy.close();
  await closeServer(origin);
  const { head, body } = splitResponse(text);
  assert.ok(head.startsWith("HTTP/1.1 200 OK\r\n"), head);
  assert.match(head, /\r\nX-Origin: yes\r\n/);
  assert.equal(body, "from origin");
  assert.equal(seen.url, "/path?q=1");
  const h = seen.headers!;
  assert.equal(h["host"], `127.0.0.1:${port}`);
  assert.equal(h["x-keep"], "end-to-end");
  assert.equal(h["x-forwarded-for"], "127.0.0.1");
  for (const dropped of ["proxy-connection", "proxy-authorization", "x-secret"]) {
    assert.equal(h[dropped], undefined, dropped);
  }
});

test("forward proxy: an origin-form request is refused with 400", async () => {
  const proxy = await startForwardProxy();
  const client = await RawClient.connect(proxy.port);
  client.write("GET /not-a-proxy-request HTTP/1.1\r\nHost: x\r\n\r\n");
  const text = await client.until("CONNECT for anything else\n");
  await client.close();
  await proxy.close();
  assert.ok(text.startsWith("HTTP/1.1 400 Bad Request\r\n"), text);
});

test("reverse proxy: 20 concurrent requests use at most 4 upstream connections; bodies stream both ways", async () => {
  let connections = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const { server: upstream, port } = await listen({}, async (req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.setHeader("Content-Type", "text/plain");
    // Echo the body back as it arrives, upper-cased, with the forwarding details up front.
    res.write(`${req.method} ${req.url} xff=${req.headers["x-forwarded-for"]}\n`);
    for await (const chunk of req) res.write(new TextDecoder().decode(chunk as Uint8Array).toUpperCase());
    inFlight--;
    res.end();
  });
  upstream.on("connection", () => connections++);
  const proxy = await startReverseProxy({ upstream: { host: "127.0.0.1", port } });
  const clientAgent = new Agent({ keepAlive: true, maxSockets: 20 });
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      exchange(
        { host: "127.0.0.1", port: proxy.port, method: "POST", path: `/item/${i}`, agent: clientAgent },
        `body of request ${i} `.repeat(2000),
      )),
  );
  await destroyAgent(clientAgent);
  await proxy.close();
  await closeServer(upstream);
  results.forEach(({ res, body }, i) => {
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["content-type"], "text/plain");
    assert.equal(body, `POST /item/${i} xff=127.0.0.1\n` + `BODY OF REQUEST ${i} `.repeat(2000));
  });
  assert.ok(connections >= 1 && connections <= 4, `${connections} upstream connections`);
  assert.ok(maxInFlight <= 4, `${maxInFlight} requests at once upstream`);
});

test("reverse proxy: a streamed upload reaches the upstream before the client finished sending", async () => {
  const firstChunk = Promise.withResolvers<string>();
  const { server: upstream, port } = await listen({}, async (req, res) => {
    const chunks: string[] = [];
    for await (const chunk of req) {
      const text = new TextDecoder().decode(chunk as Uint8Array);
      if (chunks.length === 0) firstChunk.resolve(text);
      chunks.push(text);
    }
    res.end(`got ${chunks.join("")}`);
  });
  const proxy = await startReverseProxy({ upstream: { host: "127.0.0.1", port } });
  const client = await RawClient.connect(proxy.port);
  client.write("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\npart\r\n");
  assert.equal(await firstChunk.promise, "part");
  client.write("4\r\n-two\r\n0\r\n\r\n");
  const text = await client.until("got part-two");
  await client.close();
  await proxy.close();
  await closeServer(upstream);
  assert.ok(text.startsWith("HTTP/1.1 200 OK\r\n"), text);
});

test("reverse proxy: a dead upstream gets the client a 502", async () => {
  const port = await deadPort();
  const proxy = await startReverseProxy({ upstream: { host: "127.0.0.1", port } });
  const client = await RawClient.connect(proxy.port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const text = await client.until("ECONNREFUSED\n");
  await client.close();
  await proxy.close();
  const { head, body } = splitResponse(text);
  assert.ok(head.startsWith("HTTP/1.1 502 Bad Gateway\r\n"), head);
  assert.equal(body, "Bad Gateway: ECONNREFUSED\n");
});

test("forward proxy: HTTPS through a CONNECT tunnel, TLS end to end (startTls on the tunnel socket)", async () => {
  const { listenHttps, pki } = await import("../https/_tls.ts");
  const { httpsViaProxy } = await import("../../examples/proxy.ts");
  let seenBy = "";
  const { server: target, port: targetPort } = await listenHttps({}, (req, res) => {
    seenBy = `${req.socket.encrypted} ${req.socket.servername}`;
    res.end(`secret for ${req.url}`);
  });
  const proxy = await startForwardProxy();
  const got = await httpsViaProxy(
    { host: "127.0.0.1", port: proxy.port },
    { host: "localhost", port: targetPort },
    "/inside",
    { ca: pki.ca },
  );
  assert.deepEqual(got, { status: 200, body: "secret for /inside", peer: "localhost" });
  assert.equal(seenBy, "true localhost");
  // The certificate is checked against the target's name even inside the tunnel.
  await assert.rejects(
    httpsViaProxy({ host: "127.0.0.1", port: proxy.port }, { host: "localhost", port: targetPort }, "/", {}),
    (error: Error & { code?: string }) => error.code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  );
  await proxy.close();
  await closeServer(target);
});
