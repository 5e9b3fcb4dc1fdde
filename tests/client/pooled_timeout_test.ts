/**
 * `req.setTimeout()` on a pooled keep-alive socket: one `'timeout'` listener per request while it runs,
 * none left once it ended, and an idle pooled socket reports nothing to requests it carried before.
 *
 * Verified against node:http on Node 20.20.2: 20 sequential requests with `req.setTimeout(100)` on a
 * keep-alive Agent (maxSockets 1) leave the socket's 'timeout' listener count the same after each request
 * (counting the Agent's own listener, 1, as ours does now that the Agent follows Node's protocol), reset
 * the idle socket's timeout to the
 * agent's (0), and after 300 ms idle no request got a 'timeout'. While a response is read Node counts 3
 * (the Agent's, the request's, the response's, which listens while a timeout is set); after it, 1.
 */
import assert from "node:assert/strict";
import { once, test } from "../_harness.ts";
import { closeServer, listen } from "../_net.ts";
import { Agent, get, type IncomingMessage, type Socket } from "../../mod.ts";
import { destroyAgent } from "./_client.ts";

test("setTimeout on a pooled socket: one listener per request, removed at its end; idle sends none", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("ok"));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let socket: Socket | undefined;
  let stray = 0;
  const during: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = get({ host: "127.0.0.1", port, agent }, (res) => {
        during.push(res.socket.listenerCount("timeout"));
        res.resume();
        res.on("end", () => resolve());
      });
      req.setTimeout(10_000);
      req.on("timeout", () => stray++);
      req.on("socket", (s) => (socket = s));
      req.on("error", reject);
    });
    after.push(socket!.listenerCount("timeout"));
  }
  // The Agent's own listener (it closes an idle pooled socket that times out), the request's, and the
  // connection's (it passes the socket's timeout to the response being read).
  assert.deepEqual(during, Array(20).fill(3), "one listener of the request while it runs");
  assert.deepEqual(after, Array(20).fill(1), "only the Agent's once it ended");
  assert.equal(Object.values(agent.freeSockets).flat().length, 1, "one socket carried them all");
  // The idle socket times out (our own timeout on it, awaited as an event); no finished request hears it.
  await new Promise<void>((resolve) => socket!.setTimeout(20, resolve));
  assert.equal(stray, 0);
  await destroyAgent(agent);
  await closeServer(server);
});

test("setTimeout: the running request gets 'timeout' from its socket, and only once per event", async () => {
  let answer: (() => void) | undefined;
  const { server, port } = await listen({}, (_req, res) => {
    answer = () => res.end("late");
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const req = get({ host: "127.0.0.1", port, agent });
  let timeouts = 0;
  const timedOut = new Promise<void>((resolve) =>
    req.setTimeout(20, () => {
      timeouts++;
      resolve();
    })
  );
  await timedOut;
  assert.equal(timeouts, 1);
  const res = await new Promise<IncomingMessage>((resolve) => {
    req.on("response", resolve);
    answer!();
  });
  res.resume();
  await once(res, "end");
  // Only the Agent's own listener is left (Node's count too).
  assert.equal(req.socket!.listenerCount("timeout"), 1);
  await destroyAgent(agent);
  await closeServer(server);
});
