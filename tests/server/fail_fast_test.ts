/**
 * A malformed head is answered as soon as the bytes that prove it arrive, not when the head ends or
 * `headersTimeout` fires: each request below never ends its head, the server's headersTimeout is a minute,
 * and the test's own limit is 10 s, so a server that waited would fail here. Verified against node:http
 * on Node 20.20.2: `G@T / HTTP/1.1 CRLF Host: a CRLF` (no final CRLF) is answered at once with
 * "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n" and the connection closes.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, listen, RawClient } from "../_net.ts";

const cases: [name: string, request: string, status: string][] = [
  ["invalid method byte", "G@T / HTTP/1.1\r\nHost: a\r\n", "400 Bad Request"],
  ["unsupported version", "GET / HTTP/2.0\r\nHost: a\r\n", "505 HTTP Version Not Supported"],
  ["bare CR", "GET / HTTP/1.1\r\nHost: a\rX", "400 Bad Request"],
  [
    "second differing Content-Length",
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n",
    "400 Bad Request",
  ],
];

for (const [name, request, status] of cases) {
  test(`a head with ${name} is answered ${status} before it ends`, async () => {
    let handled = false;
    const { server, port } = await listen({ headersTimeout: 60_000, requestTimeout: 0 }, (_req, res) => {
      handled = true;
      res.end();
    });
    const client = await RawClient.connect(port);
    try {
      client.write(request);
      const text = await client.readAll();
      assert.equal(text, `HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
      assert.equal(handled, false);
    } finally {
      await client.close();
      await closeServer(server);
    }
  }, { timeout: 10_000 });
}
