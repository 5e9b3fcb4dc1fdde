/**
 * `Bun.serve`: `bun bun_serve.ts [port]`.
 *
 * @module
 */

import { ECHO_TYPE, HELLO, HELLO_TYPE, HOST, serverArgs } from "../shared.ts";

interface BunServe {
  serve(options: {
    hostname: string;
    port: number;
    fetch(req: Request): Response | Promise<Response>;
  }): unknown;
}
const Bun = (globalThis as unknown as { Bun: BunServe }).Bun;

const { port } = serverArgs();

Bun.serve({
  hostname: HOST,
  port,
  async fetch(req) {
    if (req.method !== "POST") return new Response(HELLO, { headers: { "content-type": HELLO_TYPE } });
    const body = await req.arrayBuffer();
    return new Response(body, { headers: { "content-type": ECHO_TYPE } });
  },
});
console.log("ready");
