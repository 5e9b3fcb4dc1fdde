import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { METHODS, STATUS_CODES } from "../../src/core/status_codes.ts";

// Both Deno 2.9 and Bun 1.4 ship Node's current tables in node:http, with no differences from Node's;
// if a runtime upgrade ever diverges, list the accepted differences here rather than loosening the check.
const nodeHttp = (await import("node:http")) as unknown as {
  STATUS_CODES: Record<number, string | undefined>;
  METHODS: string[];
};

test("STATUS_CODES equals node:http's STATUS_CODES", () => {
  assert.deepEqual({ ...STATUS_CODES }, { ...nodeHttp.STATUS_CODES });
});

test("METHODS equals node:http's METHODS", () => {
  assert.deepEqual([...METHODS], [...nodeHttp.METHODS]);
});

test("STATUS_CODES holds Node's phrases where they differ from the RFC", () => {
  assert.equal(STATUS_CODES[100], "Continue");
  assert.equal(STATUS_CODES[200], "OK");
  assert.equal(STATUS_CODES[413], "Payload Too Large");
  assert.equal(STATUS_CODES[418], "I'm a Teapot");
  assert.equal(STATUS_CODES[422], "Unprocessable Entity");
  assert.equal(STATUS_CODES[425], "Too Early");
  assert.equal(STATUS_CODES[509], "Bandwidth Limit Exceeded");
  assert.equal(STATUS_CODES[511], "Network Authentication Required");
  assert.equal(STATUS_CODES[299], undefined);
  assert.equal(Object.keys(STATUS_CODES).length, 63);
});

test("STATUS_CODES phrases are valid reason phrases", () => {
  for (const [code, phrase] of Object.entries(STATUS_CODES)) {
    assert.match(code, /^[1-5]\d\d$/);
    assert.match(phrase, /^[\x20-\x7e]+$/);
  }
});

test("METHODS is sorted, unique, and made of tokens", () => {
  assert.deepEqual([...METHODS], [...METHODS].sort());
  assert.equal(new Set(METHODS).size, METHODS.length);
  assert.equal(METHODS.length, 35);
  for (const m of METHODS) assert.match(m, /^[A-Z-]+$/);
});

test("STATUS_CODES and METHODS are frozen", () => {
  assert.ok(Object.isFrozen(STATUS_CODES));
  assert.ok(Object.isFrozen(METHODS));
  assert.throws(() => {
    (STATUS_CODES as Record<number, string>)[200] = "Fine";
  }, TypeError);
  assert.throws(() => (METHODS as string[]).push("BREW"), TypeError);
  assert.equal(STATUS_CODES[200], "OK");
});
