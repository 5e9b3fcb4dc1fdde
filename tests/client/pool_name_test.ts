/**
 * The pool name a plain request gets without merging options (`plainPoolName`), and the one-entry reuse
 * of the last name: it must be exactly `agent.getName()` of the merged options whatever the previous
 * request asked for. (Node's `getName` format, checked against node:http under Node 20.20:
 * `127.0.0.1:8080:`, `127.0.0.1:8080:127.0.0.2:4`, `localhost::`, `example.test:8080::6`,
 * `127.0.0.1:8080::/tmp/x.sock`.)
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { Agent } from "../../mod.ts";
import { LastPoolName, mergeOptions, plainPoolName } from "../../src/client/_agent_options.ts";
import type { AgentRequestOptions } from "../../src/client/agent.ts";

test("the reused pool name always equals getName() of the merged options, request after request", () => {
  const agent = new Agent({ keepAlive: true });
  const last = new LastPoolName();
  const asked: AgentRequestOptions[] = [
    { host: "127.0.0.1", port: 8080 },
    { host: "127.0.0.1", port: 8080 },
    { host: "127.0.0.1", port: 8081 },
    { host: "127.0.0.1", port: 8080, localAddress: "127.0.0.2", family: 4 },
    { host: "127.0.0.1", port: 8080 },
    { host: "example.test", port: 8080, family: 6 },
    { host: "127.0.0.1", port: 8080, socketPath: "/tmp/x.sock" },
    {},
    { host: "127.0.0.1", port: 8080 },
  ];
  const names = asked.map((given) => {
    const name = plainPoolName(agent.options, given, last);
    assert.equal(name, agent.getName(mergeOptions(agent.options, given)));
    return name;
  });
  assert.deepEqual(names, [
    "127.0.0.1:8080:",
    "127.0.0.1:8080:",
    "127.0.0.1:8081:",
    "127.0.0.1:8080:127.0.0.2:4",
    "127.0.0.1:8080:",
    "example.test:8080::6",
    "127.0.0.1:8080::/tmp/x.sock",
    "localhost::",
    "127.0.0.1:8080:",
  ]);
  // The agent's own options win over the request's, as in the merge.
  const pinned = new Agent({ keepAlive: true, host: "10.0.0.1" } as never);
  assert.equal(plainPoolName(pinned.options, { host: "127.0.0.1", port: 80 }, last), "10.0.0.1:80:");
  // An https request has no plain name.
  assert.equal(plainPoolName(agent.options, { protocol: "https:", host: "a", port: 1 }, last), undefined);
});
