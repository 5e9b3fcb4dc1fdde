import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { errorCode, isClosedError, mapError } from "../../src/transports/_map_error.ts";
import { SystemError } from "../../src/io/transport.ts";

test("errorCode() maps Deno error names to Node codes (EACCES, EADDRINUSE, ...) and keeps Node-style codes", () => {
  const named = (name: string) => Object.assign(new Error("x"), { name });
  assert.equal(errorCode(named("PermissionDenied")), "EACCES");
  assert.equal(errorCode(named("AddrInUse")), "EADDRINUSE");
  assert.equal(errorCode(named("ConnectionRefused")), "ECONNREFUSED");
  assert.equal(errorCode(named("NotFound")), "ENOENT");
  assert.equal(errorCode(Object.assign(new Error("x"), { code: "EACCES" })), "EACCES");
  assert.equal(errorCode(Object.assign(new Error("x"), { code: "weird" })), "UNKNOWN");
  assert.equal(errorCode("not an error"), "UNKNOWN");
});

test("mapError() reads like Node's message and keeps the cause; isClosedError() knows our own closes", () => {
  const cause = Object.assign(new Error("denied"), { name: "PermissionDenied" });
  const err = mapError(cause, "listen", "0.0.0.0:80");
  assert.ok(err instanceof SystemError);
  assert.equal(err.code, "EACCES");
  assert.equal(err.message, "listen EACCES 0.0.0.0:80");
  assert.equal(err.cause, cause);
  assert.equal(mapError(err, "other"), err);
  assert.equal(isClosedError(Object.assign(new Error("x"), { name: "BadResource" })), true);
  assert.equal(isClosedError(Object.assign(new Error("x"), { code: "ECONNRESET" })), false);
});

test("errorCode() maps workerd's socket messages (no code, plain Error) to Node codes", () => {
  // Messages as workerd 2026-11-17 throws them from cloudflare:sockets (seen in tests/edge).
  assert.equal(
    errorCode(new Error("proxy request failed, cannot connect to the specified address")),
    "ECONNREFUSED",
  );
  assert.equal(errorCode(new Error("Network connection lost.")), "ECONNRESET");
  assert.equal(
    errorCode(
      new Error("Cannot perform I/O on behalf of a different request. I/O objects (such as streams) ..."),
    ),
    "ERR_SOCKET_OTHER_CONTEXT",
  );
  assert.equal(errorCode(new Error("something else")), "UNKNOWN");
  // A Deno name wins over the message.
  assert.equal(
    errorCode(Object.assign(new Error("connection reset"), { name: "ConnectionRefused" })),
    "ECONNREFUSED",
  );
});

test("mapError(): a failed name resolution is Node's `getaddrinfo ENOTFOUND host` (or EAI_AGAIN)", () => {
  // Deno 2.9.6's Deno.connect messages for an unknown name and for one no resolver takes.
  const unknown = mapError(
    new Error("failed to lookup address information: Name or service not known"),
    "connect",
    "nonexistent.invalid:42",
  );
  assert.equal(unknown.code, "ENOTFOUND");
  assert.equal(unknown.message, "getaddrinfo ENOTFOUND nonexistent.invalid");
  const invalid = new URIError(`invalid host '${"*".repeat(64)}': invalid char found in FQDN`);
  assert.equal(mapError(invalid, "connect", `${"*".repeat(64)}:42`).code, "ENOTFOUND");
  const again = new Error("failed to lookup address information: Temporary failure in name resolution");
  assert.equal(mapError(again, "connect", "a.test:80").message, "getaddrinfo EAI_AGAIN a.test");
});
