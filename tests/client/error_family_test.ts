/**
 * One error family: every error the package emits — parse errors, misuse, resets, aborts, system errors —
 * is an `HttpError`, so `isHttpError()` and `instanceof` work for all of them. Codes and messages stay
 * Node's.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { RawServer } from "../_net.ts";
import { AbortError, ConnectionResetError, get, HttpError, isHttpError, SystemError } from "../../mod.ts";
import { requestError } from "./_client.ts";

function assertFamily(err: unknown, code: string, name: string): void {
  assert.ok(err instanceof HttpError, `${code} is not an HttpError`);
  assert.ok(isHttpError(err));
  assert.equal(err.code, code);
  assert.equal(err.name, name);
}

test("a server that closes before answering: ECONNRESET 'socket hang up' is a ConnectionResetError", async () => {
  const hangup = await RawServer.start(async (conn) => {
    await conn.until("\r\n\r\n");
    conn.end();
  });
  try {
    const err = await requestError(get({ host: "127.0.0.1", port: hangup.port, agent: false }));
    assertFamily(err, "ECONNRESET", "Error");
    assert.ok(err instanceof ConnectionResetError);
    assert.equal(err.message, "socket hang up");
  } finally {
    await hangup.close();
  }
});

test("an AbortSignal: ABORT_ERR is an AbortError carrying the reason as its cause", async () => {
  const controller = new AbortController();
  const aborted = requestError(get({ host: "127.0.0.1", port: 9, agent: false, signal: controller.signal }));
  const reason = new Error("stop");
  controller.abort(reason);
  const err = await aborted;
  assertFamily(err, "ABORT_ERR", "AbortError");
  assert.ok(err instanceof AbortError);
  assert.equal(err.cause, reason);
});

test("a refused connection: the transport's SystemError is an HttpError too", async () => {
  const server = await RawServer.start(() => {});
  const port = server.port;
  await server.close();
  const err = await requestError(get({ host: "127.0.0.1", port, agent: false }));
  // As Node (checked under node 20): the name is "Error", so String(err) is "Error: connect ECONNREFUSED ...".
  assertFamily(err, "ECONNREFUSED", "Error");
  assert.ok(err instanceof SystemError);
});
