/**
 * agent-base (v6, as installed for the ecosystem tests): its agents implement only Node's agent protocol
 * (`addRequest`, then `req.onSocket` with the socket their `callback` gives), here a `net` socket.
 *
 * Verified once with node against node:http: three sequential GETs through the same agent each get 200 and
 * their body, none on a reused socket (agent-base opens one socket per request).
 */
import assert from "node:assert/strict";
import net from "node:net";
import agentBase from "agent-base";
import { test } from "../_harness.ts";
import { closeServer, listen } from "../_net.ts";
import { get, type IncomingMessage } from "../../mod.ts";

// The CommonJS module's `Agent`, read off its default export (the named import differs between runtimes).
const BaseAgent = (agentBase as unknown as {
  Agent: new (options?: object) => { addRequest(req: unknown, options: unknown): void };
}).Agent;

class Direct extends BaseAgent {
  callback(_req: unknown, options: { host: string; port: number }): net.Socket {
    return net.connect(options.port, options.host);
  }
}

test("an agent-base agent carries requests over the net sockets it makes", async () => {
  const { server, port } = await listen({}, (req, res) => res.end(`hi ${req.url}`));
  const agent = new Direct({ keepAlive: true });
  const seen: unknown[] = [];
  for (let n = 0; n < 3; n++) {
    const req = get({ host: "127.0.0.1", port, path: `/${n}`, agent });
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      req.on("response", resolve);
      req.on("error", reject);
    });
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (c: string) => (body += c));
    await new Promise((r) => res.on("end", r));
    const closed = req.socket!.destroyed ? undefined : new Promise((r) => req.socket!.once("close", r));
    seen.push([res.statusCode, body, req.reusedSocket]);
    await closed;
  }
  assert.deepEqual(seen, [[200, "hi /0", false], [200, "hi /1", false], [200, "hi /2", false]]);
  await closeServer(server);
});
