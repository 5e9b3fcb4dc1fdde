/** Koa 3 on each implementation: `http.createServer(app.callback())`, real requests over 127.0.0.1. */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { json } from "node:stream/consumers";
import type * as NodeHttp from "node:http";
import KoaUntyped from "koa";
import { closeServer, type Impl, listen, postJson, type Scope, SENT_JSON, testEach } from "./_impls.ts";

// Koa ships no type declarations; these are the parts the tests use.
interface KoaContext {
  method: string;
  path: string;
  req: NodeHttp.IncomingMessage;
  body: unknown;
  status: number;
  get(field: string): string;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void> | void;
interface KoaApp {
  use(middleware: Middleware): this;
  callback(): (req: NodeHttp.IncomingMessage, res: NodeHttp.ServerResponse) => void;
}
const Koa = KoaUntyped as unknown as new () => KoaApp;

async function serve(impl: Impl, scope: Scope, middleware: Middleware): Promise<{ url: string }> {
  const app = new Koa().use(middleware);
  const server = impl.http.createServer(app.callback());
  scope.defer(() => closeServer(server));
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}` };
}

testEach("Koa: a JSON POST read from ctx.req is echoed as ctx.body", async (impl, scope) => {
  const { url } = await serve(impl, scope, async (ctx) => {
    if (ctx.method !== "POST" || ctx.path !== "/echo") return;
    // Koa has no body parser of its own; the raw Node request is ctx.req, a Readable.
    ctx.body = { contentType: ctx.get("content-type"), body: await json(ctx.req) };
  });
  const sent = SENT_JSON;
  const { res, text } = await postJson(`${url}/echo`);
  assert.equal(res.status, 200, text);
  assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal(res.headers.get("content-length"), String(Buffer.byteLength(text)));
  assert.deepEqual(JSON.parse(text), { contentType: "application/json", body: sent });
});

testEach("Koa: a path no middleware answers is Koa's 404", async (impl, scope) => {
  const { url } = await serve(impl, scope, (ctx) => {
    if (ctx.path === "/known") ctx.body = "known";
  });
  const res = await fetch(`${url}/unknown`);
  const text = await res.text();
  assert.equal(res.status, 404, text);
  assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(text, "Not Found");
});
