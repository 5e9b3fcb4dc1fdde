/**
 * Hostile input over real sockets: random and mutated requests never crash the server, never hang a
 * connection, and never disturb another connection in flight.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../_harness.ts";
import { closeServer, listen, RawClient } from "../_net.ts";
import { hostileBytes } from "../_hostile.ts";

const VALID = [
  "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
  "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
  "PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n",
  "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
  "OPTIONS * HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nz",
];

const hostile = hostileBytes(VALID, 300);

test("fuzz: hostile bytes get an HTTP answer or a close, never a crash, and another connection is unaffected", async () => {
  let handled = 0;
  const { server, port } = await listen({ headersTimeout: 2000, requestTimeout: 2000 }, async (req, res) => {
    handled++;
    await req.bytes().catch(() => {});
    if (!res.destroyed) res.end("ok");
  });
  // A connection in the middle of a keep-alive exchange while the fuzzing runs.
  const bystander = await RawClient.connect(port);
  bystander.write("GET /first HTTP/1.1\r\nHost: a\r\n\r\n");
  await bystander.until("ok");

  await fc.assert(
    fc.asyncProperty(hostile, fc.nat({ max: 3 }), async (bytes, splits) => {
      const client = await RawClient.connect(port);
      // Send in a few pieces, then half-close: the server must finish the exchange and close.
      const step = Math.max(1, Math.ceil(bytes.length / (splits + 1)));
      for (let i = 0; i < bytes.length; i += step) client.write(bytes.subarray(i, i + step));
      client.end();
      const text = await client.readAll();
      await client.close();
      assert.ok(
        text === "" || text.startsWith("HTTP/1."),
        `unexpected answer: ${JSON.stringify(text.slice(0, 60))}`,
      );
    }),
    { numRuns: 300 },
  );

  bystander.write("GET /second HTTP/1.1\r\nHost: a\r\n\r\n");
  await bystander.until((t) => t.split("ok").length === 3);
  await bystander.close();
  await closeServer(server);
  assert.ok(handled >= 2);
});
