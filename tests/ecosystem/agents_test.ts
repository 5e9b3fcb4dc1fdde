/**
 * Packages that take an `http` module or an Agent, given each implementation's: follow-redirects with
 * `agents`, https-proxy-agent (an agent-base `http.Agent` subclass) through the CONNECT proxy of
 * `examples/proxy.ts`, and http-proxy forwarding through the implementation's keep-alive Agent. Each
 * scenario runs on the runtime's own `node:http`/`node:https` (the control) and on `@wire/http`, with the
 * same assertions; the upstream servers are the runtime's node:http/node:https in both, so only the side
 * under test differs.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type * as NodeHttp from "node:http";
import type * as NodeHttps from "node:https";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Duplex } from "node:stream";
import { HttpsProxyAgent } from "https-proxy-agent";
import { HttpProxyAgent } from "http-proxy-agent";
import { agentFor, closeServer, type Http, type Impl, impls, listen, testEach } from "./_impls.ts";
import { pki } from "../https/_tls.ts";
import { startForwardProxy } from "../../examples/proxy.ts";

const require = createRequire(import.meta.url);
// CommonJS packages, loaded as Node code loads them.
const followRedirects = require("follow-redirects") as {
  wrap(protocols: { http: Http; https: typeof NodeHttps }): {
    http: { get: Http["get"] };
  };
};
const httpProxy = require("http-proxy") as {
  createProxyServer(options: Record<string, unknown>): {
    web(req: NodeHttp.IncomingMessage, res: NodeHttp.ServerResponse, options?: unknown): void;
    ws(req: NodeHttp.IncomingMessage, socket: Duplex, head: Buffer): void;
    on(event: "error", listener: (err: Error) => void): void;
    close(): void;
  };
};
// ws from the package's own files (on Bun, "ws" is the runtime's built-in shim; see ws_test.ts).
interface WsSocket {
  on(event: "message", listener: (data: Buffer, isBinary: boolean) => void): void;
  send(data: string | Buffer, options?: { binary: boolean }): void;
  close(): void;
  terminate(): void;
}
const wsDir = dirname(require.resolve("ws/package.json"));
const WebSocketServer = require(join(wsDir, "lib/websocket-server.js")) as new (
  options: { server: NodeHttp.Server },
) => { on(event: "connection", listener: (ws: WsSocket) => void): void; close(): void };
const WebSocket = require(join(wsDir, "lib/websocket.js")) as new (url: string) => WsSocket & {
  once(event: "open" | "close", listener: () => void): void;
  once(event: "error", listener: (err: Error) => void): void;
};

const control: Http = impls[0]!.http;
const controlHttps: typeof NodeHttps = await import("node:https");
const ourHttps = (await import("../../src/https/mod.ts")) as unknown as typeof NodeHttps;
const httpsOf = (impl: Impl): typeof NodeHttps => impl.name === "node:http" ? controlHttps : ourHttps;

/** Reads a response body as text. */
function text(res: NodeHttp.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
  });
}

testEach(
  "follow-redirects: a 302 chain through the implementation's keep-alive Agent",
  async (impl, scope) => {
    // Upstream (node:http): /a → 302 /b → 302 /c → 200; counts connections to show the Agent's reuse.
    let connections = 0;
    const upstream = control.createServer((req, res) => {
      if (req.url === "/a") res.writeHead(302, { Location: "/b" }).end();
      else if (req.url === "/b") res.writeHead(302, { Location: "/c" }).end();
      else res.end(`landed on ${req.url}`);
    });
    upstream.on("connection", () => connections++);
    scope.defer(() => closeServer(upstream));
    const port = await listen(upstream);

    const agent = agentFor(impl.http, scope, { keepAlive: true, maxSockets: 1 });
    const asked: string[] = [];
    // Node's Agent protocol: every request reaches the agent through `addRequest(req, options)`.
    const pooled = agent as unknown as { addRequest(req: unknown, options: { path?: string }): void };
    const addRequest = pooled.addRequest.bind(pooled);
    pooled.addRequest = (req, options) => {
      asked.push(String(options.path));
      addRequest(req, options);
    };
    const { http } = followRedirects.wrap({ http: impl.http, https: httpsOf(impl) });
    const res = await new Promise<NodeHttp.IncomingMessage & { responseUrl?: string; redirects?: unknown[] }>(
      (resolve, reject) => {
        const req = http.get(
          { host: "127.0.0.1", port, path: "/a", agents: { http: agent } } as NodeHttp.RequestOptions,
          resolve,
        );
        req.on("error", reject);
      },
    );
    assert.equal(res.statusCode, 200);
    assert.equal(await text(res), "landed on /c");
    assert.equal(res.responseUrl, `http://127.0.0.1:${port}/c`);
    // Every hop went through the Agent. follow-redirects destroys each redirected request (on node:http
    // too), so each hop has a connection of its own.
    assert.deepEqual(asked, ["/a", "/b", "/c"]);
    assert.equal(connections, 3);
  },
);

testEach("https-proxy-agent: an HTTPS request tunnelled through examples/proxy.ts", async (impl, scope) => {
  // Target (node:https), reachable only through the tunnel as far as the client is concerned.
  const target = controlHttps.createServer({ key: pki.serverKey, cert: pki.serverCert }, (req, res) => {
    res.end(
      `secret for ${req.url} over ${(req.socket as { encrypted?: boolean }).encrypted ? "TLS" : "TCP"}`,
    );
  });
  scope.defer(() => closeServer(target as unknown as NodeHttp.Server));
  const targetPort = await listen(target as unknown as NodeHttp.Server);

  const proxy = await startForwardProxy({ port: 0 });
  scope.defer(() => proxy.close());
  const tunnels: string[] = [];
  proxy.server.on("connect", (req) => tunnels.push(req.url ?? ""));

  // The target's TLS options (`ca`) travel with the request, which agent-base hands to the agent.
  const agent = new HttpsProxyAgent(`http://127.0.0.1:${proxy.port}`);
  scope.defer(() => agent.destroy());
  const res = await new Promise<NodeHttp.IncomingMessage>((resolve, reject) => {
    const req = httpsOf(impl).request(
      { host: "localhost", port: targetPort, path: "/vault", agent, ca: pki.ca } as NodeHttps.RequestOptions,
      resolve,
    );
    req.on("error", reject);
    req.end();
  });
  assert.equal(res.statusCode, 200);
  assert.equal(await text(res), "secret for /vault over TLS");
  // The proxy saw one CONNECT to the target and nothing of the request inside it.
  assert.deepEqual(tunnels, [`localhost:${targetPort}`]);
});

// http-proxy-agent rewrites the request for a forward proxy: in addRequest it assigns `req._header = null`,
// makes `req.path` the absolute URL and adds Proxy-* fields (Node's `_header` contract: the assignment
// must be allowed, and the head goes out as the path and fields then say).
testEach(
  "http-proxy-agent: a plain HTTP request forwarded by examples/proxy.ts (absolute-form)",
  async (impl, scope) => {
    const target = control.createServer((req, res) => {
      res.end(
        `${req.method} ${req.url} x-a=${req.headers["x-a"]} proxy-auth=${req.headers["proxy-authorization"]}`,
      );
    });
    scope.defer(() => closeServer(target));
    const targetPort = await listen(target);
    const proxy = await startForwardProxy({ port: 0 });
    scope.defer(() => proxy.close());
    const forwarded: string[] = [];
    proxy.server.on("request", (req) => forwarded.push(`${req.method} ${req.url}`));
    const agent = new HttpProxyAgent(`http://user:pw@127.0.0.1:${proxy.port}`);
    scope.defer(() => agent.destroy());
    const res = await new Promise<NodeHttp.IncomingMessage>((resolve, reject) => {
      const req = impl.http.request(
        `http://127.0.0.1:${targetPort}/path?q=1`,
        { agent, headers: { "x-a": "1" } },
        resolve,
      );
      req.on("error", reject);
      req.end();
    });
    assert.equal(res.statusCode, 200);
    // The proxy reads (and drops) the Proxy-* fields; the target sees an origin-form request.
    assert.equal(await text(res), "GET /path?q=1 x-a=1 proxy-auth=undefined");
    assert.deepEqual(forwarded, [`GET http://127.0.0.1:${targetPort}/path?q=1`]);
  },
);

testEach("http-proxy: a reverse proxy forwarding through the implementation's Agent", async (impl, scope) => {
  let connections = 0;
  const upstream = control.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      res.setHeader("X-Upstream", "yes");
      res.end(JSON.stringify({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString() }));
    });
  });
  upstream.on("connection", () => connections++);
  scope.defer(() => closeServer(upstream));
  const upstreamPort = await listen(upstream);

  const agent = agentFor(impl.http, scope, { keepAlive: true, maxSockets: 1 });
  const forwarder = httpProxy.createProxyServer({ target: `http://127.0.0.1:${upstreamPort}`, agent });
  scope.defer(() => forwarder.close());
  forwarder.on("error", (err) => scope.fail(err));
  // The proxy's own server is the implementation's too.
  const front = impl.http.createServer((req, res) => forwarder.web(req, res));
  scope.defer(() => closeServer(front));
  const frontPort = await listen(front);

  // A keep-alive client in front: http-proxy forwards the client's `Connection` field, so a closing
  // client would close the upstream connection too.
  const frontAgent = agentFor(control, scope, { keepAlive: true, maxSockets: 1 });
  const ask = (method: string, path: string, body?: string) =>
    new Promise<{ status: number; upstream: string | undefined; json: unknown }>((resolve, reject) => {
      const req = control.request(
        { host: "127.0.0.1", port: frontPort, method, path, agent: frontAgent },
        (res) => {
          text(res).then((t) =>
            resolve({
              status: res.statusCode ?? 0,
              upstream: res.headers["x-upstream"] as string | undefined,
              json: JSON.parse(t),
            }), reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  assert.deepEqual(await ask("GET", "/one"), {
    status: 200,
    upstream: "yes",
    json: { method: "GET", url: "/one", body: "" },
  });
  assert.deepEqual(await ask("POST", "/two", "payload"), {
    status: 200,
    upstream: "yes",
    json: { method: "POST", url: "/two", body: "payload" },
  });
  // Both forwarded on one kept-alive upstream connection.
  assert.equal(connections, 1);
});

testEach(
  "http-proxy: a WebSocket proxied by the implementation's server (proxy.ws) to a ws upstream",
  async (impl, scope) => {
    // Upstream: the runtime's node:http with ws, echoing text with a prefix and binary as is.
    const upstream = control.createServer((_req, res) => res.end("plain"));
    const wss = new WebSocketServer({ server: upstream });
    scope.defer(() => closeServer(upstream));
    scope.defer(() => wss.close());
    wss.on("connection", (ws) => {
      ws.on("message", (data, isBinary) => ws.send(isBinary ? data : `echo:${data}`, { binary: isBinary }));
    });
    const upstreamPort = await listen(upstream);
    const forwarder = httpProxy.createProxyServer({ target: `http://127.0.0.1:${upstreamPort}`, ws: true });
    scope.defer(() => forwarder.close());
    forwarder.on("error", (err) => scope.fail(err));
    // http-proxy writes the upstream's 101 to our socket and pipes the two sockets both ways.
    const front = impl.http.createServer((req, res) => forwarder.web(req, res));
    front.on(
      "upgrade",
      (req: NodeHttp.IncomingMessage, socket: Duplex, head: Buffer) => forwarder.ws(req, socket, head),
    );
    scope.defer(() => closeServer(front));
    const frontPort = await listen(front);

    const client = new WebSocket(`ws://127.0.0.1:${frontPort}/chat`);
    scope.defer(() => client.terminate());
    await new Promise<void>((resolve, reject) => {
      client.once("open", resolve);
      client.once("error", reject);
    });
    const received: unknown[] = [];
    const both = new Promise<void>((resolve) =>
      client.on("message", (data, isBinary) => {
        received.push(isBinary ? [...data] : data.toString());
        if (received.length === 2) resolve();
      })
    );
    client.send("hi");
    client.send(Buffer.from([0, 1, 254, 255]), { binary: true });
    await both;
    assert.deepEqual(received, ["echo:hi", [0, 1, 254, 255]]);
    const closed = new Promise<void>((resolve) => client.once("close", resolve));
    client.close();
    await closed;
    // The cleanup's closeServer(front) waits for the tunnelled socket to close: http-proxy unpiped (so
    // paused) it when the upstream closed, and only a paused socket that still reads sees the client's
    // FIN.
  },
  {
    controlBroken: {
      deno: "Deno 2.9.6's node:http: a paused server socket stops reading, so the client's FIN never ends " +
        "the tunnelled socket and server.close() waits for good (passes under Node 20.20 and Bun 1.4.5)",
    },
  },
);
