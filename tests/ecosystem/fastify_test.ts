/**
 * Fastify 5 on each implementation through its documented `serverFactory` option
 * (`(handler) => http.createServer(handler)`), real requests over 127.0.0.1.
 */
import assert from "node:assert/strict";
import Fastify, { type FastifyInstance } from "fastify";
import { type Impl, postJson, type Scope, SENT_JSON, testEach } from "./_impls.ts";

async function serve(
  impl: Impl,
  scope: Scope,
  routes: (app: FastifyInstance) => void,
): Promise<{ url: string }> {
  const app = Fastify({ serverFactory: (handler) => impl.http.createServer(handler) });
  routes(app);
  scope.defer(async () => {
    app.server.closeAllConnections();
    await app.close();
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error(`unexpected address ${address}`);
  return { url: `http://127.0.0.1:${address.port}` };
}

testEach("Fastify 5: a JSON POST is parsed by Fastify and echoed", async (impl, scope) => {
  const { url } = await serve(impl, scope, (app) => {
    app.post("/echo", (req) => Promise.resolve({ contentType: req.headers["content-type"], body: req.body }));
  });
  const sent = SENT_JSON;
  const { res, text } = await postJson(`${url}/echo`);
  assert.equal(res.status, 200, text);
  assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
  assert.deepEqual(JSON.parse(text), { contentType: "application/json", body: sent });
});

testEach("Fastify 5: an unknown route is Fastify's 404 JSON", async (impl, scope) => {
  const { url } = await serve(impl, scope, (app) => {
    app.get("/known", () => Promise.resolve("known"));
  });
  const res = await fetch(`${url}/nope`);
  const text = await res.text();
  assert.equal(res.status, 404, text);
  assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
  assert.deepEqual(JSON.parse(text), {
    message: "Route GET:/nope not found",
    error: "Not Found",
    statusCode: 404,
  });
});
