/**
 * Hostile responses over real sockets: the client ends every exchange with a response or an 'error'
 * carrying a code, never a crash, an unhandled rejection or a hang.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../_harness.ts";
import { RawServer } from "../_net.ts";
import { hostileBytes } from "../_hostile.ts";
import { request } from "../../mod.ts";

const VALID = [
  "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX: 1\r\n\r\n",
  "HTTP/1.0 200 OK\r\n\r\nuntil close",
  "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
];

const hostile = hostileBytes(VALID, 200);

test("fuzz: hostile responses end in a response or a coded 'error', never a crash or a hang", async () => {
  let reply: Uint8Array = new Uint8Array(0);
  const server = await RawServer.start(async (conn) => {
    await conn.until("\r\n\r\n");
    conn.write(reply);
    conn.end();
  });
  await fc.assert(
    fc.asyncProperty(hostile, async (bytes) => {
      reply = bytes;
      const outcome = await new Promise<string>((resolve) => {
        const req = request({ host: "127.0.0.1", port: server.port, agent: false });
        req.on("error", (err) => resolve(`error:${(err as { code?: string }).code}`));
        req.on("response", (res) => {
          res.on("error", (err) => resolve(`response-error:${(err as { code?: string }).code}`));
          res.on("end", () => resolve("response"));
          res.resume();
        });
        req.end();
      });
      assert.match(outcome, /^(response|(response-)?error:(HPE_[A-Z_]+|ECONNRESET))$/);
    }),
    { numRuns: 300 },
  );
  await server.close();
});
