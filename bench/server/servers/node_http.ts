/**
 * The runtime's own `node:http`: `deno run -A node_http.ts [port]` or `bun node_http.ts [port]`.
 * Same handler as `ours.ts`, so the two compare like for like.
 *
 * @module
 */

import { createServer } from "node:http";
import { ECHO_TYPE, exitOnSignalsWhenProfiling, HELLO, HELLO_TYPE, HOST, serverArgs } from "../shared.ts";

const { port } = serverArgs();
exitOnSignalsWhenProfiling();
const hello = new TextEncoder().encode(HELLO);

const server = createServer((req, res) => {
  if (req.method !== "POST") {
    res.writeHead(200, { "Content-Type": HELLO_TYPE, "Content-Length": hello.length });
    res.end(hello);
    return;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  req.on("data", (chunk: string | Uint8Array) => {
    const bytes = chunk as Uint8Array; // no setEncoding(): always bytes
    chunks.push(bytes);
    size += bytes.length;
  });
  req.on("end", () => {
    let body = chunks[0] ?? new Uint8Array(0);
    if (chunks.length > 1) {
      body = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) {
        body.set(c, at);
        at += c.length;
      }
    }
    res.writeHead(200, { "Content-Type": ECHO_TYPE, "Content-Length": size });
    res.end(body);
  });
});

server.listen(port, HOST, () => console.log("ready"));
