/**
 * Deno canned-response ceiling: `deno run -A deno_canned.ts [port] [hello|echo]`. A raw `Deno.listen`
 * loop: `conn.read` into a reused buffer, count the complete request heads (skipping the scenario's fixed
 * body after each), and answer all of them with one `conn.write` of the precomputed response(s). No
 * parsing, no objects per request: the most a JS HTTP server on Deno's socket API could do.
 *
 * @module
 */

import { cannedResponse, HeadCounter, HOST, repeated, requestBodyLength, serverArgs } from "../shared.ts";

const { port, scenario } = serverArgs();
const responses = repeated(cannedResponse(scenario));
const bodyLength = requestBodyLength(scenario);

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(at === 0 ? bytes : bytes.subarray(at));
}

async function serve(conn: Deno.TcpConn): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  const heads = new HeadCounter(bodyLength);
  try {
    conn.setNoDelay(true);
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      const owed = heads.count(buffer, n);
      if (owed > 0) await writeAll(conn, responses(owed));
    }
  } catch {
    // peer reset: nothing to do
  } finally {
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
}

const listener = Deno.listen({ hostname: HOST, port });
console.log("ready");
for await (const conn of listener) serve(conn);
