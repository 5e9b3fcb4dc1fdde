import assert from "node:assert/strict";
import net from "node:net";
import { Duplex } from "node:stream";
import { test } from "../_harness.ts";
import { closeServer, listen } from "../_net.ts";
import { Agent, request, type WebStreamPair, webStreamsTransport } from "../../mod.ts";
import { destroyAgent, fetchText } from "./_client.ts";

/** A real TCP socket's bytes as a Web Streams pair (node:net + Duplex.toWeb: both runtimes have it). */
async function tcpPair(port: number): Promise<WebStreamPair> {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const { readable, writable } = Duplex.toWeb(socket) as unknown as WebStreamPair;
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return { readable, writable, close: () => socket.destroy(), closed };
}

test("the client runs over a real socket's Web Streams: GET, POST echo and keep-alive reuse", async () => {
  let connections = 0;
  const { server, port } = await listen({}, async (req, res) => {
    res.end(req.method === "POST" ? `echo:${await req.text()}` : "hello");
  });
  server.on("connection", () => connections++);
  const agent = new Agent({ keepAlive: true, transport: webStreamsTransport(() => tcpPair(port)) });
  const first = await fetchText({ host: "127.0.0.1", port, agent });
  assert.equal(first.body, "hello");
  await new Promise<void>((r) => queueMicrotask(r));
  const second = await fetchText({ host: "127.0.0.1", port, agent, method: "POST" }, "payload");
  assert.equal(second.body, "echo:payload");
  assert.equal(connections, 1);
  await destroyAgent(agent);
  await closeServer(server);
});

test("the client runs over an in-memory pair: exact request bytes, chunked response with trailers", async () => {
  const toServer = new TransformStream<Uint8Array, Uint8Array>();
  const toClient = new TransformStream<Uint8Array, Uint8Array>();
  // The "server": reads one request head, answers with fixed bytes.
  const served = (async () => {
    const reader = toServer.readable.getReader();
    let text = "";
    while (!text.includes("\r\n\r\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    const writer = toClient.writable.getWriter();
    await writer.write(
      new TextEncoder().encode(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Check: yes\r\n\r\n",
      ),
    );
    // No close(): the client decides when the connection ends (it cancels the stream when done).
    writer.releaseLock();
    reader.releaseLock();
    return text;
  })();
  const transport = webStreamsTransport(() => ({ readable: toClient.readable, writable: toServer.writable }));
  const agent = new Agent({ transport });
  const got = await new Promise<{ body: string; trailers: unknown }>((resolve, reject) => {
    const req = request({ host: "example.test", port: 8080, agent, headers: { "X-Case": "Kept" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ body, trailers: res.trailers }));
    });
    req.on("error", reject);
    req.end();
  });
  // A default Agent (no keepAlive, maxSockets Infinity as in Node 20) asks for Connection: close, as
  // node:http's does (checked with node).
  assert.equal(
    await served,
    "GET / HTTP/1.1\r\nX-Case: Kept\r\nHost: example.test:8080\r\nConnection: close\r\n\r\n",
  );
  assert.deepEqual(got, { body: "hello", trailers: { "x-check": "yes" } });
  await destroyAgent(agent);
});
