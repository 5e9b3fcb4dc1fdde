/**
 * Hono on each implementation through its Node adapter, `@hono/node-server` (`serve({ fetch, createServer
 * })`): the adapter turns the Node request into a Web `Request` (its body a Web stream over the Node
 * one) and writes the Web `Response` back through `res.writeHead`/`res.write`, streaming bodies with
 * backpressure. Real requests over 127.0.0.1.
 */
import assert from "node:assert/strict";
import type * as NodeHttp from "node:http";
import { Hono } from "hono";
import { streamText } from "hono/streaming";
import { serve as serveUntyped } from "@hono/node-server";
import { closeServer, type Impl, postJson, type Scope, SENT_JSON, testEach } from "./_impls.ts";

const serve = serveUntyped as unknown as (options: {
  fetch: (request: Request) => Response | Promise<Response>;
  port: number;
  hostname: string;
  createServer: (...args: never[]) => NodeHttp.Server;
}) => NodeHttp.Server;

async function start(impl: Impl, scope: Scope, app: Hono): Promise<string> {
  const server = serve({
    fetch: app.fetch,
    port: 0,
    hostname: "127.0.0.1",
    createServer: impl.http.createServer as unknown as (...args: never[]) => NodeHttp.Server,
  });
  scope.defer(() => closeServer(server));
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

testEach("Hono (@hono/node-server): a JSON POST is read as a Web Request and echoed", async (impl, scope) => {
  const app = new Hono();
  app.post(
    "/echo",
    async (c) => c.json({ contentType: c.req.header("content-type"), body: await c.req.json() }),
  );
  const url = await start(impl, scope, app);
  const { res, text } = await postJson(`${url}/echo`);
  assert.equal(res.status, 200, text);
  assert.deepEqual(JSON.parse(text), { contentType: "application/json", body: SENT_JSON });
});

testEach(
  "Hono (@hono/node-server): a streamed body arrives in order; a 300 KiB body whole",
  async (impl, scope) => {
    const app = new Hono();
    app.get("/stream", (c) =>
      streamText(c, async (stream) => {
        for (let i = 0; i < 3; i++) await stream.write(`part${i};`);
      }));
    const big = new Uint8Array(300 * 1024).map((_, i) => (i * 31) & 0xff);
    app.get("/big", (c) => c.body(big));
    const url = await start(impl, scope, app);
    const streamed = await fetch(`${url}/stream`);
    assert.equal(streamed.status, 200);
    assert.equal(await streamed.text(), "part0;part1;part2;");
    const whole = new Uint8Array(await (await fetch(`${url}/big`)).arrayBuffer());
    assert.equal(whole.length, big.length);
    assert.ok(whole.every((b, i) => b === big[i]), "the body's bytes differ");
    const missing = await fetch(`${url}/nope`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  },
);
