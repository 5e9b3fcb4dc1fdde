/**
 * The fetch bridge's side of a request it cannot turn into a `Request`, and the URL it builds when it
 * can: the absolute-form target of a proxy request, a `Host` the server let through unchecked
 * (`requireHostHeader: false`), and methods the Fetch standard forbids. Also
 * the handler's `Connection: close`, which the bridge turns into the server's own closing.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, listen, normalizeDate, RawClient } from "../_net.ts";
import type { ServerOptions } from "../../mod.ts";
import { type FetchBridgeOptions, type FetchHandler, toRequestListener } from "../../src/fetch/mod.ts";

const KEEP = "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n";

/** Sends `requestBytes` to a bridge serving `handler`; resolves with the URLs the handler saw and the answer. */
async function exchange(
  requestBytes: string,
  until: string,
  handler: FetchHandler = () => new Response("ok"),
  bridge: FetchBridgeOptions = {},
  server: ServerOptions = {},
): Promise<{ urls: string[]; text: string; client: RawClient; close: () => Promise<void> }> {
  const urls: string[] = [];
  const listening = await listen(
    server,
    toRequestListener((request, info) => {
      urls.push(request.url);
      return handler(request, info);
    }, bridge),
  );
  const client = await RawClient.connect(listening.port);
  client.write(requestBytes);
  const text = normalizeDate(await client.until(until));
  const close = async () => {
    await client.close();
    await closeServer(listening.server);
  };
  return { urls, text, client, close };
}

const answer = (status: string) => `HTTP/1.1 ${status}\r\nContent-Length: 0\r\nDate: <date>\r\n${KEEP}\r\n`;

test("fetch bridge: an absolute-form target is the URL (scheme and host lower-cased by the URL parser)", async () => {
  const { urls, close } = await exchange(
    "GET HTTP://Proxy.Test:81/a/b?q=1 HTTP/1.1\r\nHost: proxy.test:81\r\n\r\n",
    "\r\n\r\nok",
  );
  await close();
  assert.deepEqual(urls, ["http://proxy.test:81/a/b?q=1"]);
});

test("fetch bridge: an absolute-form target that is not http(s) gets 400, not a made-up http URL", async () => {
  const { urls, text, close } = await exchange(
    "GET ftp://files.test/x HTTP/1.1\r\nHost: files.test\r\n\r\n",
    "\r\n\r\n",
  );
  await close();
  assert.deepEqual(urls, []);
  assert.equal(text, answer("400 Bad Request"));
});

test("fetch bridge: a Host with a path gets 400 when the server let it through (requireHostHeader: false)", async () => {
  const { urls, text, client, close } = await exchange(
    "GET /p HTTP/1.1\r\nHost: evil.test/admin?\r\n\r\n",
    "\r\n\r\n",
    undefined,
    {},
    { requireHostHeader: false },
  );
  // The connection stays usable: the next request on it is served.
  client.write("GET /next HTTP/1.1\r\nHost: good.test\r\n\r\n");
  await client.until("\r\n\r\nok");
  await close();
  assert.equal(text, answer("400 Bad Request"));
  assert.deepEqual(urls, ["http://good.test/next"]);
});

test("fetch bridge: without Host or options.hostname the URL names the local address and port", async () => {
  const { urls, client, close } = await exchange("GET /here HTTP/1.0\r\n\r\n", "ok");
  await client.readAll();
  const port = urls[0]?.match(/^http:\/\/127\.0\.0\.1:(\d+)\/here$/)?.[1];
  await close();
  assert.ok(port !== undefined && Number(port) > 0, urls[0]);
});

test("fetch bridge: TRACE and TRACK, which a Request cannot carry, get 405 without calling the handler", async () => {
  for (const method of ["TRACE", "track"]) {
    const { urls, text, close } = await exchange(`${method} / HTTP/1.1\r\nHost: a\r\n\r\n`, "\r\n\r\n");
    await close();
    assert.deepEqual(urls, [], method);
    assert.equal(text, answer("405 Method Not Allowed"), method);
  }
});

test("fetch bridge: a handler's Connection: close (in any list position) closes the connection after it", async () => {
  const { text, client, close } = await exchange(
    "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    "bye",
    // Bytes, not a string: Deno would add a content-type for a string body and Bun would not.
    () => new Response(new TextEncoder().encode("bye"), { headers: { Connection: "Keep-Alive, CLOSE" } }),
  );
  assert.ok(text.endsWith("bye"));
  const all = normalizeDate(await client.readAll());
  await close();
  assert.equal(
    all,
    "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye",
  );
});
