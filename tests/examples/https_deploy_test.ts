/**
 * The deployment example: each name gets its certificate (curl checks it against the test CA), a client
 * without SNI gets the default, and `reload()` swaps the default for new connections.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, RawClient } from "../_net.ts";
import { startSites } from "../../examples/https_deploy.ts";
import { connectTls, fixturePath, peerName, pki, run } from "../https/_tls.ts";

test("https_deploy example: one port, a certificate per name, a default, and a reload without restart", async () => {
  const dir = fixturePath("").replace(/\/$/, "");
  const { server, port, reload } = await startSites({
    dir,
    fallback: "server",
    names: { "a.test": "a", "b.test": "b", "*.wild.test": "wild" },
  });
  for (const name of ["a.test", "b.test", "x.wild.test"]) {
    const curl = await run("curl", [
      "-sS",
      "--cacert",
      fixturePath("ca.pem"),
      "--resolve",
      `${name}:${port}:127.0.0.1`,
      `https://${name}:${port}/`,
    ]);
    assert.equal(curl.stderr, "");
    assert.equal(curl.stdout, `hello ${name}\n`);
  }
  const before = await connectTls(port, { ca: pki.ca });
  assert.equal(peerName(before), "localhost");
  reload("renewed");
  const after = await connectTls(port, { ca: pki.ca });
  assert.equal(peerName(after), "renewed/localhost");
  const a = await connectTls(port, { ca: pki.ca, servername: "a.test" });
  assert.equal(peerName(a), "a.test");
  for (const conn of [before, after, a]) await RawClient.from(conn).close();
  await closeServer(server);
});
