/**
 * The name table behind `addContext()`: Node's wildcard rule (one label), the latest entry winning, names
 * compared without case, and an entry for the same name replacing the old one.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { SniTable } from "../../src/https/_sni.ts";

const ctx = (id: string) => ({ key: id, cert: id });

/** The id of the context the table picks for `name`, or undefined. */
function pick(table: SniTable, name: string): string | undefined {
  return (table.find(name) as { key?: string } | undefined)?.key;
}

test("SniTable: '*' stands for one label's characters; dots and other characters are literal", () => {
  const table = new SniTable();
  table.add("*.example.com", ctx("wild"));
  table.add("api-*.example.com", ctx("api"));
  table.add("a+b.test", ctx("plus"));
  assert.equal(pick(table, "x.example.com"), "wild");
  assert.equal(pick(table, "api-eu.example.com"), "api");
  assert.equal(pick(table, "a.b.example.com"), undefined);
  assert.equal(pick(table, "example.com"), undefined);
  assert.equal(pick(table, "xexample.com"), undefined);
  assert.equal(pick(table, "a+b.test"), "plus");
  assert.equal(pick(table, "aab.test"), undefined);
  assert.equal(pick(table, "X.EXAMPLE.COM"), "wild");
});

test("SniTable: the latest matching entry wins; the same name again replaces, not stacks", () => {
  const table = new SniTable();
  table.add("a.test", ctx("first"));
  table.add("*.test", ctx("wild"));
  assert.equal(pick(table, "a.test"), "wild");
  table.add("A.test", ctx("renewed"));
  assert.equal(pick(table, "a.test"), "renewed");
  assert.equal(table.size, 2);
});
