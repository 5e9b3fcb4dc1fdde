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
