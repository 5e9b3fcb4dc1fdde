/**
 * Client benchmark: `@wire/http`'s client against each runtime's `fetch` and `node:http` client, on Deno
 * and on Bun, over 127.0.0.1.
 *
 *     deno task bench:client        # = ./node_modules/.bin/deno run -A bench/client/run.ts
 *
 * Options: `--only=TEXT,...` keep cells whose `runtime:client:kind` contains one of the texts (e.g.
 * `--only=deno:ours`, `--only=rate`), `--runs=N` measured runs per cell (default 3, the median is
 * reported), `--requests=N` GETs per request-rate run (default 20,000), `--json=FILE` also write every
 * run as JSON, `--baseline=DIR` also run the client of another checkout (a `git worktree` of the commit
 * before a change) as "ours, baseline checkout", its rounds interleaved with ours, and print the ratios.
 *
 * One target server for every cell: `server.ts`, a raw `Bun.listen` server in its own process (started
 * once, shared, killed on every way out). It answers `GET /` with a precomputed 200 "Hello, World!"
 * (Content-Length, keep-alive), streams 64 MiB for `GET /download` in 64 KiB writes with backpressure,
 * and counts `POST /upload` bodies (Content-Length or chunked), answering with the count. It parses no
 * more than that, so it is the same for every client and far from being the bottleneck (its cores are
 * in the table).
 *
 * The Deno cells run in this process (`cells.ts`); the Bun cells run in `bun bench/client/run_cells.ts`,
 * which prints its results as JSON. The cells, the warm-up and the medians are described in `cells.ts`.
 * The whole run takes about a minute or two.
 *
 * Targets (request rate): ours >= 2x Deno's fetch, >= 1x Bun's fetch, >= 1.5x each runtime's `node:http`
 * client.
 *
 * @module
 */

import { cpus, loadavg } from "node:os";
import { type CellResult, CLIENTS, type Kind, KINDS, loadBaseline, runCells } from "./cells.ts";
import { DOWNLOAD_BYTES, IN_FLIGHT, REQUESTS } from "./shared.ts";
import { type CellsOutcome, HERE, runCellsChild, type Server, startTargetServer } from "./_children.ts";
import { BUN, killChildren, path } from "../_lib/children.ts";
import { option } from "../_lib/args.ts";
import { fmtNumber, markdownTable } from "../_lib/stats.ts";

const BUN_CELLS_TIMEOUT_MS = 240_000;

const ONLY = (option("only") ?? "").split(",").filter((s) => s !== "");
const RUNS = option("runs");
const REQUESTS_OPTION = option("requests");
const JSON_FILE = option("json");
/** Another checkout (a `git worktree` of the commit before a change): its client runs beside ours. */
const BASELINE = option("baseline");

function runBunCells(server: Server): Promise<CellsOutcome> {
  const args = [`--port=${server.port}`, `--server-pid=${server.child.pid}`];
  // The Bun child filters on `client:kind`; strip the runtime part of our filters.
  const only = ONLY.filter((t) => !t.startsWith("deno")).map((t) => t.replace(/^bun:?/, "")).filter((t) =>
    t !== ""
  );
  if (only.length > 0) args.push(`--only=${only.join(",")}`);
  if (RUNS !== undefined) args.push(`--runs=${RUNS}`);
  if (REQUESTS_OPTION !== undefined) args.push(`--requests=${REQUESTS_OPTION}`);
  if (BASELINE !== undefined) args.push(`--baseline=${BASELINE}`);
  return runCellsChild(BUN, [], args, BUN_CELLS_TIMEOUT_MS);
}

// ---------------------------------------------------------------------------------------------------------
// Table

function fmt(value: number | null, digits: number): string {
  return value === null ? "—" : fmtNumber(value, digits);
}

const KIND_LABEL: Record<Kind, string> = {
  rate: `GET rate (${REQUESTS.toLocaleString("en-US")} GETs, ${IN_FLIGHT} in flight)`,
  download: `download ${DOWNLOAD_BYTES / 2 ** 20} MiB`,
  upload: `upload ${DOWNLOAD_BYTES / 2 ** 20} MiB`,
};

const CLIENT_LABEL = {
  ours: "ours (@wire/http)",
  fetch: "fetch",
  node: "node:http",
  base: "ours, baseline checkout",
} as const;

function table(results: CellResult[]): string {
  const rows: string[][] = [];
  for (const runtime of ["deno", "bun"] as const) {
    for (const kind of KINDS) {
      for (const client of [...CLIENTS, "base"] as const) {
        const r = results.find((c) => c.runtime === runtime && c.kind === kind && c.client === client);
        if (!r) continue;
        const digits = kind === "rate" ? 0 : 1;
        const runs = r.runs.map((s) => fmt(s.value, digits)).join(" / ");
        const cpu = r.cpuPerUnit === null
          ? "—"
          : kind === "rate"
          ? `${fmt(r.cpuPerUnit, 1)} µs/req`
          : `${fmt(r.cpuPerUnit, 2)} ms/MB`;
        const median = r.error !== undefined
          ? `FAILED: ${r.error.replaceAll("|", "\\|")}`
          : fmt(r.median, digits);
        rows.push([
          runtime,
          KIND_LABEL[kind],
          CLIENT_LABEL[client],
          median,
          r.unit,
          runs,
          cpu,
          fmt(r.serverCores, 2),
          fmt(r.otherCores, 2),
        ]);
      }
    }
  }
  return markdownTable(
    [
      "runtime",
      "cell",
      "client",
      "median",
      "unit",
      "runs",
      "client CPU",
      "server cores",
      "other load (max cores)",
    ],
    rows,
    { align: ["left", "left", "left", "right", "left", "left", "right", "right", "right"] },
  );
}

interface Target {
  runtime: "deno" | "bun";
  against: "fetch" | "node";
  ratio: number;
}

const TARGETS: Target[] = [
  { runtime: "deno", against: "fetch", ratio: 2 },
  { runtime: "deno", against: "node", ratio: 1.5 },
  { runtime: "bun", against: "fetch", ratio: 1 },
  { runtime: "bun", against: "node", ratio: 1.5 },
];

function targets(results: CellResult[]): { text: string; missed: number } {
  const rows: string[][] = [];
  let missed = 0;
  for (const t of TARGETS) {
    const find = (client: string) =>
      results.find((c) => c.runtime === t.runtime && c.kind === "rate" && c.client === client);
    const ours = find("ours");
    const theirs = find(t.against);
    const label = `ours vs ${t.runtime === "deno" ? "Deno" : "Bun"} ${CLIENT_LABEL[t.against]}`;
    if (!ours || !theirs) continue;
    if (ours.median === null || theirs.median === null) {
      missed++;
      rows.push([label, fmt(ours.median, 0), fmt(theirs.median, 0), "—", `${t.ratio}x`, "NO DATA", "—"]);
      continue;
    }
    const ratio = ours.median / theirs.median;
    const ok = ratio >= t.ratio;
    if (!ok) missed++;
    const cpuRatio = ours.cpuPerUnit && theirs.cpuPerUnit
      ? `${(theirs.cpuPerUnit / ours.cpuPerUnit).toFixed(2)}x`
      : "—";
    rows.push([
      label,
      fmt(ours.median, 0),
      fmt(theirs.median, 0),
      `${ratio.toFixed(2)}x`,
      `${t.ratio}x`,
      ok ? "OK" : "MISSED",
      cpuRatio,
    ]);
  }
  const header = [
    "target (request rate)",
    "ours req/s",
    "theirs req/s",
    "ratio",
    "needed",
    "verdict",
    "CPU/req ratio (theirs ÷ ours)",
  ];
  const align = ["left", "right", "right", "right", "right", "left", "right"] as const;
  return { text: markdownTable(header, rows, { align }), missed };
}

/** Ours against the baseline checkout, cell by cell: rate (or throughput) and CPU per unit, as ratios. */
function abTable(results: CellResult[]): string {
  const rows: string[][] = [];
  for (const ours of results.filter((r) => r.client === "ours")) {
    const base = results.find((r) =>
      r.runtime === ours.runtime && r.kind === ours.kind && r.client === "base"
    );
    if (!base || ours.median === null || base.median === null) continue;
    const cpu = ours.cpuPerUnit !== null && base.cpuPerUnit
      ? (ours.cpuPerUnit / base.cpuPerUnit).toFixed(2)
      : "—";
    rows.push([ours.runtime, KIND_LABEL[ours.kind], `${(ours.median / base.median).toFixed(2)}x`, `${cpu}x`]);
  }
  return markdownTable(
    ["runtime", "cell", "ours ÷ baseline (rate)", "ours ÷ baseline (CPU per unit)"],
    rows,
    {
      align: ["left", "left", "right", "right"],
    },
  );
}

// ---------------------------------------------------------------------------------------------------------
// Main

const startedAt = new Date();
const load0 = loadavg();
const server = await startTargetServer();
console.error(
  `server: bun ${path(new URL("server.ts", HERE))} on 127.0.0.1:${server.port} (pid ${server.child.pid})`,
);

const results: CellResult[] = [];
let bunVersion = "?";
const errors: string[] = [];
try {
  const denoOnly = ONLY.filter((t) => !t.startsWith("bun")).map((t) => t.replace(/^deno:?/, "")).filter((t) =>
    t !== ""
  );
  const wantDeno = ONLY.length === 0 || ONLY.some((t) => !t.startsWith("bun"));
  const wantBun = ONLY.length === 0 || ONLY.some((t) => !t.startsWith("deno"));
  if (wantDeno) {
    console.error(`deno ${Deno.version.deno}: cells in this process`);
    results.push(
      ...await runCells({
        runtime: "deno",
        port: server.port,
        only: denoOnly,
        log: (line) => console.error(line),
        serverPid: server.child.pid,
        ...(BASELINE !== undefined ? { baseline: await loadBaseline(BASELINE) } : {}),
        ...(RUNS !== undefined ? { runs: Number(RUNS) } : {}),
        ...(REQUESTS_OPTION !== undefined ? { requests: Number(REQUESTS_OPTION) } : {}),
      }),
    );
  }
  if (wantBun) {
    console.error(`bun: cells in ${BUN} bench/client/run_cells.ts`);
    const bun = await runBunCells(server);
    bunVersion = bun.version;
    results.push(...bun.results);
    if (bun.error) errors.push(bun.error);
  }
} finally {
  killChildren();
}

const elapsed = (Date.now() - startedAt.getTime()) / 1000;
const cpu = cpus();
const { missed, text: targetText } = targets(results);
const out = [
  "",
  `## @wire/http client benchmark`,
  "",
  `- date: ${startedAt.toISOString()} (whole run ${elapsed.toFixed(0)} s)`,
  `- machine: ${cpu[0]?.model ?? "?"}, ${cpu.length} cores; load average before: ${
    load0.map((l) => l.toFixed(2)).join(" ")
  }`,
  `- runtimes: Deno ${Deno.version.deno} (V8 ${Deno.version.v8}), Bun ${bunVersion}`,
  `- server: raw Bun.listen canned server (bench/client/server.ts), Bun ${bunVersion}, own process, shared by all cells`,
  `- median of ${
    RUNS ?? 3
  } runs after one warm-up run; MB = 10^6 bytes; client CPU = user+system time of the ` +
  `client process per request / per MB; other load = cores used by processes other than client and server`,
  "",
  table(results),
  "",
  targetText,
  "",
  ...(BASELINE === undefined ? [] : [abTable(results), ""]),
];
if (errors.length > 0) out.push(...errors.map((e) => `- ERROR: ${e}`), "");
const failed = results.filter((r) => r.error !== undefined);
if (failed.length > 0) {
  out.push(...failed.map((r) => `- FAILED ${r.runtime} ${r.client} ${r.kind}: ${r.error}`), "");
}
console.log(out.join("\n"));
if (JSON_FILE) {
  await Deno.writeTextFile(
    JSON_FILE,
    JSON.stringify({ date: startedAt.toISOString(), deno: Deno.version, bun: bunVersion, results }, null, 2),
  );
}
// Missed targets are a result, not a failure: only errors make the exit code non-zero.
void missed;
Deno.exit(failed.length > 0 || errors.length > 0 ? 1 : 0);
