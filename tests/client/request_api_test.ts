import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, listen, RawServer } from "../_net.ts";
import { request } from "../../mod.ts";
import { defaultTransport } from "../../src/transports/pick.ts";
import { fetchText } from "./_client.ts";

test("createConnection: the request runs over the connection the caller opens", async () => {
  const { server, port } = await listen({}, (req, res) => res.end(`via ${req.url}`));
  let made = 0;
  const { body } = await fetchText({
    path: "/own",
    setHost: false,
    headers: { Host: "custom" },
    createConnection: () => {
      made++;
      return defaultTransport().connect({ hostname: "127.0.0.1", port });
    },
  });
  await closeServer(server);
  assert.equal(body, "via /own");
  assert.equal(made, 1);
});

test("setHeader/getHeader/removeHeader work until the head is sent, then throw ERR_HTTP_HEADERS_SENT", async () => {
  const { server, port } = await listen({}, (req, res) => res.end(JSON.stringify(req.rawHeaders)));
  const got = await new Promise<{ body: string; early: unknown; late: string }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, agent: false, method: "POST" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ body, early, late }));
    });
    req.on("error", reject);
    req.setHeader("X-One", "1");
    req.setHeader("X-Two", ["a", "b"]);
    req.setHeader("X-Gone", "x");
    req.removeHeader("x-gone");
    const early = [req.getHeader("x-two"), req.hasHeader("X-ONE"), req.getHeaderNames()];
    req.flushHeaders();
    let late = "none";
    try {
      req.setHeader("X-Late", "1");
    } catch (err) {
      late = (err as { code: string }).code;
    }
    req.end("body");
  });
  await closeServer(server);
  // As Node (checked with node 20): Host is a field set when the request is made, so it comes first.
  assert.deepEqual(got.early, [["a", "b"], true, ["host", "x-one", "x-two"]]);
  assert.equal(got.late, "ERR_HTTP_HEADERS_SENT");
  assert.deepEqual(JSON.parse(got.body), [
    "Host",
    `127.0.0.1:${port}`,
    "X-One",
    "1",
    "X-Two",
    "a",
    "X-Two",
    "b",
    "Connection",
    "close",
    "Transfer-Encoding",
    "chunked",
  ]);
});

test("req.write() returns false against a server that does not read; 'drain' follows once it does", async () => {
  let serverConn!: { resume(): void; pause(): void };
  let connected!: () => void;
  const haveConn = new Promise<void>((r) => (connected = r));
  const server = await RawServer.start((conn) => {
    serverConn = conn;
    conn.pause();
    connected();
  });
  const chunk = new Uint8Array(256 * 1024).fill(0x71);
  const req = request({ host: "127.0.0.1", port: server.port, method: "PUT", agent: false });
  req.on("error", () => {});
  await haveConn;
  let stoppedAt = -1;
  for (let i = 0; i < 64; i++) {
    if (!req.write(chunk)) {
      stoppedAt = i;
      break;
    }
  }
  const drained = new Promise<void>((r) => req.once("drain", () => r()));
  serverConn.resume();
  await drained;
  req.destroy();
  await server.close();
  assert.ok(stoppedAt >= 0 && stoppedAt < 63, `stopped at ${stoppedAt}`);
});

// Checked against node:http on Node 20.20.2: abort() before the request has a socket emits 'close' then
// 'abort' and no error; once it has a socket, 'abort', ECONNRESET "socket hang up", then 'close'.
test("abort() before a socket: 'close' then 'abort', no error, nothing reaches the server", async () => {
  let connections = 0;
  const server = await RawServer.start(() => connections++);
  const events: string[] = [];
  const req = request({ host: "127.0.0.1", port: server.port, agent: false });
  req.on("close", () => events.push("close"));
  req.on("error", (err) => events.push(`error:${(err as { code?: string }).code}`));
  await new Promise<void>((resolve) => {
    req.on("abort", () => {
      events.push("abort");
      resolve();
    });
    req.abort();
  });
  await server.close();
  assert.equal(req.aborted, true);
  assert.deepEqual(events, ["close", "abort"]);
  assert.equal(connections, 0);
});

test("abort() once the request has its socket: 'abort', ECONNRESET 'socket hang up', 'close'", async () => {
  const server = await RawServer.start(() => {});
  const events: string[] = [];
  const req = request({ host: "127.0.0.1", port: server.port, agent: false });
  req.on("abort", () => events.push("abort"));
  req.on("error", (err) => events.push(`error:${(err as { code?: string }).code} ${err.message}`));
  await new Promise<void>((resolve) => {
    req.on("close", () => {
      events.push("close");
      resolve();
    });
    req.on("socket", () => req.abort());
    req.end();
  });
  await server.close();
  assert.deepEqual(events, ["abort", "error:ECONNRESET socket hang up", "close"]);
});
