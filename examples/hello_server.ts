/**
 * The README's main command: a hello-world server that prints its URL.
 *
 *   npm start            (or: deno run --allow-net examples/hello_server.ts, bun examples/hello_server.ts)
 *
 * PORT and HOST may be set in the environment; PORT=0 picks a free port.
 */
import { createServer } from "../mod.ts";

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const port = Number(env.PORT ?? 8080);
const host = env.HOST ?? "127.0.0.1";

const server = createServer((req, res) => {
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.end(`hello from @wire/http: ${req.method} ${req.url}\n`);
});

server.listen(port, host, () => {
  const address = server.address();
  if (address && typeof address === "object") console.log(`listening on http://${host}:${address.port}/`);
});
