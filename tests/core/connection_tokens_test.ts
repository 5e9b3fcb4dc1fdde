import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { hasToken, isKeepAlive } from "../../src/core/connection_tokens.ts";

test("hasToken() is false for a missing field", () => {
  assert.equal(hasToken(undefined, "close"), false);
});

test("hasToken() matches a lone token of the same length, ignoring case", () => {
  assert.equal(hasToken("close", "close"), true);
  assert.equal(hasToken("CLOSE", "close"), true);
  assert.equal(hasToken("Keep-Alive", "keep-alive"), true);
  // Same length, different token.
  assert.equal(hasToken("clase", "close"), false);
  assert.equal(hasToken("c,los", "close"), false);
});

test("hasToken() is false for a value shorter than the token", () => {
  assert.equal(hasToken("clos", "close"), false);
  assert.equal(hasToken("", "close"), false);
});

test("hasToken() finds the token anywhere in a comma-separated list", () => {
  assert.equal(hasToken("keep-alive, Upgrade", "upgrade"), true);
  assert.equal(hasToken("Upgrade, keep-alive", "upgrade"), true);
  assert.equal(hasToken("a,close,b", "close"), true);
  assert.equal(hasToken("TE, close", "close"), true);
});

test("hasToken() ignores OWS (spaces and tabs) around list elements", () => {
  assert.equal(hasToken(" close", "close"), true);
  assert.equal(hasToken("close \t", "close"), true);
  assert.equal(hasToken("x ,\t close\t, y", "close"), true);
});

test("hasToken() ignores empty list elements", () => {
  assert.equal(hasToken(",,close,,", "close"), true);
  assert.equal(hasToken(", ,  ,", "close"), false);
});

test("hasToken() ignores ;parameters after an element", () => {
  assert.equal(hasToken("gzip;q=1, chunked", "chunked"), true);
  assert.equal(hasToken("chunked;foo=bar", "chunked"), true);
  assert.equal(hasToken("foo;chunked", "chunked"), false);
});

test("hasToken() does not match a token that only contains or prefixes the target", () => {
  assert.equal(hasToken("close-ish", "close"), false);
  assert.equal(hasToken("notclose, keep", "close"), false);
  assert.equal(hasToken("clo se, x", "close"), false);
  assert.equal(hasToken("keep-alive-x, y", "keep-alive"), false);
});

test("hasToken() with an array of values checks every value", () => {
  assert.equal(hasToken(["keep-alive", "Upgrade"], "upgrade"), true);
  assert.equal(hasToken(["a, b", "c, CLOSE"], "close"), true);
  assert.equal(hasToken(["a", "b"], "close"), false);
  assert.equal(hasToken([], "close"), false);
});

test("isKeepAlive() defaults to persistent for HTTP/1.1", () => {
  assert.equal(isKeepAlive(1, undefined), true);
  assert.equal(isKeepAlive(1, "keep-alive"), true);
  assert.equal(isKeepAlive(1, "Upgrade"), true);
});

test("isKeepAlive() is false for HTTP/1.1 when Connection lists close", () => {
  assert.equal(isKeepAlive(1, "close"), false);
  assert.equal(isKeepAlive(1, "Upgrade, Close"), false);
  assert.equal(isKeepAlive(1, ["keep-alive", "close"]), false);
});

test("isKeepAlive() defaults to closing for HTTP/1.0", () => {
  assert.equal(isKeepAlive(0, undefined), false);
  assert.equal(isKeepAlive(0, "Upgrade"), false);
  assert.equal(isKeepAlive(0, "keep-alive-ish"), false);
});

test("isKeepAlive() is true for HTTP/1.0 only when Connection lists keep-alive without close", () => {
  assert.equal(isKeepAlive(0, "keep-alive"), true);
  assert.equal(isKeepAlive(0, "Keep-Alive"), true);
  assert.equal(isKeepAlive(0, ["x", "keep-alive"]), true);
  assert.equal(isKeepAlive(0, "keep-alive, close"), false);
  assert.equal(isKeepAlive(0, ["close", "keep-alive"]), false);
});
