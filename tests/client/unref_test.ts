/**
 * An Agent's idle pooled sockets do not keep the process alive: the Agent unrefs a socket it pools and
 * refs it again on reuse, and `Socket.unref()` reaches the transport. Checked under node (Node 20): a
 * script whose last request went through the (keep-alive) global agent exits at once, while the server
 * still holds the connection open; before this, ours waited for the server to close it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { runtime, test } from "../_harness.ts";
import { closeServer, listen } from "../_net.ts";

test("a script's last keep-alive request does not hold the process open", async () => {
  const { server, port } = await listen({}, (_req, res) => res.end("ok"));
  // Long enough that a child held open by its idle socket would outlive the test's own timeout.
  server.keepAliveTimeout = 60_000;
  const script = new URL("./fixtures/one_keep_alive_request.ts", import.meta.url).pathname;
  const args = runtime === "deno" ? ["run", "-A", script, String(port)] : [script, String(port)];
  const child = spawn(process.execPath, args, { env: { ...process.env, NO_COLOR: "1" } });
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(code, 0, stderr);
  assert.equal(stdout, "done 200\n");
  // The child's exit closed its socket; the server had not (its keep-alive timeout is a minute).
  server.closeAllConnections();
  await closeServer(server);
});
