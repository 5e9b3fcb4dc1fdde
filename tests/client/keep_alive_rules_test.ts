/**
 * Whether a pooled socket carries the next request, decided by core's connection rules
 * (`src/core/connection.ts`, the same the server follows): two sequential requests through a keep-alive
 * Agent with maxSockets 1, counting the connections a scripted server accepts.
 *
 * Verified against node:http on Node 20.20.2 with the same scripted responses: `Connection: close` → 2
 * connections; HTTP/1.0 → 2; HTTP/1.0 with `Connection: keep-alive` → 1; plain HTTP/1.1 → 1. Where Node
 * differs: a request that itself says `Connection: close` is followed by a new connection here, as RFC 9112
 * section 9.6 requires ("A client that sends a "close" connection option MUST NOT send further requests on
 * that connection"); Node 20 reuses the socket when the server keeps it open.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { RawServer } from "../_net.ts";
import { Agent, get } from "../../mod.ts";
import { destroyAgent } from "./_client.ts";

/** Connections a server answering every request with `response` accepts for two requests. */
async function connectionsFor(
  response: string,
  requestHeaders: Record<string, string> = {},
): Promise<number> {
  const server = await RawServer.start((conn) => {
    void (async () => {
      let answered = 0;
      while (true) {
        await conn.until((text) => text.split("\r\n\r\n").length - 1 > answered);
        answered++;
        conn.write(response);
      }
    })().catch(() => {});
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < 2; i++) {
      await new Promise<void>((resolve, reject) => {
        get({ host: "127.0.0.1", port: server.port, agent, headers: requestHeaders }, (res) => {
          res.resume();
          res.on("end", () => resolve());
        }).on("error", reject);
      });
    }
    return server.connections.length;
  } finally {
    await destroyAgent(agent);
    await server.close();
  }
}

test("keep-alive rules: a plain HTTP/1.1 response keeps the socket for the next request (as Node)", async () => {
  assert.equal(await connectionsFor("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), 1);
});

test("keep-alive rules: a response with Connection: close ends the socket (as Node)", async () => {
  assert.equal(
    await connectionsFor("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"),
    2,
  );
});

test("keep-alive rules: HTTP/1.0 ends the socket unless it says keep-alive (as Node)", async () => {
  assert.equal(await connectionsFor("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"), 2);
  assert.equal(
    await connectionsFor("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"),
    1,
  );
});

test("keep-alive rules: a request that says Connection: close sends nothing more on its socket (RFC 9112)", async () => {
  const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  assert.equal(await connectionsFor(ok, { Connection: "close" }), 2);
});
