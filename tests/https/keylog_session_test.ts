/**
 * Key logs and session resumption, where each runtime has them. Bun: the server's and the agent's
 * `'keylog'` lines are exactly the lines curl (OpenSSL, `SSLKEYLOGFILE`) writes for the same session, in
 * TLS 1.3's labels and as TLS 1.2's `CLIENT_RANDOM`; the https Agent resumes sessions the server offered,
 * and `getSession()` + `session` resume by hand. Deno 2.9.6's node:tls has neither, so both are refused
 * with `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM`. Servers resume on both runtimes (OpenSSL's s_client says
 * "Reused" with the session it saved).
 *
 * @module
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once, runtime, test } from "../_harness.ts";
import { closeServer } from "../_net.ts";
import { Agent, get } from "../../src/https/mod.ts";
import type { IncomingMessage } from "../../src/io/incoming_message.ts";
import type { Socket } from "../../src/io/socket.ts";
import { fixturePath, listenHttps, pki, run } from "./_tls.ts";

const decoder = new TextDecoder();

async function text(res: IncomingMessage): Promise<string> {
  let out = "";
  for await (const chunk of res) out += decoder.decode(chunk as Uint8Array);
  return out;
}

/** The key log lines curl writes for one request to `port`, with `extra` curl arguments. */
async function curlKeylog(port: number, extra: string[]): Promise<{ body: string; lines: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "wire-keylog-"));
  try {
    const file = join(dir, "keys.log");
    const result = await run("curl", [
      "-sS",
      ...extra,
      "--cacert",
      fixturePath("ca.pem"),
      "--resolve",
      `localhost:${port}:127.0.0.1`,
      `https://localhost:${port}/`,
    ], { SSLKEYLOGFILE: file });
    assert.equal(result.stderr, "");
    const lines = readFileSync(file, "utf8").split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    return { body: result.stdout, lines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const TLS13_LABELS =
  /^(CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0|EXPORTER_SECRET) [0-9a-f]{64} [0-9a-f]{64,96}$/;

if (runtime === "bun") {
  test("server 'keylog': the lines curl logs for the same session, TLS 1.3 labels and TLS 1.2 CLIENT_RANDOM", async () => {
    const lines: { line: string; socket: Socket | null }[] = [];
    const sockets: Socket[] = [];
    const { server, port } = await listenHttps({}, (req, res) => {
      sockets.push(req.socket);
      res.end("logged\n");
    });
    server.on("keylog", (line: Uint8Array, socket: Socket | null) => {
      assert.ok(line instanceof Uint8Array);
      lines.push({ line: decoder.decode(line), socket });
    });
    const tls13 = await curlKeylog(port, []);
    assert.equal(tls13.body, "logged\n");
    assert.ok(lines.every(({ line }) => line.endsWith("\n")));
    const ours13 = lines.map(({ line }) => line.trimEnd());
    assert.deepEqual([...ours13].sort(), [...tls13.lines].sort());
    assert.ok(ours13.every((line) => TLS13_LABELS.test(line)), ours13.join("\n"));
    // Every line names the same client random: the session's.
    assert.equal(new Set(ours13.map((line) => line.split(" ")[1])).size, 1);
    assert.ok(lines.every(({ socket }) => socket === sockets[0]));

    lines.length = 0;
    const tls12 = await curlKeylog(port, ["--tls-max", "1.2"]);
    assert.equal(tls12.body, "logged\n");
    const ours12 = lines.map(({ line }) => line.trimEnd());
    assert.deepEqual(ours12, tls12.lines);
    assert.equal(ours12.length, 1);
    assert.match(ours12[0]!, /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
    await closeServer(server);
  });

  test("server 'keylog' of a handshake that fails: the lines come with the closed socket of 'tlsClientError'", async () => {
    const { server, port } = await listenHttps({}, (_req, res) => res.end("never"));
    const logged: { line: string; socket: Socket }[] = [];
    server.on(
      "keylog",
      (line: Uint8Array, socket: Socket) => logged.push({ line: decoder.decode(line), socket }),
    );
    const failed = once<[Error & { code?: string }, Socket]>(server, "tlsClientError");
    // curl trusts no test CA here: it reads the server's certificate (so the server has derived its
    // handshake keys), then aborts with an alert.
    const result = await run("curl", [
      "-sS",
      "--resolve",
      `localhost:${port}:127.0.0.1`,
      `https://localhost:${port}/`,
    ]);
    assert.match(result.stderr, /certificate/i);
    const [, socket] = await failed;
    // As Node documents 'keylog' (line, tlsSocket: the socket it was generated on): here the socket of the
    // failed handshake, the one 'tlsClientError' carries.
    assert.ok(logged.length >= 2, `${logged.length} key log lines`);
    assert.ok(logged.every((entry) => entry.socket === socket));
    assert.ok(logged.some(({ line }) => line.startsWith("SERVER_HANDSHAKE_TRAFFIC_SECRET ")));
    assert.equal(socket.destroyed, true);
    await closeServer(server);
  });

  test("https.Agent 'keylog' carries the client's lines: the same the server logs", async () => {
    const serverLines: string[] = [];
    const { server, port } = await listenHttps({}, (_req, res) => res.end("ok"));
    server.on("keylog", (line: Uint8Array) => serverLines.push(decoder.decode(line)));
    const agent = new Agent({ ca: pki.ca });
    const clientLines: string[] = [];
    const sockets = new Set<unknown>();
    agent.on("keylog", (line: Uint8Array, socket: Socket) => {
      sockets.add(socket);
      clientLines.push(decoder.decode(line));
    });
    const [res] = await once<[IncomingMessage]>(get({ host: "localhost", port, agent }), "response");
    assert.equal(await text(res), "ok");
    assert.equal(clientLines.length, 5);
    // Node's (line, tlsSocket): the response's own socket.
    assert.deepEqual([...sockets], [res.socket]);
    assert.deepEqual([...clientLines].sort(), [...serverLines].sort());
    agent.destroy();
    await closeServer(server);
  });

  test("https.Agent resumes the session the server offered; maxCachedSessions 0 does not", async () => {
    const { server, port } = await listenHttps({}, (_req, res) => res.end("ok"));
    const reused = async (agent: Agent): Promise<boolean> => {
      const [res] = await once<[IncomingMessage]>(get({ host: "localhost", port, agent }), "response");
      await text(res);
      return res.socket!.isSessionReused();
    };
    // keepAlive off: each request makes a new connection, so the second can only resume.
    const agent = new Agent({ ca: pki.ca, keepAlive: false });
    assert.equal(await reused(agent), false);
    assert.equal(await reused(agent), true);
    const forgetful = new Agent({ ca: pki.ca, keepAlive: false, maxCachedSessions: 0 });
    assert.equal(await reused(forgetful), false);
    assert.equal(await reused(forgetful), false);
    // Other TLS settings (another CA list) never get that session.
    const other = new Agent({ ca: [pki.ca, pki.otherCa], keepAlive: false });
    assert.equal(await reused(other), false);
    for (const a of [agent, forgetful, other]) a.destroy();
    await closeServer(server);
  });

  test("getSession() then the session option resumes by hand (agent: false)", async () => {
    const { server, port } = await listenHttps({}, (_req, res) => res.end("ok"));
    const [first] = await once<[IncomingMessage]>(
      get({ host: "localhost", port, agent: false, ca: pki.ca }),
      "response",
    );
    await text(first);
    const session = first.socket!.getSession();
    assert.ok(session instanceof Uint8Array && session.byteLength > 0);
    assert.equal(first.socket!.isSessionReused(), false);
    const [second] = await once<[IncomingMessage]>(
      get({ host: "localhost", port, agent: false, ca: pki.ca, session }),
      "response",
    );
    await text(second);
    assert.equal(second.socket!.isSessionReused(), true);
    // A resumed session still reports the server's certificate and that it verified.
    assert.equal(second.socket!.authorized, true);
    await closeServer(server);
  });
} else {
  test("Deno: 'keylog' on the server and the agent, and the session option, are refused with a code", async () => {
    const { server, port } = await listenHttps({}, (_req, res) => res.end("ok"));
    assert.throws(() => server.on("keylog", () => {}), { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" });
    const agent = new Agent({ ca: pki.ca });
    assert.throws(() => agent.on("keylog", () => {}), { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" });
    // The agent works on, without resumption.
    const [res] = await once<[IncomingMessage]>(get({ host: "localhost", port, agent }), "response");
    assert.equal(await text(res), "ok");
    assert.equal(res.socket!.isSessionReused(), false);
    assert.throws(() => res.socket!.getSession(), { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" });
    const req = get({ host: "localhost", port, agent: false, ca: pki.ca, session: new Uint8Array(8) });
    const [error] = await once<[Error & { code?: string }]>(req, "error");
    assert.equal(error.code, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM");
    agent.destroy();
    await closeServer(server);
  });
}

test("the server resumes sessions (tickets on): s_client's saved session comes back 'Reused'", async () => {
  const { server, port } = await listenHttps({}, (_req, res) => res.end("ok"));
  const dir = mkdtempSync(join(tmpdir(), "wire-session-"));
  const session = join(dir, "session.pem");
  try {
    const connect = (sessionArgs: string[]) =>
      run("sh", [
        "-c",
        `printf 'GET / HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' | openssl s_client ` +
        `-connect 127.0.0.1:${port} -servername localhost -CAfile ${fixturePath("ca.pem")} -ign_eof ` +
        sessionArgs.join(" "),
      ]);
    for (const version of ["-tls1_3", "-tls1_2"]) {
      const full = await connect([version, "-sess_out", session]);
      assert.match(full.stdout, /^New, TLSv1\.[23]/m);
      const resumed = await connect([version, "-sess_in", session]);
      assert.match(resumed.stdout, /^Reused, TLSv1\.[23]/m, version);
      assert.match(resumed.stdout, /\r\n\r\nok/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await closeServer(server);
});
