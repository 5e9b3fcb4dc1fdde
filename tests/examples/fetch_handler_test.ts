import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { normalizeDate, RawClient, splitResponse } from "../_net.ts";
import app, { startFetchExample } from "../../examples/fetch_handler.ts";

const KEEP = "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n";
const chunkedDone = (t: string) => /\r\n0\r\n(?:[^\r]+\r\n)*\r\n$/.test(t);

test("fetch_handler example: the app is a plain fetch handler (callable without any server)", async () => {
  const response = app.fetch(new Request("http://example.test/nowhere"));
  assert.equal(response.status, 404);
  assert.equal(await response.text(), "not found\n");
});

test("fetch_handler example: GET / over the bridge, exact bytes", async () => {
  const server = await startFetchExample();
  const client = await RawClient.connect(server.port);
  client.write("GET /?a=1 HTTP/1.1\r\nHost: demo.test\r\n\r\n");
  const body = "hello 127.0.0.1, you asked for http://demo.test/?a=1\n";
  const text = normalizeDate(await client.until(body));
  await client.close();
  await server.close();
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\n" +
      "Date: <date>\r\n" + KEEP + `Content-Length: ${body.length}\r\n\r\n` + body,
  );
});

test("fetch_handler example: /countdown streams its body chunk by chunk", async () => {
  const server = await startFetchExample();
  const client = await RawClient.connect(server.port);
  client.write("GET /countdown?from=3&delay=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  const { head, body } = splitResponse(normalizeDate(await client.until(chunkedDone)));
  await client.close();
  await server.close();
  assert.equal(
    head,
    "HTTP/1.1 200 OK\r\ncache-control: no-store\r\ncontent-type: text/plain; charset=utf-8\r\n" +
      "Date: <date>\r\n" + KEEP + "Transfer-Encoding: chunked\r\n\r\n",
  );
  assert.equal(body, "2\r\n3\n\r\n2\r\n2\n\r\n2\r\n1\n\r\n9\r\nliftoff!\n\r\n0\r\n\r\n");
});

test("fetch_handler example: /shout echoes the upload up-cased while it is still arriving", async () => {
  const server = await startFetchExample();
  const client = await RawClient.connect(server.port);
  client.write("POST /shout HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n");
  await client.until("HELLO ");
  client.write("5\r\nworld\r\n0\r\n\r\n");
  const { body } = splitResponse(await client.until(chunkedDone));
  await client.close();
  await server.close();
  assert.equal(body, "6\r\nHELLO \r\n5\r\nWORLD\r\n0\r\n\r\n");
});

test("fetch_handler example: /count sends the byte count as a declared trailer", async () => {
  const server = await startFetchExample();
  const client = await RawClient.connect(server.port);
  client.write("POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  const { head, body } = splitResponse(normalizeDate(await client.until(chunkedDone)));
  await client.close();
  await server.close();
  assert.match(head, /\r\ntrailer: X-Byte-Count\r\nTransfer-Encoding: chunked\r\n/);
  assert.equal(body, "5\r\nhello\r\n0\r\nx-byte-count: 5\r\n\r\n");
});
