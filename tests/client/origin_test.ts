/**
 * The request's origin is read and validated in one place (`originOf`), with Node's codes, and the
 * client's internal hooks are symbols, not methods a user can call.
 *
 * Verified against node:http on Node 20.20.2: `request({port: 99999})`, `{port: "abc"}` and `{port: -1}`
 * throw ERR_SOCKET_BAD_PORT synchronously; `{host: 5}`/`{hostname: 5}` throw ERR_INVALID_ARG_TYPE naming
 * the option; `{port: "8080"}` is accepted.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { Agent, request } from "../../mod.ts";
import { originOf } from "../../src/client/_origin.ts";

test("originOf: host, port and socket path from hostname, host with port, brackets, defaultPort and socketPath", () => {
  assert.deepEqual(originOf({}), {
    host: "localhost",
    port: 80,
    defaultPort: 80,
    tls: false,
    socketPath: undefined,
  });
  assert.deepEqual(originOf({ host: "example.com:8080", port: "81" }), {
    host: "example.com",
    port: 81,
    defaultPort: 80,
    tls: false,
    socketPath: undefined,
  });
  const https = originOf({ protocol: "https:", host: "a.example" });
  assert.equal(https.port, 443);
  assert.equal(https.tls, true);
  assert.equal(originOf({ host: "[::1]", port: 8080 }).host, "::1");
  assert.equal(originOf({ host: "::1" }).host, "::1");
  assert.equal(originOf({ hostname: "a", host: "b" }).host, "a");
  assert.equal(originOf({ defaultPort: 8443 }).port, 8443);
  // A request passes its agent's defaultPort beside its options instead of a copy of them.
  assert.deepEqual(originOf({ defaultPort: 8443 }, 81), originOf({ defaultPort: 81 }));
  assert.equal(originOf({ port: 82 }, 81).port, 82);
  assert.equal(originOf({ socketPath: "/tmp/s" }).socketPath, "/tmp/s");
});

test("request(): a bad port throws ERR_SOCKET_BAD_PORT and a non-string host ERR_INVALID_ARG_TYPE, as Node", () => {
  for (const port of [99999, -1, "abc", 1.5]) {
    assert.throws(() => request({ port: port as number, agent: false }), { code: "ERR_SOCKET_BAD_PORT" });
  }
  assert.throws(() => request({ host: 5 as unknown as string, agent: false }), {
    code: "ERR_INVALID_ARG_TYPE",
    message: /"options\.host"/,
  });
  assert.throws(() => request({ hostname: 5 as unknown as string, agent: false }), {
    code: "ERR_INVALID_ARG_TYPE",
    message: /"options\.hostname"/,
  });
});

test("Agent and ClientRequest expose no internal hooks as methods (they are keyed by symbols)", () => {
  const agent = new Agent();
  // `addRequest` is public now: it is Node's agent protocol (checked against node:http on Node 20).
  assert.equal(typeof agent.addRequest, "function");
  for (const name of ["released", "removed", "retry", "cancel"]) {
    assert.equal(name in agent, false, name);
  }
  const req = request({ port: 1, agent: false });
  req.on("error", () => {});
  req.destroy();
  for (const name of ["assignConnection", "connectFailed", "onResponse", "onFailure", "onTakeover"]) {
    assert.equal(name in req, false, name);
  }
  assert.equal(agent.getName({ host: "h", port: 1 }), "h:1:");
});
