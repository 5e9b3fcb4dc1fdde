import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, RawClient } from "../_net.ts";
import { startHelloServer } from "../../examples/hello_server.ts";

test("hello server: prints a URL that answers with the greeting", async () => {
  const { server, url } = await startHelloServer(0, "127.0.0.1");
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const client = await RawClient.connect(Number(new URL(url).port));
  client.write("GET /hi HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  assert.match(text, /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
  assert.ok(text.endsWith("\r\n\r\nhello from @wire/http: GET /hi\n"), text);
});
