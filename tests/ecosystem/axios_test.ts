/**
 * axios on each implementation as its client: `transport` set to the implementation's module, so axios
 * calls `transport.request(options, callback)` on it. The server is the runtime's node:http in both
 * cases, so only the client differs.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import axios from "axios";
import { closeServer, type Http, type Impl, impls, listen, type Scope, testEach } from "./_impls.ts";

const control: Http = impls[0]!.http;

/** What the server saw: method, URL, content-type and the body bytes as text. */
interface Seen {
  method: string | undefined;
  url: string | undefined;
  contentType: string | null;
  body: string;
}

/** A node:http server answering JSON: `{ seen, payload }` for any request. */
async function serve(scope: Scope): Promise<string> {
  const server = control.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const seen: Seen = {
        method: req.method,
        url: req.url,
        contentType: req.headers["content-type"] ?? null,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      const body = JSON.stringify({ seen, payload: { hello: "world", n: 123, list: [1, 2, 3] } });
      res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" }).end(body);
    });
  });
  scope.defer(() => closeServer(server));
  return `http://127.0.0.1:${await listen(server)}`;
}

/** An agent of the implementation under test that closes each connection after its response. */
function agentOf(impl: Impl, scope: Scope) {
  const agent = new impl.http.Agent({ keepAlive: false });
  scope.defer(() => agent.destroy());
  return agent;
}

testEach("axios: GET with transport set to the module parses the JSON response", async (impl, scope) => {
  const base = await serve(scope);
  const res = await axios.get(`${base}/things?id=7`, {
    transport: impl.http,
    httpAgent: agentOf(impl, scope),
    proxy: false,
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
  assert.deepEqual(res.data, {
    seen: { method: "GET", url: "/things?id=7", contentType: null, body: "" },
    payload: { hello: "world", n: 123, list: [1, 2, 3] },
  });
});

testEach("axios: POST of a JSON object with transport set to the module", async (impl, scope) => {
  const base = await serve(scope);
  const sent = { name: "wire", text: "héllo ✓", list: [1, 2, 3] };
  const res = await axios.post(`${base}/submit`, sent, {
    transport: impl.http,
    httpAgent: agentOf(impl, scope),
    proxy: false,
  });
  assert.equal(res.status, 200);
  assert.deepEqual(res.data, {
    seen: { method: "POST", url: "/submit", contentType: "application/json", body: JSON.stringify(sent) },
    payload: { hello: "world", n: 123, list: [1, 2, 3] },
  });
});
