/**
 * Upload sink for `bench/upload/run.ts`: `deno run -A server.ts <ours|node> <port>` or `bun server.ts ...`.
 * Every request body is counted and dropped; the answer is `200` with the count as its body. A request
 * with `Expect: 100-continue` gets its `100 Continue` the way Node answers by default (the server
 * sends it before 'request', since no 'checkContinue' listener is installed).
 *
 * @module
 */

import process from "node:process";
import { createServer as createNodeServer } from "node:http";
import { createServer as createOurServer } from "../../mod.ts";

interface Req {
  on(event: "data", l: (chunk: Uint8Array) => void): void;
  on(event: "end", l: () => void): void;
}
interface Res {
  writeHead(status: number, headers: Record<string, string | number>): unknown;
  end(body: string): void;
}

const kind = process.argv[2] === "node" ? "node" : "ours";
const port = Number(process.argv[3] ?? 0);
const handler = (req: Req, res: Res) => {
  let count = 0;
  req.on("data", (chunk) => count += chunk.length);
  req.on("end", () => {
    const body = String(count);
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": body.length });
    res.end(body);
  });
};
const server = kind === "node" ? createNodeServer(handler as never) : createOurServer(handler as never);
if (process.argv[4] === "check") {
  // As an upload server that looks at the head first: 'checkContinue', then writeContinue().
  (server as unknown as { on(e: string, l: (req: Req, res: Res & { writeContinue(): void }) => void): void })
    .on("checkContinue", (req, res) => {
      res.writeContinue();
      handler(req, res);
    });
}
server.listen(port, "127.0.0.1", () => console.log("ready"));
