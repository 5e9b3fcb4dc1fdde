// The whole test command: static checks, then the one suite under Deno and under Bun.
// Prints every step's output as it runs and ends with one line "N passed, N failed" (both runtimes
// summed). Exits non-zero when any step fails.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
const deno = bin("deno");
const bun = bin("bun");

/** Runs a command, echoing its output, and resolves with its exit code and combined output. */
function run(label, cmd, args) {
  console.log(`\n=== ${label}: ${[cmd.split("/").pop(), ...args].join(" ")}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on("data", (d) => {
      out += d;
      process.stderr.write(d);
    });
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

let passed = 0;
let failed = 0;
let stepFailures = 0;

/** The per-runtime entry points deno.json exports besides "." and "./core". */
const TRANSPORT_ENTRIES = ["src/transports/deno.ts", "src/transports/bun.ts", "src/transports/web_streams.ts"];

const steps = [
  ["typecheck", deno, ["check", "--quiet", "mod.ts", "src", "tests", "examples", "bench"]],
  ["lint", deno, ["lint", "--quiet"]],
  ["format", deno, ["fmt", "--check", "--quiet"]],
  // JSR: every public symbol documented, no private types leaking, examples in JSDoc type-check,
  // and the package as JSR would take it (slow types included).
  // The main entry alone: everything its public API names is exported from it, so a JSR user can name it
  // (a type reachable only through "./core" would pass the combined run below).
  ["doc lint (main entry alone)", deno, ["doc", "--lint", "mod.ts"]],
  ["doc lint", deno, [
    "doc",
    "--lint",
    "mod.ts",
    "src/core/mod.ts",
    "src/https/mod.ts",
    "src/fetch/mod.ts",
    "src/edge/mod.ts",
    ...TRANSPORT_ENTRIES,
  ]],
  ["doc examples", deno, ["check", "--doc", "--quiet", "mod.ts", "src"]],
  ["README examples", deno, ["check", "--doc-only", "--quiet", "README.md"]],
  ["publish dry-run", deno, ["publish", "--dry-run", "--allow-dirty", "--quiet"]],
];
for (const [label, cmd, args] of steps) {
  const { code } = await run(label, cmd, args);
  if (code !== 0) stepFailures++;
}

// Deno: Deno.test with op and resource sanitizers on (set in tests/_harness.ts).
{
  const { code, out } = await run("suite on Deno", deno, ["test", "--quiet", "--allow-all", "tests/"]);
  const m = /(\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(out);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  if (code !== 0 && (!m || Number(m[2]) === 0)) stepFailures++;
}

// Bun: the same files through bun:test.
{
  const { code, out } = await run("suite on Bun", bun, ["test", "--timeout", "20000", "tests/"]);
  const p = /^\s*(\d+) pass$/m.exec(out);
  const f = /^\s*(\d+) fail$/m.exec(out);
  if (p) passed += Number(p[1]);
  if (f) failed += Number(f[1]);
  if (code !== 0 && (!f || Number(f[1]) === 0)) stepFailures++;
}

// The edge: the client inside workerd (the Workers runtime, from npm) against a local peer server.
{
  const { code, out } = await run("suite on workerd (edge)", process.execPath, ["tests/edge/run.mjs"]);
  const m = /^edge: (\d+) passed, (\d+) failed$/m.exec(out);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  if (code !== 0 && (!m || Number(m[2]) === 0)) stepFailures++;
}

if (stepFailures > 0) console.log(`\n${stepFailures} step(s) failed outside the test counts (see above)`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || stepFailures > 0 ? 1 : 0);
