/**
 * `Deno.serve`: `deno run -A deno_serve.ts [port]`.
 *
 * @module
 */

import { ECHO_TYPE, HELLO, HELLO_TYPE, HOST, serverArgs } from "../shared.ts";

const { port } = serverArgs();

Deno.serve({ hostname: HOST, port, onListen: () => console.log("ready") }, async (req) => {
  if (req.method !== "POST") return new Response(HELLO, { headers: { "content-type": HELLO_TYPE } });
  const body = await req.arrayBuffer();
  return new Response(body, { headers: { "content-type": ECHO_TYPE } });
});
