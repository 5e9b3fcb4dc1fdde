/**
 * Express 4 and Express 5 on each implementation: `http.createServer(app)` from the implementation under
 * test, real requests over 127.0.0.1. For @wire/http, Express's request/response prototypes are also
 * re-parented onto our classes (see {@linkcode useHttpPrototypes}).
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as NodeHttp from "node:http";
import { gunzipSync } from "node:zlib";
import compression18Untyped from "compression";
import compression17Untyped from "compression17";
import multerUntyped from "multer";
import express4Untyped from "express4";
import express5Untyped from "express5";
import {
  closeServer,
  type Http,
  type Impl,
  listen,
  postJson,
  RawHttp,
  type Scope,
  SENT_JSON,
  testEach,
} from "./_impls.ts";

// Express ships no type declarations; these are the parts the tests use.
interface ExpressRequest extends NodeHttp.IncomingMessage {
  body: unknown;
  get(name: string): string | undefined;
}
interface ExpressResponse extends NodeHttp.ServerResponse {
  status(code: number): this;
  json(body: unknown): this;
  send(body: string | Uint8Array): this;
  cookie(name: string, value: string, options?: { httpOnly?: boolean; path?: string }): this;
  sendFile(path: string, callback?: (err?: Error) => void): void;
}
type Next = (err?: unknown) => void;
type Handler = (req: ExpressRequest, res: ExpressResponse, next: Next) => void;
type ErrorHandler = (err: Error, req: ExpressRequest, res: ExpressResponse, next: Next) => void;
interface ExpressApp {
  (req: NodeHttp.IncomingMessage, res: NodeHttp.ServerResponse): void;
  use(...handlers: (Handler | ErrorHandler)[]): this;
  get(path: string, ...handlers: Handler[]): this;
  post(path: string, ...handlers: Handler[]): this;
  request: object;
  response: object;
}
interface Express {
  (): ExpressApp;
  json(): Handler;
}

// compression ships no type declarations either: it makes an Express middleware.
type Compression = (options: { threshold: number }) => Handler;
const compressions: [string, Compression][] = [
  ["compression 1.8", compression18Untyped as unknown as Compression],
  ["compression 1.7", compression17Untyped as unknown as Compression],
];

// multer (multipart/form-data through busboy) has no declarations either; memory storage keeps the file.
interface UploadedFile {
  originalname: string;
  size: number;
  buffer: Uint8Array;
}
const multer = multerUntyped as unknown as (
  options: { storage: unknown },
) => { single(field: string): Handler };
const memoryStorage = (multerUntyped as unknown as { memoryStorage(): unknown }).memoryStorage;

const versions: [string, Express][] = [
  ["Express 4", express4Untyped as unknown as Express],
  ["Express 5", express5Untyped as unknown as Express],
];

/**
 * Express's documented way to serve with another `http`: `app.request` / `app.response` are the
 * prototypes Express gives every req/res, and they "extend" `http.IncomingMessage.prototype` /
 * `http.ServerResponse.prototype`. In the installed sources (express 4.22 and 5.3, lib/express.js) it is
 * `app.request = Object.create(req, { app })`, where `req` (lib/request.js) is
 * `Object.create(http.IncomingMessage.prototype)` holding Express's methods (`req.get`, `req.is`, ...);
 * likewise `app.response` over `res` (lib/response.js) over `http.ServerResponse.prototype`. Every request
 * is then re-parented with `Object.setPrototypeOf(req, app.request)`.
 *
 * So `Object.setPrototypeOf(app.request, ours.IncomingMessage.prototype)` as written would drop Express's
 * own methods (they live one level up, on `req`), and re-parenting the shared `req` module object would
 * also change the control's apps. Instead `app.request`'s parent becomes a copy of Express's `req` whose
 * parent is our `IncomingMessage.prototype`; same for the response. The chain for our requests is then
 * app.request → Express's methods → ours.IncomingMessage.prototype, as Express builds it for node:http.
 */
function useHttpPrototypes(app: ExpressApp, http: Http): void {
  const reParent = (appProto: object, base: object) => {
    const expressMethods = Object.getPrototypeOf(appProto) as object;
    Object.setPrototypeOf(
      appProto,
      Object.create(base, Object.getOwnPropertyDescriptors(expressMethods)),
    );
  };
  reParent(app.request, http.IncomingMessage.prototype);
  reParent(app.response, http.ServerResponse.prototype);
}

/** An Express app served by `http.createServer(app)` of the implementation, closed when the test ends. */
async function serve(
  express: Express,
  impl: Impl,
  scope: Scope,
  routes: (app: ExpressApp) => void,
): Promise<{ server: NodeHttp.Server; port: number; url: string }> {
  const app = express();
  if (impl.name === "@wire/http") useHttpPrototypes(app, impl.http);
  routes(app);
  const server = impl.http.createServer(app);
  scope.defer(() => closeServer(server));
  const port = await listen(server);
  return { server, port, url: `http://127.0.0.1:${port}` };
}

/** A few hundred KiB of bytes that are not all alike, in a fresh temporary directory. */
function fixtureFile(scope: Scope): { path: string; bytes: Buffer } {
  const bytes = Buffer.alloc(300 * 1024 + 17);
  let x = 0x12345678;
  for (let i = 0; i < bytes.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  const dir = mkdtempSync(join(tmpdir(), "wire-http-express-"));
  const path = join(dir, "fixture.bin");
  scope.defer(() => rmSync(dir, { recursive: true }));
  writeFileSync(path, bytes);
  return { path, bytes };
}

for (const [version, express] of versions) {
  testEach(`${version}: express.json() parses a JSON POST and res.json echoes it`, async (impl, scope) => {
    const { url } = await serve(express, impl, scope, (app) => {
      app.post("/echo", express.json(), (req, res) => {
        res.json({ method: req.method, contentType: req.get("content-type"), body: req.body });
      });
    });
    const sent = SENT_JSON;
    const { res, text } = await postJson(`${url}/echo`);
    assert.equal(res.status, 200, text);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json; charset=utf-8$/);
    assert.deepEqual(JSON.parse(text), { method: "POST", contentType: "application/json", body: sent });
  });

  testEach(`${version}: res.sendFile streams a 300 KiB file byte for byte`, async (impl, scope) => {
    const fixture = fixtureFile(scope);
    const { url } = await serve(express, impl, scope, (app) => {
      app.get("/file", (_req, res, next) => res.sendFile(fixture.path, (err) => err && next(err)));
    });
    const res = await fetch(`${url}/file`);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), String(fixture.bytes.length));
    assert.equal(res.headers.get("content-type"), "application/octet-stream");
    assert.equal(body.length, fixture.bytes.length);
    assert.ok(body.equals(fixture.bytes), "the downloaded bytes differ from the file");
  });

  testEach(
    `${version}: fs.createReadStream(file).pipe(res) streams a 300 KiB file byte for byte`,
    async (impl, scope) => {
      const fixture = fixtureFile(scope);
      const { url } = await serve(express, impl, scope, (app) => {
        app.get("/piped", (_req, res) => {
          res.setHeader("Content-Type", "application/x-fixture");
          createReadStream(fixture.path).pipe(res);
        });
      });
      const res = await fetch(`${url}/piped`);
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/x-fixture");
      assert.equal(body.length, fixture.bytes.length);
      assert.ok(body.equals(fixture.bytes), "the downloaded bytes differ from the file");
    },
  );

  testEach(`${version}: an unknown route is Express's 404`, async (impl, scope) => {
    const { url } = await serve(express, impl, scope, (app) => {
      app.get("/known", (_req, res) => res.send("known"));
    });
    const res = await fetch(`${url}/nope?x=1`);
    const text = await res.text();
    assert.equal(res.status, 404, text);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html; charset=utf-8$/);
    assert.match(text, /<pre>Cannot GET \/nope<\/pre>/);
  });

  testEach(`${version}: next(err) reaches the error handler, which answers 500 JSON`, async (impl, scope) => {
    const { url } = await serve(express, impl, scope, (app) => {
      app.get("/fail", (_req, _res, next) => next(new Error("boom")));
      app.use((err: Error, _req: ExpressRequest, res: ExpressResponse, _next: Next) => {
        res.status(500).json({ error: err.message });
      });
    });
    const res = await fetch(`${url}/fail`);
    const text = await res.text();
    assert.equal(res.status, 500, text);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    assert.deepEqual(JSON.parse(text), { error: "boom" });
  });

  testEach(
    `${version}: res.cookie sets Set-Cookie fields; the Cookie header is read back`,
    async (impl, scope) => {
      const { url } = await serve(express, impl, scope, (app) => {
        app.get("/login", (_req, res) => {
          res.cookie("session", "abc123", { httpOnly: true, path: "/" });
          res.cookie("theme", "dark");
          res.send("ok");
        });
        app.get("/whoami", (req, res) => res.json({ cookie: req.get("cookie") ?? null }));
      });
      const login = await fetch(`${url}/login`);
      assert.equal(await login.text(), "ok");
      assert.equal(login.status, 200);
      assert.deepEqual(login.headers.getSetCookie(), [
        "session=abc123; Path=/; HttpOnly",
        "theme=dark; Path=/",
      ]);
      const who = await fetch(`${url}/whoami`, { headers: { cookie: "session=abc123; theme=dark" } });
      assert.deepEqual(await who.json(), { cookie: "session=abc123; theme=dark" });
    },
  );

  testEach(
    `${version}: keep-alive: two requests on one connection, one server-side socket`,
    async (impl, scope) => {
      const sockets = new Set<unknown>();
      const { server, port } = await serve(express, impl, scope, (app) => {
        app.get("/n/:n", (req, res) => {
          sockets.add(req.socket);
          res.json({ url: req.url });
        });
      });
      let connections = 0;
      server.on("connection", () => connections++);
      const client = await RawHttp.connect(port);
      scope.defer(() => client.close());
      client.write("GET /n/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      const first = await client.readResponse();
      client.write("GET /n/2 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      const second = await client.readResponse();
      assert.equal(first.status, 200);
      assert.deepEqual(JSON.parse(first.body.toString()), { url: "/n/1" });
      assert.equal(second.status, 200);
      assert.deepEqual(JSON.parse(second.body.toString()), { url: "/n/2" });
      assert.notEqual(first.headers["connection"], "close");
      assert.equal(connections, 1);
      assert.equal(sockets.size, 1);
    },
  );
}

// The compression middleware wraps `res.write`/`res.end`, hooks `writeHead` (on-headers), calls
// `res._implicitHeader()` until the head is fixed, and pipes the body through zlib with backpressure.
// 1.8 asks `res.headersSent`; 1.7 (still in many lockfiles) asks Node's `res._header`, which must be
// truthy once the head is fixed, or its second write calls `_implicitHeader()` again and throws. Checked
// on node:http (the control).
for (const [version, express] of versions) {
  for (const [middleware, compression] of compressions) {
    testEach(
      `${version}, ${middleware}: a streamed response is gzipped; the bytes gunzip to what was written`,
      async (impl, scope) => {
        const text = "compressible text, ".repeat(40_000);
        const { port } = await serve(express, impl, scope, (app) => {
          app.use(compression({ threshold: 0 }));
          app.get("/big", (_req, res) => {
            res.setHeader("Content-Type", "text/plain");
            // Two writes and an end: the first fixes the head (implicitly), the rest flows through zlib.
            res.write(text.slice(0, 300_000));
            res.write(text.slice(300_000, 600_000));
            res.end(text.slice(600_000));
          });
        });
        const client = await RawHttp.connect(port);
        scope.defer(() => client.close());
        client.write("GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n\r\n");
        const res = await client.readResponse();
        assert.equal(res.status, 200);
        assert.equal(res.headers["content-encoding"], "gzip");
        assert.equal(res.headers["vary"], "Accept-Encoding");
        assert.equal(res.headers["transfer-encoding"], "chunked");
        assert.ok(res.body.length < text.length / 10, `gzip body of ${res.body.length} bytes`);
        assert.equal(gunzipSync(res.body).toString(), text);
      },
    );
  }
}

// multer reads the request stream through busboy, with backpressure, while the client is still sending.
for (const [version, express] of versions) {
  testEach(`${version}, multer: a multipart upload of a field and a 300 KiB file`, async (impl, scope) => {
    const fixture = fixtureFile(scope);
    const { url } = await serve(express, impl, scope, (app) => {
      app.post("/upload", multer({ storage: memoryStorage() }).single("file"), (req, res) => {
        const file = (req as ExpressRequest & { file: UploadedFile }).file;
        res.json({
          note: (req.body as { note?: string }).note,
          name: file.originalname,
          size: file.size,
          same: Buffer.from(file.buffer).equals(fixture.bytes),
        });
      });
    });
    const form = new FormData();
    form.append("note", "héllo");
    form.append("file", new Blob([new Uint8Array(fixture.bytes)]), "fixture.bin");
    const res = await fetch(`${url}/upload`, { method: "POST", body: form });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.deepEqual(JSON.parse(text), {
      note: "héllo",
      name: "fixture.bin",
      size: fixture.bytes.length,
      same: true,
    });
  });
}
