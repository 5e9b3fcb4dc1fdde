/**
 * The README's main command: a hello-world server that prints its URL.
 *
 *   npm start            (or: deno run --allow-net --allow-env examples/hello_server.ts, bun examples/hello_server.ts)
 *
 * PORT and HOST may be set in the environment; PORT=0 picks a free port.
 */
import { createServer, type Server } from "../mod.ts";

/** Starts the hello server and resolves with it and the URL it answers on. */
export function startHelloServer(port: number, host: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.end(`hello from @wire/http: ${req.method} ${req.url}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address() as { port: number };
      resolve({ server, url: `http://${host}:${address.port}/` });
    });
  });
}

if (import.meta.main) {
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
  const { url } = await startHelloServer(Number(env.PORT ?? 8080), env.HOST ?? "127.0.0.1");
  console.log(`listening on ${url}`);
}
