/**
 * `@wire/http` server: `deno run -A ours.ts [port] [scenario]` or `bun ours.ts [port] [scenario]`.
 * Same handler as `node_http.ts`, so the two compare like for like.
 *
 * With `PROCS=N` in the environment, N processes share the port through `reusePort` (SO_REUSEPORT: the
 * kernel spreads connections over them): this one and N-1 children started the same way, each printing
 * "ready" before this one does. Deno needs `--unstable-net` for `reusePort` (without it, listen fails
 * with ERR_FEATURE_UNAVAILABLE_ON_PLATFORM); the children get it. A child exits when its stdin closes,
 * i.e. when this process is gone.
 *
 * @module
 */

import process from "node:process";
import { spawn } from "node:child_process";
import { createServer } from "../../../mod.ts";
import { ECHO_TYPE, exitOnSignalsWhenProfiling, HELLO, HELLO_TYPE, HOST, serverArgs } from "../shared.ts";

const { port, scenario } = serverArgs();
const procs = Math.max(1, Number(process.env.PROCS ?? 1));
const isChild = process.env.REUSE_PORT_CHILD === "1";
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

if (procs === 1 && !isChild) server.listen(port, HOST, () => console.log("ready"));
else {
  server.listen({ port, host: HOST, reusePort: true }, async () => {
    if (isChild) {
      process.stdin.on("end", () => process.exit(0));
      process.stdin.resume();
      console.log("ready");
      return;
    }
    await Promise.all(Array.from({ length: procs - 1 }, startChild));
    console.log("ready");
  });
}

function startChild(): Promise<void> {
  const file = new URL(import.meta.url).pathname;
  const deno = "Deno" in globalThis;
  const args = deno
    ? ["run", "-A", "--unstable-net", file, String(port), scenario]
    : [file, String(port), scenario];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PROCS: "1", REUSE_PORT_CHILD: "1" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Uint8Array) => {
      if (new TextDecoder().decode(chunk).includes("ready")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`reusePort child exited (code ${code})`)));
  });
}
