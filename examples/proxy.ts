/**
 * Two proxies built on `@wire/http`:
 *
 * - a forward proxy, the kind a browser or `curl -x` is pointed at: `CONNECT host:port` opens a raw TCP
 *   tunnel (what HTTPS goes through), and absolute-form requests (`GET http://host/path`) are forwarded
 *   with the client;
 * - a reverse proxy in front of one upstream server, forwarding every request through an `Agent` with a
 *   bounded, kept-alive pool, with bodies streamed both ways;
 *
 * and the client side of a tunnel: {@linkcode httpsViaProxy} sends `CONNECT`, starts TLS on the tunnel
 * socket with `startTls` from `@wire/http/https`, and makes an HTTPS request through it (the server's
 * certificate is checked against the target's name, end to end: the proxy sees only ciphertext).
 *
 * Run it:
 *
 *   deno run -A examples/proxy.ts      (or: bun examples/proxy.ts)
 *
 * then try `curl -x http://127.0.0.1:8888 http://example.com/` or
 * `curl -p -x http://127.0.0.1:8888 https://example.com/` for the forward proxy, and
 * `curl http://127.0.0.1:8889/` for the reverse proxy (in front of a small demo upstream on port 8890).
 * Both listen on 127.0.0.1 only: an open proxy on a public address is an invitation to abuse.
 *
 * @module
 */
import { connect, type Socket as NetSocket } from "node:net";
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
  type Socket,
} from "../mod.ts";
import { request as httpsRequest, startTls, type TlsConnectOptions } from "../src/https/mod.ts";

/** A running proxy. */
export interface RunningProxy {
  /** The port it listens on. */
  port: number;
  /** The server, e.g. to watch its `'connection'` events. */
  server: Server;
  /** Stops listening, closes every connection and tunnel, and resolves when all are gone. */
  close(): Promise<void>;
}

/** Where a proxy listens. */
export interface ProxyListenOptions {
  /** Port (default 0: a free one). */
  port?: number;
  /** Address (default 127.0.0.1). */
  host?: string;
}

/**
 * Hop-by-hop fields (RFC 9110 section 7.6.1) describe one connection, not the message, so a proxy
 * never forwards them. `Proxy-*` fields are for this proxy alone, and so are the fields a `Connection`
 * field names.
 */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** The end-to-end fields of a raw `[name, value, ...]` list. */
function endToEndFields(raw: readonly string[]): string[] {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === "connection") {
      for (const token of raw[i + 1]!.split(",")) named.add(token.trim().toLowerCase());
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || name.startsWith("proxy-") || named.has(name)) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/**
 * Forwards `req` to `hostname:port` as `path` through `agent`, and the answer back on `res`. Both bodies
 * are streamed with backpressure (`pipe` pauses the source while the destination is full). An upstream
 * that cannot be reached, or fails before answering, gets the client a 502.
 */
function forward(
  req: IncomingMessage,
  res: ServerResponse,
  target: { hostname: string; port: number; path: string; host?: string },
  agent: Agent,
): void {
  const fields: string[] = [];
  const source = endToEndFields(req.rawHeaders);
  for (let i = 0; i < source.length; i += 2) {
    const name = source[i]!.toLowerCase();
    // For the forward proxy the absolute URL's authority wins over the client's Host field.
    if (name === "host" && target.host !== undefined) continue;
    if (name === "x-forwarded-for") continue;
    fields.push(source[i]!, source[i + 1]!);
  }
  if (target.host !== undefined) fields.push("Host", target.host);
  const priorHops = req.headersDistinct["x-forwarded-for"] ?? [];
  fields.push("X-Forwarded-For", [...priorHops, req.socket.remoteAddress].join(", "));

  const upstream = request({
    hostname: target.hostname,
    port: target.port,
    path: target.path,
    method: req.method ?? "GET",
    headers: fields,
    agent,
  });

  upstream.on("response", (upstreamRes) => {
    res.writeHead(
      upstreamRes.statusCode ?? 502,
      upstreamRes.statusMessage ?? "",
      endToEndFields(upstreamRes.rawHeaders),
    );
    upstreamRes.pipe(res, { end: false });
    upstreamRes.on("end", () => {
      // Trailers survive the hop (they are sent when our side is chunked too).
      if (upstreamRes.rawTrailers.length > 0) res.addTrailers(upstreamRes.rawTrailers);
      res.end();
    });
    upstreamRes.on("error", () => res.destroy());
  });

  upstream.on("error", (err: Error & { code?: string }) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    req.resume();
    const message = `Bad Gateway: ${err.code ?? err.message}\n`;
    res.writeHead(502, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": message.length });
    res.end(message);
  });

  // The client went away before the answer was complete: stop the upstream exchange too (its socket
  // cannot go back to the pool in the middle of a message).
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });

  req.pipe(upstream);
}

/** Splits `host:port` (or `[v6]:port`) from a CONNECT request-target. */
function parseAuthority(target: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/?#@[\]]+)):(\d{1,5})$/.exec(target);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? m[2]!, port };
}

/**
 * Connects two byte streams both ways with backpressure: when one side's `write()` says it is full, the
 * other side is paused until `'drain'`. An end on one side ends the other; a close or error on either
 * closes both.
 */
function splice(client: Socket, target: NetSocket): void {
  client.on("data", (chunk) => {
    if (!target.write(chunk)) {
      client.pause();
      target.once("drain", () => client.resume());
    }
  });
  target.on("data", (chunk: Uint8Array) => {
    if (!client.write(chunk)) {
      target.pause();
      client.once("drain", () => target.resume());
    }
  });
  client.on("end", () => target.end());
  target.on("end", () => client.end());
  client.on("close", () => target.destroy());
  target.on("close", () => client.destroy());
  client.on("error", () => target.destroy());
}

/**
 * Starts a forward proxy: `CONNECT` tunnels to any `host:port`, and absolute-form requests forwarded
 * through a keep-alive Agent.
 */
export function startForwardProxy(options: ProxyListenOptions = {}): Promise<RunningProxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const tunnels = new Set<{ client: Socket; target: NetSocket }>();

  const server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
      if (url.protocol !== "http:") throw new Error("not http");
    } catch {
      // Origin-form requests are for a server, not a proxy (and https goes through CONNECT).
      req.resume();
      res.writeHead(400, { "Content-Type": "text/plain" });
      res.end("This is a proxy: send absolute-form http:// requests, or CONNECT for anything else\n");
      return;
    }
    forward(req, res, {
      hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: Number(url.port || 80),
      path: url.pathname + url.search,
      host: url.host,
    }, agent);
  });

  server.on("connect", (req, clientSocket, head) => {
    const authority = parseAuthority(req.url ?? "");
    clientSocket.on("error", () => {});
    if (!authority) {
      clientSocket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    // node:net's connect() exists on Deno and Bun alike: a plain TCP socket to the target.
    const target = connect({ host: authority.host, port: authority.port });
    const tunnel = { client: clientSocket, target };
    tunnels.add(tunnel);
    let connected = false;
    target.once("connect", () => {
      connected = true;
      clientSocket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      // Bytes the client sent right after its CONNECT head belong to the tunnel.
      if (head.byteLength > 0) target.write(head);
      splice(clientSocket, target);
    });
    target.on("error", () => {
      if (!connected) clientSocket.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
      else clientSocket.destroy();
    });
    target.on("close", () => {
      tunnels.delete(tunnel);
      if (!connected && !clientSocket.writableEnded) clientSocket.destroy();
    });
    clientSocket.on("close", () => target.destroy());
  });

  return listening(server, options, async () => {
    // Tunnels left HTTP: they are not the server's connections any more, so close them here.
    const closed = [...tunnels].flatMap((
      { client, target },
    ) => [socketClosed(client), netSocketClosed(target)]);
    for (const { client, target } of tunnels) {
      client.destroy();
      target.destroy();
    }
    await Promise.all(closed);
    await destroyAgent(agent);
  });
}

/** What {@linkcode httpsViaProxy} got back. */
export interface TunnelledResponse {
  /** Status of the HTTPS response. */
  status: number;
  /** Its body as text. */
  body: string;
  /** Subject CN of the certificate the target presented. */
  peer: string | undefined;
}

/**
 * GET `https://{target.host}:{target.port}{path}` through an HTTP proxy: `CONNECT` opens a tunnel, TLS
 * runs inside it (SNI and the certificate check use `target.host`), then one HTTPS request.
 */
export function httpsViaProxy(
  proxy: { host: string; port: number },
  target: { host: string; port: number },
  path: string,
  tls: TlsConnectOptions = {},
): Promise<TunnelledResponse> {
  return new Promise((resolve, reject) => {
    const connectReq = request({
      host: proxy.host,
      port: proxy.port,
      method: "CONNECT",
      path: `${target.host}:${target.port}`,
      agent: false,
    });
    connectReq.on("error", reject);
    connectReq.on("response", (res) => reject(new Error(`proxy refused the tunnel: ${res.statusCode}`)));
    connectReq.on("connect", async (_res, tunnel) => {
      try {
        const secure = await startTls(tunnel, { ...tls, servername: target.host });
        const req = httpsRequest(
          { host: target.host, port: target.port, path, agent: false, createConnection: () => secure },
          async (res) => {
            const cert = secure.getPeerCertificate() as { subject?: { CN?: string | string[] } };
            const cn = cert.subject?.CN;
            resolve({
              status: res.statusCode ?? 0,
              body: await res.text(),
              peer: Array.isArray(cn) ? cn[0] : cn,
            });
          },
        );
        req.on("error", reject);
        req.end();
      } catch (error) {
        tunnel.destroy();
        reject(error);
      }
    });
    connectReq.end();
  });
}

/** Options of {@linkcode startReverseProxy}. */
export interface ReverseProxyOptions extends ProxyListenOptions {
  /** The server every request goes to. */
  upstream: { host: string; port: number };
  /** Most connections open to the upstream at once (default 4); further requests wait their turn. */
  maxSockets?: number;
}

/**
 * Starts a reverse proxy in front of `options.upstream`. Every request goes through one Agent with a
 * bounded keep-alive pool, so the upstream never sees more than `maxSockets` connections however many
 * clients arrive.
 */
export function startReverseProxy(options: ReverseProxyOptions): Promise<RunningProxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 4 });
  const { host, port } = options.upstream;
  const server = createServer((req, res) => {
    forward(req, res, { hostname: host, port, path: req.url ?? "/" }, agent);
  });
  return listening(server, options, () => destroyAgent(agent));
}

/** Listens, and builds the {@linkcode RunningProxy} whose `close()` also runs `cleanup`. */
function listening(
  server: Server,
  options: ProxyListenOptions,
  cleanup: () => Promise<void>,
): Promise<RunningProxy> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve({
        port,
        server,
        async close() {
          const closed = new Promise<void>((r) => server.close(() => r()));
          server.closeAllConnections();
          await cleanup();
          await closed;
        },
      });
    });
  });
}

/** Destroys an Agent and waits until each of its sockets is closed. */
async function destroyAgent(agent: Agent): Promise<void> {
  const sockets = [...Object.values(agent.sockets).flat(), ...Object.values(agent.freeSockets).flat()];
  const closed = sockets.map(socketClosed);
  agent.destroy();
  await Promise.all(closed);
}

function socketClosed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((r) => socket.once("close", () => r()));
}

function netSocketClosed(socket: NetSocket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((r) => socket.once("close", () => r()));
}

if (import.meta.main) {
  // A tiny upstream for the reverse proxy to stand in front of.
  const upstream = createServer(async (req, res) => {
    const body = await req.text();
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.end(
      `upstream saw ${req.method} ${req.url}, X-Forwarded-For: ${req.headers["x-forwarded-for"]}` +
        (body ? `, ${body.length} body bytes` : "") + "\n",
    );
  });
  await new Promise<void>((r) => upstream.listen(8890, "127.0.0.1", r));
  const forwardProxy = await startForwardProxy({ port: 8888 });
  const reverseProxy = await startReverseProxy({ port: 8889, upstream: { host: "127.0.0.1", port: 8890 } });
  console.log(`forward proxy: http://127.0.0.1:${forwardProxy.port}  (curl -x http://127.0.0.1:8888 ...)`);
  console.log(`reverse proxy: http://127.0.0.1:${reverseProxy.port}/ -> http://127.0.0.1:8890`);
}
