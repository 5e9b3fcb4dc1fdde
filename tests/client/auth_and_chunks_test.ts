/**
 * Basic credentials are UTF-8, as Node's, and body chunks are plain `Uint8Array`s on every runtime.
 *
 * Verified against node:http on Node 20.20.2: `auth: "user:päss"` sends `Basic dXNlcjpww6Rzcw==`,
 * `auth: "ü:€😀"` sends `Basic w7w64oKs8J+YgA==`, and the URL `http://us%C3%A9r:p%E2%82%AC@host/` sends
 * `Basic dXPDqXI6cOKCrA==` (the percent-decoded credentials, UTF-8). Node's chunks are Buffers (so
 * `body += chunk` decodes them); ours are Uint8Arrays on Deno and on Bun alike (the README's promise), so
 * `body += chunk` gives the same comma-joined bytes on both, and `setEncoding()` gives text.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "../_harness.ts";
import { closeServer, listen } from "../_net.ts";
import { request, type RequestOptions } from "../../mod.ts";
import { fetchText } from "./_client.ts";
import { request as httpsRequest } from "../../src/https/mod.ts";
import { listenHttps, pki } from "../https/_tls.ts";

async function authorizationSent(options: RequestOptions | string): Promise<string | undefined> {
  const { server, port } = await listen(
    {},
    (req, res) => res.end(String(req.headers.authorization ?? "<none>")),
  );
  try {
    if (typeof options === "string") {
      const url = options.replace("PORT", String(port));
      return await new Promise((resolve, reject) => {
        const req = request(url, { agent: false }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c) => (text += c));
          res.on("end", () => resolve(text));
        });
        req.on("error", reject);
        req.end();
      });
    }
    return (await fetchText({ host: "127.0.0.1", port, agent: false, ...options })).body;
  } finally {
    await closeServer(server);
  }
}

test("auth: credentials are UTF-8 before base64, as Node (user:päss → dXNlcjpww6Rzcw==)", async () => {
  assert.equal(await authorizationSent({ auth: "user:päss" }), "Basic dXNlcjpww6Rzcw==");
  assert.equal(await authorizationSent({ auth: "plain:ascii" }), "Basic cGxhaW46YXNjaWk=");
});

test("auth: characters above U+00FF (and astral ones) do not throw", async () => {
  assert.equal(await authorizationSent({ auth: "ü:€😀" }), "Basic w7w64oKs8J+YgA==");
});

test("auth: URL credentials are percent-decoded, then UTF-8, as Node", async () => {
  assert.equal(
    await authorizationSent("http://us%C3%A9r:p%E2%82%AC@127.0.0.1:PORT/"),
    "Basic dXPDqXI6cOKCrA==",
  );
});

test("body chunks are Buffers on every runtime, as Node's; body += chunk gives the text", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("hi!"));
  const chunks = await new Promise<Uint8Array[]>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, agent: false }, (res) => {
      const got: Uint8Array[] = [];
      res.on("data", (c) => got.push(c as Uint8Array));
      res.on("end", () => resolve(got));
    });
    req.on("error", reject);
    req.end();
  });
  await closeServer(server);
  assert.ok(chunks.length > 0);
  let body = "";
  for (const chunk of chunks) {
    assert.ok(Buffer.isBuffer(chunk));
    body += chunk;
  }
  assert.equal(body, "hi!");
});

test("body chunks over TLS are Buffers too (node:tls under the hood where the runtime needs it)", async () => {
  const { server, port } = await listenHttps({}, (_req, res) => res.end("tls!"));
  const chunks = await new Promise<Uint8Array[]>((resolve, reject) => {
    const req = httpsRequest({ host: "localhost", port, agent: false, ca: pki.ca }, (res) => {
      const got: Uint8Array[] = [];
      res.on("data", (c) => got.push(c as Uint8Array));
      res.on("end", () => resolve(got));
    });
    req.on("error", reject);
    req.end();
  });
  await closeServer(server);
  let body = "";
  for (const chunk of chunks) {
    assert.ok(Buffer.isBuffer(chunk));
    body += chunk;
  }
  assert.equal(body, "tls!");
});
