import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import {
  AbortError,
  ConnectionResetError,
  HttpError,
  HttpParseError,
  HttpUsageError,
  isHttpError,
  statusForParseError,
} from "../../src/core/errors.ts";
import { SystemError } from "../../src/io/transport.ts";

test("every error class is an HttpError with a stable code, and isHttpError() knows it", () => {
  const errors: [HttpError, string, string][] = [
    [new HttpParseError("HPE_INVALID_METHOD", "m"), "HPE_INVALID_METHOD", "HttpParseError"],
    [new HttpUsageError("ERR_HTTP_HEADERS_SENT", "m"), "ERR_HTTP_HEADERS_SENT", "Error"],
    [new HttpUsageError("ERR_INVALID_HTTP_TOKEN", "m"), "ERR_INVALID_HTTP_TOKEN", "TypeError"],
    [new ConnectionResetError("socket hang up"), "ECONNRESET", "Error"],
    [new AbortError("The operation was aborted", "ABORT_ERR"), "ABORT_ERR", "AbortError"],
    [new AbortError("The client closed the connection", "ECONNRESET"), "ECONNRESET", "AbortError"],
  ];
  for (const [err, code, name] of errors) {
    assert.ok(err instanceof HttpError);
    assert.ok(err instanceof Error);
    assert.ok(isHttpError(err));
    assert.equal(err.code, code);
    assert.equal(err.name, name);
  }
  const cause = new Error("underlying");
  assert.equal(new ConnectionResetError("aborted", { cause }).cause, cause);
});

test("isHttpError() works across copies of the package (Symbol.for brand), not by shape", () => {
  const brand = Symbol.for("@wire/http.HttpError");
  assert.equal(isHttpError({ [brand]: true }), true);
  assert.equal(isHttpError(Object.assign(new Error("x"), { code: "ECONNRESET" })), false);
  assert.equal(isHttpError(null), false);
});

test("parse errors carry the status a server answers with", () => {
  assert.equal(statusForParseError("HPE_HEADER_OVERFLOW"), 431);
  assert.equal(statusForParseError("HPE_URI_OVERFLOW"), 414);
  assert.equal(statusForParseError("HPE_INVALID_VERSION"), 505);
  assert.equal(statusForParseError("HPE_CHUNK_EXTENSIONS_OVERFLOW"), 413);
  assert.equal(new HttpParseError("HPE_INVALID_METHOD", "m").status, 400);
});

// Checked under node 20 (`node -e`): `http.validateHeaderName("a b")` throws a TypeError, `res.writeHead(1000)`
// a RangeError, and a request to a server that closes without answering fails with an error whose
// `constructor === Error` and `code === "ECONNRESET"`; `net.connect` to a closed port gives a plain Error
// with `code`, `syscall`.
test("usage errors are Node's classes, resets and system errors plain Errors, and still of the family", () => {
  const token = new HttpUsageError("ERR_INVALID_HTTP_TOKEN", "Header name must be a valid HTTP token");
  assert.ok(token instanceof TypeError);
  assert.equal(Object.getPrototypeOf(token), TypeError.prototype);
  const range = new HttpUsageError("ERR_HTTP_INVALID_STATUS_CODE", "Invalid status code: 1000");
  assert.ok(range instanceof RangeError);
  const plain = new HttpUsageError("ERR_HTTP_HEADERS_SENT", "m");
  assert.equal(plain.constructor, Error);
  const reset = new ConnectionResetError("socket hang up");
  assert.equal(reset.constructor, Error);
  const system = new SystemError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1", "connect");
  assert.equal(system.constructor, Error);
  assert.equal(system.syscall, "connect");
  for (const err of [token, range, plain, reset, system]) {
    assert.ok(err instanceof HttpError);
    assert.ok(isHttpError(err));
    assert.equal(err.status, err === reset ? 400 : 500);
    // Node's errors show `code` (and `syscall`) as own fields, nothing of ours.
    assert.deepEqual(
      Object.keys(err).filter((k) => k !== "syscall"),
      ["code"],
    );
  }
  // Each class knows its own members only; the subclasses keep the ordinary check.
  assert.ok(token instanceof HttpUsageError && !(token instanceof ConnectionResetError));
  assert.ok(reset instanceof ConnectionResetError && !(reset instanceof HttpUsageError));
  assert.ok(system instanceof SystemError && !(system instanceof HttpUsageError));
  assert.ok(!(new Error("x") instanceof HttpError));
  assert.ok(!(new HttpParseError("HPE_INVALID_METHOD", "m") instanceof HttpUsageError));
  assert.ok(!(token instanceof HttpParseError));
  // The stack starts at the caller, not inside the factory.
  assert.doesNotMatch(token.stack!.split("\n")[1]!, /errors\.ts/);
});
