/**
 * got 14 on each implementation as its client: the `request` option set to the implementation's
 * `http.request` and `agent.http` to one of its Agents. The server is the runtime's node:http in both
 * cases, so only the client differs.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type * as NodeHttp from "node:http";
import got from "got";
import {
  agentFor,
  closeServer,
  type Http,
  type Impl,
  impls,
  listen,
  type Scope,
  testEach,
} from "./_impls.ts";

const control: Http = impls[0]!.http;

/** A node:http server answering JSON `{ seen, payload }`; it also counts connections and sockets. */
async function serve(
  scope: Scope,
): Promise<{ base: string; connections: () => number; sockets: Set<unknown> }> {
  let connections = 0;
  const sockets = new Set<unknown>();
  const server = control.createServer((req, res) => {
    sockets.add(req.socket);
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const seen = {
        method: req.method,
        url: req.url,
        contentType: req.headers["content-type"] ?? null,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      res.writeHead(200, { "Content-Type": "application/json" }).end(
        JSON.stringify({ seen, payload: { hello: "world", n: 123 } }),
      );
    });
  });
  server.on("connection", () => connections++);
  scope.defer(() => closeServer(server));
  const port = await listen(server);
  return { base: `http://127.0.0.1:${port}`, connections: () => connections, sockets };
}

/** got options that route through the implementation (no retries: a failure shows at once). */
function through(impl: Impl, agent: NodeHttp.Agent) {
  return { request: impl.http.request, agent: { http: agent }, retry: { limit: 0 } };
}

testEach("got: GET JSON with request: http.request", async (impl, scope) => {
  const { base } = await serve(scope);
  const agent = agentFor(impl.http, scope, { keepAlive: false });
  const res = await got(`${base}/things?id=7`, through(impl, agent));
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(res.body), {
    seen: { method: "GET", url: "/things?id=7", contentType: null, body: "" },
    payload: { hello: "world", n: 123 },
  });
});

testEach("got: POST with a json body with request: http.request", async (impl, scope) => {
  const { base } = await serve(scope);
  const agent = agentFor(impl.http, scope, { keepAlive: false });
  const sent = { name: "wire", text: "héllo ✓", list: [1, 2, 3] };
  const data = await got.post(`${base}/submit`, { ...through(impl, agent), json: sent }).json();
  assert.deepEqual(data, {
    seen: { method: "POST", url: "/submit", contentType: "application/json", body: JSON.stringify(sent) },
    payload: { hello: "world", n: 123 },
  });
});

testEach("got: three GETs through a keep-alive Agent reuse one connection", async (impl, scope) => {
  const { base, connections, sockets } = await serve(scope);
  const agent = agentFor(impl.http, scope, { keepAlive: true, maxSockets: 1 });
  const bodies: unknown[] = [];
  for (const n of [1, 2, 3]) {
    bodies.push(await got(`${base}/n/${n}`, through(impl, agent)).json());
  }
  assert.deepEqual(
    bodies.map((b) => (b as { seen: { url: string } }).seen.url),
    ["/n/1", "/n/2", "/n/3"],
  );
  assert.equal(connections(), 1);
  assert.equal(sockets.size, 1);
});

// got's `timeout.lookup` waits for the socket's 'lookup' event (then times 'connect' from it): a client
// socket that never emits it fails every request slower than that timeout to a host name, however fast
// its lookup was. The answer here deliberately comes after the lookup timeout would have fired.
testEach(
  "got: timeout.lookup and timeout.connect hold for a slow answer from a looked-up name",
  async (impl, scope) => {
    const server = control.createServer((_req, res) => {
      const timer = setTimeout(() => res.end("slow"), 400);
      res.on("close", () => clearTimeout(timer));
    });
    scope.defer(() => closeServer(server));
    const port = await listen(server);
    const agent = agentFor(impl.http, scope, { keepAlive: false });
    const looked: string[] = [];
    const dnsLookup = (
      host: string,
      options: { all?: boolean },
      cb: (
        err: Error | null,
        address: string | { address: string; family: number }[],
        family?: number,
      ) => void,
    ) => {
      looked.push(host);
      setImmediate(() =>
        options.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4)
      );
    };
    const res = await got(`http://wire.test:${port}/`, {
      ...through(impl, agent),
      dnsLookup: dnsLookup as never,
      timeout: { lookup: 200, connect: 200, request: 5000 },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, "slow");
    assert.deepEqual(looked, ["wire.test"]);
  },
);
