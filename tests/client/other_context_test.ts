/**
 * A pooled socket that belongs to another request context (workerd: opened by a finished invocation)
 * refuses its first write with `ERR_SOCKET_OTHER_CONTEXT` — nothing was sent — so the request goes again on a
 * new socket, whatever its method, and the dead socket leaves the pool. Simulated here on Deno and Bun by a
 * transport whose connections go stale when the "invocation" changes; tests/edge runs the real thing in
 * workerd. (No Node counterpart: Node sockets have no request context.)
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, listen } from "../_net.ts";
import {
  Agent,
  request,
  type RequestOptions,
  SystemError,
  type Transport,
  type TransportConn,
} from "../../mod.ts";
import { defaultTransport } from "../../src/transports/pick.ts";
import { destroyAgent } from "./_client.ts";

/** A transport whose connections refuse writes once `invocation` moved past the one that opened them. */
function contextTransport(): { transport: Transport; next(): void; opened: () => number } {
  let invocation = 0;
  let opened = 0;
  const inner = defaultTransport();
  const transport: Transport = {
    name: "context",
    listen: (target, handler, options) => inner.listen(target, handler, options),
    async connect(target, options) {
      const conn = await inner.connect(target, options);
      opened++;
      const born = invocation;
      return new Proxy(conn, {
        get(target, key) {
          if (key === "write") {
            return (chunk: Uint8Array, transient?: boolean) => {
              if (born === invocation) return target.write(chunk, transient);
              target.destroy(
                new SystemError("ERR_SOCKET_OTHER_CONTEXT", "write ERR_SOCKET_OTHER_CONTEXT", "write"),
              );
              return false;
            };
          }
          const value = Reflect.get(target, key, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }) as TransportConn;
    },
  };
  return { transport, next: () => void invocation++, opened: () => opened };
}

function send(options: RequestOptions, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", ...options }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("other context: GET and POST on a stale pooled socket go again on a new one; the slot is freed", async () => {
  const { server, port } = await listen({}, (req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c) => (body += c));
    req.on("end", () => res.end(`${req.method} ${body}`));
  });
  const ctx = contextTransport();
  const agent = new Agent({ keepAlive: true, maxSockets: 1, transport: ctx.transport });
  assert.equal(await send({ port, agent }), "GET ");
  assert.equal(ctx.opened(), 1);
  ctx.next();
  assert.equal(await send({ port, agent }), "GET ", "GET retried");
  assert.equal(ctx.opened(), 2);
  ctx.next();
  assert.equal(
    await send({ port, agent, method: "POST" }, "data"),
    "POST data",
    "POST retried: nothing was sent",
  );
  assert.equal(ctx.opened(), 3);
  // Within one invocation the socket is reused, and the only maxSockets slot was never leaked.
  for (let i = 0; i < 5; i++) assert.equal(await send({ port, agent }), "GET ");
  assert.equal(ctx.opened(), 3);
  assert.equal(Object.values(agent.freeSockets).flat().length, 1);
  await destroyAgent(agent);
  await closeServer(server);
});
