/**
 * Node's agent protocol: `getName`, the constructor's validation, agent-like objects (`addRequest` +
 * `req.onSocket`), subclasses overriding `createConnection` / `createSocket`, the `'free'` event.
 *
 * Every scenario was run once with node (v20) against node:http (`agent.getName`, the error classes, codes
 * and messages, the event order, `sockets`/`freeSockets`/`totalSocketCount` after a kept-alive exchange),
 * and the expectations here are what Node printed.
 */
import assert from "node:assert/strict";
import net from "node:net";
import process from "node:process";
import { once, test } from "../_harness.ts";
import { closeServer, listen } from "../_net.ts";
import {
  Agent,
  AgentClass,
  type AgentRequest,
  type AgentRequestOptions,
  type AgentSocket,
  type ClientRequest,
  type CreateConnectionCallback,
  get,
  type IncomingMessage,
  request,
} from "../../mod.ts";
import { destroyAgent } from "./_client.ts";
import { listenHttps, pki } from "../https/_tls.ts";
import { constructFunctionStyle } from "../_subclass.ts";
import { type Agent as HttpsAgent, Agent as HttpsAgentCtor, get as httpsGet } from "../../src/https/mod.ts";

function body(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (c: string) => (text += c));
    res.on("end", () => resolve(text));
    res.on("error", reject);
  });
}

test("getName is Node 20's: host:port:localAddress, then :family (4/6), then :socketPath", () => {
  const agent = new Agent();
  assert.equal(
    agent.getName({ host: "h", port: 1, localAddress: "10.0.0.1", family: 6 }),
    "h:1:10.0.0.1:6",
  );
  assert.equal(agent.getName({ socketPath: "/s" }), "localhost:::/s");
  assert.equal(agent.getName(), "localhost::");
  assert.equal(agent.getName({ family: 5 }), "localhost::");
});

test("the constructor validates maxTotalSockets and scheduling with Node's errors", () => {
  assert.throws(() => new Agent({ maxTotalSockets: "x" as unknown as number }), {
    name: "TypeError",
    code: "ERR_INVALID_ARG_TYPE",
    message: `The "maxTotalSockets" argument must be of type number. Received type string ('x')`,
  });
  assert.throws(() => new Agent({ maxTotalSockets: 0 }), {
    name: "RangeError",
    code: "ERR_OUT_OF_RANGE",
    message: `The value of "maxTotalSockets" is out of range. It must be >= 1. Received 0`,
  });
  assert.throws(() => new Agent({ scheduling: "x" as "fifo" }), {
    name: "TypeError",
    code: "ERR_INVALID_ARG_VALUE",
    message: "The argument 'scheduling' must be one of: 'fifo', 'lifo'. Received 'x'",
  });
  assert.equal(new Agent({ maxTotalSockets: Infinity }).maxTotalSockets, Infinity);
});

test("an object without addRequest is refused as agent with Node's message", () => {
  assert.throws(() => request({ agent: {} as unknown as false }), {
    name: "TypeError",
    code: "ERR_INVALID_ARG_TYPE",
    message:
      'The "options.agent" property must be one of Agent-like Object, undefined, or false. Received an instance of Object',
  });
});

test("an agent-like object: addRequest gets host and port, req.onSocket takes a net socket, 'free' follows", async () => {
  const { server, port } = await listen({}, (req, res) => res.end(req.url));
  const events: unknown[][] = [];
  let socket: net.Socket | undefined;
  let closed: Promise<unknown> | undefined;
  const freed = Promise.withResolvers<void>();
  const like = {
    addRequest(req: AgentRequest, opts: AgentRequestOptions) {
      events.push(["add", opts.host, opts.port]);
      socket = net.connect(port, "127.0.0.1");
      closed = once(socket, "close");
      socket.on("free", () => {
        events.push(["free"]);
        socket!.destroy();
        freed.resolve();
      });
      req.onSocket(socket);
    },
  };
  const req = get({
    host: "127.0.0.1",
    port,
    path: "/like",
    agent: like,
    headers: { connection: "keep-alive" },
  });
  const [res] = await once<[IncomingMessage]>(req, "response");
  events.push(["res", (res as unknown as { req: unknown }).req === req]);
  let text = "";
  res.setEncoding("utf8");
  res.on("data", (c: string) => (text += c));
  // Recorded in the 'end' listener itself: Node frees the socket a tick after it.
  res.on("end", () => events.push(["end", text]));
  await freed.promise;
  await closed;
  assert.deepEqual(events, [["add", "127.0.0.1", port], ["res", true], ["end", "/like"], ["free"]]);
  await closeServer(server);
});

test("a subclass's createConnection returns a net socket: pooled by name, 'free' with the options", async () => {
  const { server, port } = await listen({}, (req, res) => res.end(req.url));
  const events: unknown[][] = [];
  class Sub extends AgentClass {
    override createConnection(o: AgentRequestOptions, _cb: CreateConnectionCallback): AgentSocket {
      events.push(["cc", o.host, o.port, o.keepAlive, o.path]);
      // The options go straight to net.connect, as agent-base style agents do: `path` must not be the
      // request's path (net would take it for a unix socket).
      return net.connect(o as net.NetConnectOpts);
    }
  }
  const agent = new Sub({ keepAlive: true });
  const freed = Promise.withResolvers<void>();
  agent.on("free", (_s, o) => {
    events.push(["free", o.host, o.port, agent.getName(o)]);
    freed.resolve();
  });
  const req = get({ host: "127.0.0.1", port, path: "/sub", agent });
  const [res] = await once<[IncomingMessage]>(req, "response");
  events.push(["sockets", Object.keys(agent.sockets), agent.totalSocketCount]);
  assert.equal(await body(res), "/sub");
  await freed.promise;
  events.push(["after", Object.keys(agent.sockets), Object.keys(agent.freeSockets), agent.totalSocketCount]);
  const name = `127.0.0.1:${port}:`;
  assert.deepEqual(events, [
    ["cc", "127.0.0.1", port, true, null],
    ["sockets", [name], 1],
    ["free", "127.0.0.1", port, name],
    ["after", [], [name], 1],
  ]);
  const pooled = agent.freeSockets[name]![0]!;
  const closed = once(pooled, "close");
  agent.destroy();
  await closed;
  await closeServer(server);
});

test("createSocket failing: the request emits that error, is destroyed, then closes", async () => {
  const agent = new Agent();
  const boom = new Error("boom");
  agent.createSocket = (_req, _opts, cb) => cb(boom);
  const req = get({ host: "127.0.0.1", port: 1, agent });
  const order: string[] = [];
  await new Promise<void>((resolve) => {
    req.on("error", (err) => order.push(`error ${err === boom} ${req.destroyed}`));
    req.on("close", () => {
      order.push(`close ${req.destroyed}`);
      resolve();
    });
  });
  assert.deepEqual(order, ["error true true", "close true"]);
});

test("a kept-alive exchange leaves the socket in freeSockets; the agent counts it once", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("ok"));
  const agent = new Agent({ keepAlive: true });
  const freed = once(agent, "free");
  const req = get({ host: "127.0.0.1", port, agent });
  const [res] = await once<[IncomingMessage]>(req, "response");
  assert.deepEqual(Object.keys(agent.sockets), [`127.0.0.1:${port}:`]);
  await body(res);
  await freed;
  assert.deepEqual(Object.keys(agent.sockets), []);
  assert.equal(agent.freeSockets[`127.0.0.1:${port}:`]!.length, 1);
  assert.equal(agent.totalSocketCount, 1);
  await destroyAgent(agent);
  assert.equal(agent.totalSocketCount, 0);
  await closeServer(server);
});

test("an agent's defaultPort is the request's port when it names none", () => {
  const seen: unknown[] = [];
  const like = {
    defaultPort: 8123,
    addRequest(req: AgentRequest, o: AgentRequestOptions) {
      const r = req as unknown as ClientRequest;
      seen.push([o.port, o.defaultPort, r.getHeader("host") ?? r.host]);
      r.on("error", () => {});
      r.destroy();
    },
  };
  get({ host: "h.test", agent: like });
  get({ host: "h.test", agent: like, defaultPort: 9000 });
  assert.deepEqual(seen, [[8123, undefined, "h.test"], [9000, 9000, "h.test"]]);
});

test("the socket is free a tick after the response's 'end', ahead of what the caller's 'end' schedules", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("hello"));
  const agent = new Agent({ keepAlive: true, maxSockets: 2, maxFreeSockets: 2 });
  const ticks = [1, 2].map(() =>
    new Promise<number>((resolve) => {
      get({ host: "127.0.0.1", port, agent }, (res) => {
        res.resume();
        res.on("end", () =>
          process.nextTick(() => resolve(agent.freeSockets[`127.0.0.1:${port}:`]?.length ?? 0)));
      });
    })
  );
  // Node 20 (its test-http-agent-maxsockets): both sockets are in the free list by the second tick.
  const counts = await Promise.all(ticks);
  assert.equal(Math.max(...counts), 2);
  await destroyAgent(agent);
  await closeServer(server);
});

test("a kept-alive exchange ends in Node's order: res 'end', req 'close', socket 'free', then the rest", async () => {
  // Checked under node (Node 20.20, node:http with a keepAlive Agent, the same listeners):
  // ["res end","req close","socket free","tick from end","res close"]: Node's emitFreeNT, scheduled by its
  // own 'end' listener, emits the request's 'close' and the socket's 'free' ahead of what the caller's
  // 'end' listener schedules.
  const { server, port } = await listen({}, (_req, res) => res.end("hello"));
  const agent = new Agent({ keepAlive: true });
  const log: string[] = [];
  const done = new Promise<void>((resolve) => {
    const req = get({ host: "127.0.0.1", port, agent }, (res) => {
      res.resume();
      res.on("end", () => {
        log.push("res end");
        process.nextTick(() => log.push("tick from end"));
      });
      res.on("close", () => {
        log.push("res close");
        resolve();
      });
    });
    req.on("socket", (socket) => socket.on("free", () => log.push("socket free")));
    req.on("close", () => log.push("req close"));
  });
  await done;
  assert.deepEqual(log, ["res end", "req close", "socket free", "tick from end", "res close"]);
  await destroyAgent(agent);
  await closeServer(server);
});

// Node's function-style subclassing (forever-agent's `Agent.call(self, options)` with util.inherits):
// checked under Node 20 with node:http and node:https: `Agent.call` returns undefined and sets up the
// object (`keepAlive true`, `maxSockets Infinity`, `sockets {}`; the https one `defaultPort 443`,
// `protocol https:`), which then pools requests as a constructed agent does.
test("Agent.call(this) sets up a function-style subclass that pools like a constructed agent", async () => {
  const { made: agent, returned } = constructFunctionStyle<AgentClass>(Agent, { keepAlive: true });
  assert.equal(returned, undefined);
  assert.ok(agent instanceof Agent);
  assert.equal(agent.keepAlive, true);
  assert.equal(agent.maxSockets, Infinity);
  assert.equal(agent.defaultPort, 80);
  assert.deepEqual({ ...agent.sockets }, {});
  const { server, port } = await listen({}, (_req, res) => res.end("ok"));
  const sockets: unknown[] = [];
  for (let i = 0; i < 2; i++) {
    const freed = once(agent, "free");
    const req = get({ host: "127.0.0.1", port, agent });
    req.on("socket", (socket) => sockets.push(socket));
    const [res] = await once<[IncomingMessage]>(req, "response");
    assert.equal(await body(res), "ok");
    await freed;
  }
  assert.equal(sockets[1], sockets[0], "the second request reused the pooled socket");
  assert.equal(agent.totalSocketCount, 1);
  await destroyAgent(agent);
  await closeServer(server);
});

test("https.Agent.call(this) sets up an https agent: port 443, https:, TLS requests pooled", async () => {
  const { made: agent, returned } = constructFunctionStyle<HttpsAgent>(HttpsAgentCtor, {
    keepAlive: true,
    ca: pki.ca,
  });
  assert.equal(returned, undefined);
  assert.ok(agent instanceof HttpsAgentCtor);
  assert.equal(agent.defaultPort, 443);
  assert.equal(agent.protocol, "https:");
  const { server, port } = await listenHttps({}, (_req, res) => res.end("secure"));
  for (let i = 0; i < 2; i++) {
    const freed = once(agent, "free");
    const req = httpsGet({ host: "127.0.0.1", port, servername: "localhost", agent });
    const [res] = await once<[IncomingMessage]>(req, "response");
    assert.equal(await body(res), "secure");
    await freed;
  }
  assert.equal(agent.totalSocketCount, 1);
  await destroyAgent(agent);
  await closeServer(server as unknown as Parameters<typeof closeServer>[0]);
});
