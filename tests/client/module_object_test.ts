/**
 * The default exports are Node's module objects: `import http from "@wire/http"` (and `/https`, `/edge`)
 * gives the members `import http from "node:http"` gives, and `http.globalAgent = agent` changes the agent
 * of requests that name none, as in Node.
 *
 * Checked under node 20.20.2: `Object.keys(require("http"))` is `_connectionListener METHODS STATUS_CODES
 * Agent ClientRequest IncomingMessage OutgoingMessage Server ServerResponse createServer validateHeaderName
 * validateHeaderValue get request setMaxIdleHTTPParsers maxHeaderSize globalAgent` (`_connectionListener`
 * is Node's internal), `Object.keys(require("https"))` is `Agent globalAgent Server createServer get
 * request`; `globalAgent` is an accessor with a setter; `http.setMaxIdleHTTPParsers` throws the errors
 * quoted below.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, listen } from "../_net.ts";
import http, { type Agent, type AgentRequest, type AgentRequestOptions, globalAgent } from "../../mod.ts";
import https, { globalAgent as httpsGlobalAgent } from "../../src/https/mod.ts";
import edgeHttp from "../../src/edge/mod.ts";
import { destroyAgent, fetchText, requestError } from "./_client.ts";

const NODE_HTTP_KEYS = [
  "METHODS",
  "STATUS_CODES",
  "Agent",
  "ClientRequest",
  "IncomingMessage",
  "OutgoingMessage",
  "Server",
  "ServerResponse",
  "createServer",
  "validateHeaderName",
  "validateHeaderValue",
  "get",
  "request",
  "setMaxIdleHTTPParsers",
  "maxHeaderSize",
  "globalAgent",
];
const SERVER_KEYS = ["Server", "ServerResponse", "createServer", "maxHeaderSize"];

test("the default exports have Node's module members: http, https, and http without the server on the edge", () => {
  assert.deepEqual(Object.keys(http).sort(), [...NODE_HTTP_KEYS].sort());
  assert.deepEqual(
    Object.keys(https).sort(),
    ["Agent", "globalAgent", "Server", "createServer", "get", "request"].sort(),
  );
  assert.deepEqual(
    Object.keys(edgeHttp).sort(),
    NODE_HTTP_KEYS.filter((key) => !SERVER_KEYS.includes(key)).sort(),
  );
  assert.equal(http.maxHeaderSize, 16384);
  assert.equal(http.STATUS_CODES[404], "Not Found");
  assert.equal(http.globalAgent, globalAgent);
  assert.equal(https.globalAgent, httpsGlobalAgent);
  assert.equal(https.globalAgent.defaultPort, 443);
  assert.notEqual(https.Agent, http.Agent);
});

test("http.globalAgent = agent: requests that name no agent use it, and the named export follows", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("ok"));
  const original = http.globalAgent;
  const agent = new http.Agent({ keepAlive: true });
  try {
    http.globalAgent = agent;
    assert.equal(globalAgent, agent);
    const { body } = await fetchText({ host: "127.0.0.1", port });
    assert.equal(body, "ok");
    const name = agent.getName({ host: "127.0.0.1", port });
    assert.equal(agent.freeSockets[name]?.length, 1);
    assert.equal(original.freeSockets[name], undefined);
  } finally {
    http.globalAgent = original;
  }
  assert.equal(globalAgent, original);
  await destroyAgent(agent);
  await closeServer(server);
});

test("https.globalAgent = agent: https requests that name no agent use it", async () => {
  const original = https.globalAgent;
  const asked: string[] = [];
  class Recording extends https.Agent {
    override addRequest(req: AgentRequest, options: AgentRequestOptions): void {
      asked.push(String(options.port));
      super.addRequest(req, options);
    }
  }
  const agent = new Recording();
  try {
    https.globalAgent = agent;
    assert.equal(httpsGlobalAgent, agent);
    // Port 1 on 127.0.0.1 refuses: the agent was asked, and the request fails as any refused one.
    const err = await requestError(https.request({ host: "127.0.0.1", port: 1 }).end());
    assert.equal(err.code, "ECONNREFUSED");
    assert.deepEqual(asked, ["1"]);
  } finally {
    https.globalAgent = original;
  }
  assert.equal(httpsGlobalAgent, original);
  agent.destroy();
});

test("a global agent that is not Agent-like fails the request with ERR_INVALID_ARG_TYPE", () => {
  const original = http.globalAgent;
  try {
    http.globalAgent = {} as Agent;
    assert.throws(() => http.get({ host: "127.0.0.1", port: 1 }), {
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
  } finally {
    http.globalAgent = original;
  }
});

test("setMaxIdleHTTPParsers validates its argument as Node", () => {
  http.setMaxIdleHTTPParsers(1000);
  assert.throws(() => http.setMaxIdleHTTPParsers("a" as unknown as number), {
    name: "TypeError",
    code: "ERR_INVALID_ARG_TYPE",
    message: `The "max" argument must be of type number. Received type string ('a')`,
  });
  assert.throws(() => http.setMaxIdleHTTPParsers(0), {
    name: "RangeError",
    code: "ERR_OUT_OF_RANGE",
    message: `The value of "max" is out of range. It must be >= 1 && <= 9007199254740991. Received 0`,
  });
  assert.throws(() => http.setMaxIdleHTTPParsers(1.5), {
    name: "RangeError",
    code: "ERR_OUT_OF_RANGE",
    message: `The value of "max" is out of range. It must be an integer. Received 1.5`,
  });
});
