/**
 * The mutual-TLS example: a named client is greeted by its certificate's CN, an anonymous one gets 401
 * with the authorization error; both over real TLS sockets on Deno and Bun.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer } from "../_net.ts";
import { callServer, startMtlsServer } from "../../examples/https_mtls.ts";
import { pki } from "../https/_tls.ts";

test("https_mtls example: a client certificate is greeted by name, no certificate gets 401", async () => {
  const { server, port } = await startMtlsServer({ key: pki.serverKey, cert: pki.serverCert, ca: pki.ca });
  const named = await callServer(port, { key: pki.clientKey, cert: pki.clientCert, ca: pki.ca });
  assert.equal(named.status, 200);
  assert.match(
    named.body,
    /^hello test-client, your certificate is valid until \w{3} +\d+ [\d:]+ \d{4} GMT\n$/,
  );
  const anonymous = await callServer(port, { ca: pki.ca });
  assert.deepEqual(anonymous, { status: 401, body: "anonymous (UNABLE_TO_GET_ISSUER_CERT)\n" });
  await closeServer(server);
});
