/**
 * The edge entry's module graph: walked from `src/edge/mod.ts` through every relative import, it reaches
 * no Deno or Bun transport, no runtime picker, and of `node:` modules only `node:stream`, `node:buffer`
 * and `node:events` (the Node objects are built on them; workerd has them under `nodejs_compat`), so a
 * worker bundle carries no runtime-specific code (tests/edge/run.mjs also bundles it and checks the output).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "../_harness.ts";

/** The `node:` modules the Node objects stand on, the only ones the portable layers import. */
const NODE_BASE = new Set(["node:stream", "node:buffer", "node:events", "node:process"]);
const root = fileURLToPath(new URL("../..", import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*"([^"]+)"/g;

/** Every module reachable from `entry` (relative imports followed; bare ones listed as they are). */
function graph(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [join(root, entry)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.startsWith("/")) continue;
    const source = readFileSync(file, "utf8");
    for (const m of source.matchAll(IMPORT)) {
      const spec = m[1]!;
      todo.push(spec.startsWith(".") ? join(dirname(file), spec) : spec);
    }
  }
  return new Set([...seen].map((f) => (f.startsWith("/") ? relative(root, f) : f)));
}

test("edge entry: its module graph has no Deno/Bun transport, no runtime picker, only the stream node: modules", () => {
  const modules = graph("src/edge/mod.ts");
  assert.ok(modules.has("src/client/agent.ts") && modules.has("src/transports/web_streams.ts"));
  const forbidden = [...modules].filter((m) =>
    (m.startsWith("node:") && !NODE_BASE.has(m)) || /^src\/transports\/(deno|bun|pick|_bun|_node_)/.test(m)
  );
  assert.deepEqual(forbidden, []);
});

test("main entry: the same walk finds the runtime transports there (the check can see them)", () => {
  const modules = graph("mod.ts");
  assert.ok(modules.has("src/transports/deno.ts"));
  assert.ok(modules.has("src/transports/bun.ts"));
});
