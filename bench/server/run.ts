/**
 * Server load benchmark: `@wire/http` on Deno and on Bun against each runtime's own servers and against a
 * canned-response ceiling, under `wrk`, on 127.0.0.1.
 *
 *     deno task bench:server                  # = ./node_modules/.bin/deno run -A bench/server/run.ts
 *
 * Options: `--duration=S` seconds per measured run (default 4), `--warmup=S` seconds of wrk before it
 * (default 1), `--rounds=N` measured runs per server, the median reported with every run listed (default
 * 3), `--only=TEXT[,TEXT]` keep servers whose name contains one of the texts, `--scenario=hello|echo`,
 * `--baseline=DIR` also run `DIR/bench/server/servers/ours.ts` (another checkout, e.g. a `git worktree`
 * of the commit before a change) as "ours on Deno/Bun (baseline)": an A/B in one invocation.
 *
 * Multi-core: "ours on Deno/Bun x2 (reusePort)" is the same server as two processes sharing the port
 * through `reusePort` (`servers/ours.ts` with `PROCS=2`; Deno needs `--unstable-net` for it). Its row
 * gives the scaling factor against the one-process row. wrk still gets one thread, so on this 2-core
 * machine the three processes share two cores: read the factor with the cores column.
 *
 * Needs `wrk` (`apt-get install -y wrk`); exits non-zero with that command when it is missing. Installs
 * nothing. The runtimes are this Deno (`Deno.execPath()`) and `node_modules/.bin/bun` (else `bun` on PATH).
 *
 * Scenarios: `hello` (GET / answered with "Hello, World!", text/plain) and `echo` (POST / with the
 * 4096-byte body of `post.lua`, read fully and sent back). Servers live in `servers/`, one small file each;
 * each takes `[port] [scenario]` and prints "ready" once listening. For every scenario and server: start
 * the server as a child process on a free 127.0.0.1 port, wait until it answers, check its answer (status
 * 200, exact body, Content-Length, keep-alive: two requests on one connection), run wrk for the warm-up,
 * then `wrk -t1 -c64 -d<S>s`, read Requests/sec, stop the server. One server at a time; wrk gets one
 * thread and the server the other core of this 2-core machine.
 *
 * Other load: before each measured run the script waits (up to `--quiet-wait=S`, default 10) for the
 * machine to go quiet, and reports how much CPU other processes used during the run (from /proc); a run
 * disturbed by more than 0.3 cores is measured again (at most 4 times per benchmark), keeping the better.
 *
 * Ratios for ours: against the canned ceiling of the same runtime (target >= 0.85), against that
 * runtime's `node:http` (target >= 1.5x on Deno, >= 1.2x on Bun), against `Deno.serve` / `Bun.serve`
 * (informational). The ceilings (`*_canned.ts`) answer each request head they count with a precomputed
 * response and parse nothing: the most JS can do on that runtime's socket API.
 *
 * Also reported per row: the server's CPU time per request (all its threads, from /proc, over the
 * measured run), which is steadier than req/s on a shared machine, and the cores used by the server, by
 * wrk and by other processes. When wrk itself sits at 1.00 core, that row is bounded by the load
 * generator, not the server (this happens for the Bun ceiling). `profile.ts` profiles one server.
 *
 * @module
 */

import { cpus, loadavg } from "node:os";
import type { Scenario } from "./shared.ts";
import {
  check,
  CONNECTIONS,
  cpuSince,
  type CpuUse,
  type Kind,
  loadSnapshot,
  type ServerSpec,
  start,
  THREADS,
  waitForQuiet,
  waitUntilAnswering,
  wrk,
} from "./_harness.ts";
import {
  bunVersion,
  killChildren,
  output,
  type Runtime,
  sleep,
  type Started,
  stop,
} from "../_lib/children.ts";
import { freePort, requireWrk } from "../_lib/net.ts";
import { option } from "../_lib/args.ts";
import { markdownTable, middle, ratio, textTable } from "../_lib/stats.ts";

// ---------------------------------------------------------------------------------------------------------
// Options

const DURATION_S = Number(option("duration", "4"));
const WARMUP_S = Number(option("warmup", "1"));
const ROUNDS = Math.max(1, Number(option("rounds", "3")));
const ONLY = option("only", "").toLowerCase().split(",");
const BASELINE = option("baseline", "");
const SCENARIO_FILTER = option("scenario", "");
/** Seconds to wait, before each measured run, for other processes to go quiet. */
const QUIET_WAIT_S = Number(option("quiet-wait", "10"));
/** A run during which other processes used more than this many cores is measured again (up to 4 times). */
const BUSY_CORES = 0.3;

// ---------------------------------------------------------------------------------------------------------
// Servers

const SERVERS: readonly ServerSpec[] = [
  { name: "Deno canned ceiling", runtime: "deno", kind: "canned", file: "deno_canned.ts" },
  { name: "Deno.serve", runtime: "deno", kind: "serve", file: "deno_serve.ts" },
  { name: "Deno node:http", runtime: "deno", kind: "node", file: "node_http.ts" },
  { name: "ours on Deno", runtime: "deno", kind: "ours", file: "ours.ts" },
  ...baseline("deno"),
  {
    name: "ours on Deno x2 (reusePort)",
    runtime: "deno",
    kind: "multi",
    file: "ours.ts",
    flags: ["--unstable-net"],
    env: { PROCS: "2" },
  },
  { name: "Bun canned ceiling", runtime: "bun", kind: "canned", file: "bun_canned.ts" },
  { name: "Bun.serve", runtime: "bun", kind: "serve", file: "bun_serve.ts" },
  { name: "Bun node:http", runtime: "bun", kind: "node", file: "node_http.ts" },
  { name: "ours on Bun", runtime: "bun", kind: "ours", file: "ours.ts" },
  ...baseline("bun"),
  { name: "ours on Bun x2 (reusePort)", runtime: "bun", kind: "multi", file: "ours.ts", env: { PROCS: "2" } },
];

function baseline(runtime: Runtime): ServerSpec[] {
  if (BASELINE === "") return [];
  const file = `${BASELINE.replace(/\/$/, "")}/bench/server/servers/ours.ts`;
  return [{ name: `ours on ${runtime === "deno" ? "Deno" : "Bun"} (baseline)`, runtime, kind: "base", file }];
}

const SCENARIOS: readonly { id: Scenario; title: string }[] = [
  { id: "hello", title: "hello world (GET)" },
  { id: "echo", title: "4 KiB echo (POST)" },
];

/** Targets for ours, per runtime: [vs own ceiling, vs own node:http]. */
const TARGETS: Record<Runtime, { ceiling: number; node: number }> = {
  deno: { ceiling: 0.85, node: 1.5 },
  bun: { ceiling: 0.85, node: 1.2 },
};
// ---------------------------------------------------------------------------------------------------------
// One measurement

interface Row {
  scenario: Scenario;
  spec: ServerSpec;
  rps: number | null;
  /** Why there is no number, or what wrk reported besides it. */
  note: string;
  /** CPU use during the reported run (null: unknown). */
  cpu: CpuUse | null;
  /** Requests completed in the reported run. */
  requests: number;
  /** req/s of every measured run. */
  runs: number[];
}

/** Runs re-measured because other processes were busy; bounded so the whole run stays short. */
let retriesLeft = 4;

async function measure(spec: ServerSpec, scenario: Scenario): Promise<Row> {
  const port = freePort();
  let started: Started | null = null;
  try {
    started = await start(spec, port, scenario);
    await waitUntilAnswering(port, scenario).catch((e: Error) => {
      throw new Error(`check before load: ${e.message}`);
    });
    if (WARMUP_S > 0) await wrk(port, scenario, WARMUP_S);
    const child = started.child;
    const measured = async () => {
      await waitForQuiet(QUIET_WAIT_S);
      const before = loadSnapshot(child.pid);
      const result = await wrk(port, scenario, DURATION_S);
      return { ...result, cpu: cpuSince(before) };
    };
    const results = [];
    for (let round = 1; round <= ROUNDS; round++) {
      let result = await measured();
      if ((result.cpu?.other ?? 0) > BUSY_CORES && retriesLeft > 0) {
        retriesLeft--;
        console.log(
          `    (other processes used ${result.cpu?.other.toFixed(2)} cores during the run: measuring again)`,
        );
        result = await measured();
      }
      results.push(result);
    }
    // The middle run itself (the lower one for an even count), so its CPU figures go with its req/s.
    const result = middle(results, (r) => r.rps);
    // A server that died or stopped answering under load must not pass as a number.
    const status = await Promise.race([started.exited, sleep(0).then(() => null)]);
    if (status) throw new Error(`server exited under load (code ${status.code})\n${output(started)}`);
    await check(port, scenario).catch((e: Error) => {
      throw new Error(`check after load: ${e.message}`);
    });
    return {
      scenario,
      spec,
      rps: result.rps,
      note: results.map((r) => r.errors).filter((e) => e !== "").join("; "),
      cpu: result.cpu,
      requests: result.requests,
      runs: results.map((r) => r.rps),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const extra = started && !message.includes(output(started)) ? `\n${output(started)}` : "";
    return { scenario, spec, rps: null, note: (message + extra).trim(), cpu: null, requests: 0, runs: [] };
  } finally {
    if (started) await stop(started);
    else killChildren();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Report

function find(rows: Row[], scenario: Scenario, runtime: Runtime, kind: Kind): number | null {
  return rows.find((r) => r.scenario === scenario && r.spec.runtime === runtime && r.spec.kind === kind)
    ?.rps ?? null;
}

function fmtRatio(value: number | null, target?: number, times = false): string {
  if (value === null) return "";
  const text = times ? `${value.toFixed(2)}x` : value.toFixed(2);
  if (target === undefined) return text;
  return `${text} ${value >= target ? "ok" : "MISS"} (>= ${target}${times ? "x" : ""})`;
}

interface Cells {
  scenario: string;
  server: string;
  rps: string;
  ceiling: string;
  node: string;
  serve: string;
  usPerReq: string;
  cpu: string;
  /** Scaling factor of the reusePort row; A/B of ours against the baseline. */
  compare: string;
  runs: string;
}

function usPerReq(row: Row | undefined): number | null {
  return row?.cpu && row.requests ? (row.cpu.serverSeconds * 1e6) / row.requests : null;
}

function compare(rows: Row[], row: Row): string {
  const { runtime, kind } = row.spec;
  const get = (k: Kind) =>
    rows.find((r) => r.scenario === row.scenario && r.spec.runtime === runtime && r.spec.kind === k);
  const ours = get("ours");
  if (kind === "multi") {
    const factor = ratio(row.rps, ours?.rps ?? null);
    return factor === null ? "" : `${factor.toFixed(2)}x req/s of 1 process`;
  }
  const base = get("base");
  if (kind !== "ours" || !base) return "";
  const rps = ratio(row.rps, base.rps);
  const cpu = ratio(usPerReq(row), usPerReq(base));
  return rps === null
    ? ""
    : `${rps.toFixed(2)}x req/s, ${cpu === null ? "?" : cpu.toFixed(2)}x CPU/req of baseline`;
}

function cells(rows: Row[], row: Row): Cells {
  const { runtime, kind } = row.spec;
  const ours = kind === "ours" || kind === "base";
  const target = TARGETS[runtime];
  const vs = (other: Kind) => ratio(row.rps, find(rows, row.scenario, runtime, other));
  return {
    scenario: SCENARIOS.find((s) => s.id === row.scenario)?.title ?? row.scenario,
    server: row.spec.name,
    rps: row.rps === null ? "FAILED" : `${Math.round(row.rps).toLocaleString("en-US")}`,
    ceiling: kind === "canned" ? "" : fmtRatio(vs("canned"), ours ? target.ceiling : undefined),
    node: ours ? fmtRatio(vs("node"), target.node, true) : "",
    serve: ours ? fmtRatio(vs("serve"), undefined, true) : "",
    usPerReq: usPerReq(row)?.toFixed(1) ?? "",
    cpu: row.cpu
      ? `${row.cpu.server.toFixed(2)} / ${row.cpu.wrk.toFixed(2)} / ${row.cpu.other.toFixed(2)}`
      : "",
    compare: compare(rows, row),
    runs: row.runs.map((r) => Math.round(r).toLocaleString("en-US")).join(" / "),
  };
}

const HEADERS: Cells = {
  scenario: "scenario",
  server: "server",
  rps: "req/s",
  ceiling: "vs own canned ceiling",
  node: "vs own node:http",
  serve: "vs Deno.serve / Bun.serve",
  usPerReq: "server CPU µs/req",
  cpu: "cores: server / wrk / other",
  compare: "reusePort scaling / A/B",
  runs: "runs (req/s)",
};
const COLUMNS = Object.keys(HEADERS) as (keyof Cells)[];

/** The numeric columns, right-aligned. */
const ALIGN = COLUMNS.map((c) => c === "rps" || c === "usPerReq" ? "right" as const : "left" as const);

function printText(table: Cells[]): void {
  const rows = table.map((r) => COLUMNS.map((c) => r[c]));
  console.log(textTable(COLUMNS.map((c) => HEADERS[c]), rows, {
    align: ALIGN,
    group: { column: COLUMNS.indexOf("scenario"), blankRepeats: true },
  }));
}

function printMarkdown(table: Cells[], env: string[]): void {
  for (const line of env) console.log(line);
  console.log("");
  const rows = table.map((r) => COLUMNS.map((c) => r[c]));
  console.log(markdownTable(COLUMNS.map((c) => HEADERS[c]), rows, { align: ALIGN }));
}

// ---------------------------------------------------------------------------------------------------------
// Main

await requireWrk();

const scenarios = SCENARIOS.filter((s) => s.id.includes(SCENARIO_FILTER));
const servers = SERVERS.filter((s) => ONLY.some((text) => s.name.toLowerCase().includes(text)));
const date = new Date().toISOString();
const cpu = cpus();
const env = [
  `- date: ${date}`,
  `- machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores (load average at start: ${
    loadavg().map((l) => l.toFixed(2)).join(" ")
  })`,
  `- runtimes: Deno ${Deno.version.deno} (V8 ${Deno.version.v8}), Bun ${bunVersion()}`,
  `- wrk: \`wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION_S}s\` after a ${WARMUP_S} s warm-up run` +
  (ROUNDS > 1 ? `, median of ${ROUNDS} runs, ` : ", ") +
  `one server at a time on 127.0.0.1; echo body 4096 bytes (\`bench/server/post.lua\`)`,
  `- server CPU µs/req: CPU time of the server process (all threads) over the measured run, per request; ` +
  `cores: CPU used during that run by the server, by wrk, and by other processes on this shared machine ` +
  `(a row with high "other" is low)`,
];
console.log(
  `server benchmark: ${scenarios.length} scenarios x ${servers.length} servers, ` +
    `about ${
      Math.ceil((scenarios.length * servers.length * (DURATION_S * ROUNDS + WARMUP_S + 1.5)) / 60)
    } min`,
);

const rows: Row[] = [];
try {
  for (const scenario of scenarios) {
    for (const spec of servers) {
      const row = await measure(spec, scenario.id);
      rows.push(row);
      const rps = row.rps === null ? "FAILED" : `${Math.round(row.rps)} req/s`;
      const load = row.cpu === null ? "" : `  (other load ${row.cpu.other.toFixed(2)} cores)`;
      const note = row.note ? `  ${row.note.split("\n")[0]}` : "";
      console.log(`  ${scenario.id.padEnd(5)} ${spec.name.padEnd(20)} ${rps}${load}${note}`);
    }
  }
} finally {
  killChildren();
}

const table = rows.map((row) => cells(rows, row));
console.log("");
printText(table);
const failed = rows.filter((r) => r.rps === null || r.note);
if (failed.length) {
  console.log("\nProblems:");
  for (const r of failed) {
    console.log(`- ${r.scenario} / ${r.spec.name}: ${r.note.replaceAll("\n", "\n    ")}`);
  }
}
console.log("\nMarkdown (for the README):\n");
printMarkdown(table, env);
Deno.exit(rows.some((r) => r.rps === null) ? 1 : 0);
