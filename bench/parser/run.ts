/**
 * Parser benchmark: our HTTP/1.1 codec against http-parser-js (pure JS) and llhttp (WASM, as undici ships
 * it), on three inputs, in one process.
 *
 *     deno task bench:parser                  # = ./node_modules/.bin/deno run -A bench/parser/run.ts
 *     ./node_modules/.bin/bun bench/parser/run.ts
 *
 * Options: `--time=MS` per timed run (default 600), `--runs=N` timed runs per cell (default 5, the median is
 * reported), `--only=TEXT` / `--input=TEXT` keep only parsers / inputs whose name contains TEXT (handy under
 * `--cpu-prof`).
 *
 * Method: for every input each parser gets its own adapter (one parser instance) and parses the input
 * once per iteration, complete messages back to back on the same instance. Before any timing, every
 * adapter's result for every input is checked against the input's expectations and against the other
 * adapters (method, url, status, version, all field names and values, body byte count, trailers); the
 * bench aborts on any mismatch. Each cell is warmed up (which also calibrates the iteration count), then
 * each timed run is cut into 10 slices interleaved across the parsers of that input (parser A slice 1,
 * B slice 1, C slice 1, A slice 2, ...), so that noise from other processes on this shared machine hits
 * all parsers alike and the ratios stay stable even when absolute numbers wander. MB/s is 10^6 bytes of
 * input per second.
 *
 * @module
 */

import { cpus } from "node:os";
import process from "node:process";
import type { Parsed, ParserAdapter } from "./adapter.ts";
import { type Input, INPUTS } from "./inputs.ts";
import { createHttpParserJs } from "./http_parser_js.ts";
import { createLlhttpWasm } from "./llhttp_wasm.ts";
import { option } from "../_lib/args.ts";
import { fmtNumber, fmtTimes, markdownTable, median, textTable } from "../_lib/stats.ts";

// ---------------------------------------------------------------------------------------------------------
// Options

const RUN_MS = Number(option("time", "600"));
const RUNS = Number(option("runs", "5"));
/** Each run is cut into this many slices per parser, interleaved across parsers (see `timedRun`). */
const SLICES = 10;
const SLICE_MS = RUN_MS / SLICES;
const WARMUP_MS = Math.max(200, RUN_MS / 2);
const ONLY = option("only", "");
const INPUT_FILTER = option("input", "");

// ---------------------------------------------------------------------------------------------------------
// Parsers

interface Contender {
  readonly name: string;
  readonly create: () => ParserAdapter;
}

/** Our parser is loaded dynamically so the baselines still run (and say why) while src/core is in flux. */
async function loadOurs(): Promise<Contender | string> {
  try {
    const { createOurs } = await import("./ours.ts");
    return { name: createOurs().name, create: createOurs };
  } catch (e) {
    return `could not load ./ours.ts (src/core/parser.ts): ${e instanceof Error ? e.message : String(e)}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Correctness check

function parseOnce(adapter: ParserAdapter, input: Input): void {
  if (input.kind === "request") adapter.parseRequest(input.bytes);
  else adapter.parseResponse(input.bytes);
}

/** Parses the input twice on one fresh instance (the second checks back-to-back reuse) and returns the last. */
function probe(c: Contender, input: Input): Parsed {
  const adapter = c.create();
  parseOnce(adapter, input);
  parseOnce(adapter, input);
  if (adapter.completed !== 2) {
    throw new Error(`${c.name} completed ${adapter.completed} of 2 messages on "${input.name}"`);
  }
  return adapter.last!;
}

function describe(p: Parsed): string {
  return JSON.stringify({ ...p, rawHeaders: p.rawHeaders.length / 2, rawTrailers: p.rawTrailers.length / 2 });
}

/** Returns a list of problems; empty when every parser agrees with the input's expectations and each other. */
function checkAll(contenders: readonly Contender[], inputs: readonly Input[]): string[] {
  const problems: string[] = [];
  for (const input of inputs) {
    const e = input.expect;
    let reference: { name: string; parsed: Parsed } | null = null;
    for (const c of contenders) {
      let p: Parsed;
      try {
        p = probe(c, input);
      } catch (err) {
        problems.push(`${input.name} / ${c.name}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      const got = {
        method: p.method,
        url: p.url,
        statusCode: p.statusCode,
        fields: p.rawHeaders.length / 2,
        bodyBytes: p.bodyBytes,
        trailers: p.rawTrailers.length / 2,
      };
      if (JSON.stringify(got) !== JSON.stringify(e) || p.versionMajor !== 1 || p.versionMinor !== 1) {
        problems.push(
          `${input.name} / ${c.name}: expected ${JSON.stringify(e)} HTTP/1.1, got ${describe(p)}`,
        );
        continue;
      }
      if (reference === null) {
        reference = { name: c.name, parsed: p };
      } else if (JSON.stringify(p) !== JSON.stringify(reference.parsed)) {
        problems.push(
          `${input.name}: ${c.name} and ${reference.name} disagree on field strings:\n` +
            `  ${JSON.stringify(p)}\n  ${JSON.stringify(reference.parsed)}`,
        );
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// Timing

interface Cell {
  readonly input: Input;
  readonly contender: Contender;
  readonly adapter: ParserAdapter;
  /** Iterations per slice, set by the warm-up. */
  iterations: number;
  /** Messages per second of each timed run. */
  readonly samples: number[];
}

/** Runs `n` iterations and returns the elapsed milliseconds; checks that every message completed. */
function timeRun(cell: Cell, n: number): number {
  const { adapter, input } = cell;
  const bytes = input.bytes;
  const before = adapter.completed;
  let t0: number, t1: number;
  if (input.kind === "request") {
    t0 = performance.now();
    for (let i = 0; i < n; i++) adapter.parseRequest(bytes);
    t1 = performance.now();
  } else {
    t0 = performance.now();
    for (let i = 0; i < n; i++) adapter.parseResponse(bytes);
    t1 = performance.now();
  }
  if (adapter.completed - before !== n) {
    throw new Error(
      `${cell.contender.name} completed ${adapter.completed - before} of ${n} on ${input.name}`,
    );
  }
  return t1 - t0;
}

/** Warms the cell up for about WARMUP_MS and sets the iteration count so that a slice lasts about SLICE_MS. */
function warmUp(cell: Cell): void {
  let n = 64;
  let spent = 0;
  let rate = 0;
  while (spent < WARMUP_MS) {
    const ms = timeRun(cell, n);
    spent += ms;
    rate = n / Math.max(ms, 0.001);
    if (ms < SLICE_MS / 2) n *= 2;
  }
  cell.iterations = Math.max(1, Math.round(rate * SLICE_MS));
}

/**
 * One timed run for every cell of an input: SLICES rounds, each giving every cell one slice in turn, so a
 * burst of outside load (this machine is shared) lands on all parsers rather than on whichever ran then.
 * Records one msgs/s sample per cell.
 */
function timedRun(cells: readonly Cell[]): void {
  const ms = cells.map(() => 0);
  for (let slice = 0; slice < SLICES; slice++) {
    cells.forEach((cell, i) => {
      ms[i]! += timeRun(cell, cell.iterations);
    });
  }
  cells.forEach((cell, i) => cell.samples.push((cell.iterations * SLICES * 1000) / ms[i]!));
}

// ---------------------------------------------------------------------------------------------------------
// Report

interface Row {
  input: string;
  parser: string;
  msgsPerSec: number;
  mbPerSec: number;
  /** (max - min) / median over the runs, in percent. */
  spread: number;
  /** Ours divided by this row's msgs/s; null on our own row or without ours. */
  oursRatio: number | null;
}

function fmtInt(x: number): string {
  return fmtNumber(x);
}

function fmtRatio(r: number | null): string {
  return fmtTimes(r, "—");
}

function runtimeLabel(): string {
  const deno = Reflect.get(globalThis, "Deno") as { version: { deno: string; v8: string } } | undefined;
  if (deno) return `Deno ${deno.version.deno} (V8 ${deno.version.v8})`;
  const bun = Reflect.get(globalThis, "Bun") as { version: string } | undefined;
  if (bun) return `Bun ${bun.version} (JavaScriptCore)`;
  return `Node ${process.versions.node} (V8 ${process.versions.v8})`;
}

function machineLabel(): string {
  const list = cpus();
  return `${
    list[0]?.model.trim() ?? "unknown CPU"
  }, ${list.length} cores, ${process.platform}/${process.arch}`;
}

function printText(rows: readonly Row[]): void {
  const header = ["input", "parser", "msgs/s", "MB/s", "± %", "ours vs this"];
  const body = rows.map((r) => [
    r.input,
    r.parser,
    fmtInt(r.msgsPerSec),
    r.mbPerSec.toFixed(1),
    r.spread.toFixed(1),
    fmtRatio(r.oursRatio),
  ]);
  const align = ["left", "left", "right", "right", "right", "right"] as const;
  console.log(textTable(header, body, { align, group: { column: 0 } }));
}

function printMarkdown(rows: readonly Row[], notes: readonly string[]): void {
  console.log(`Parser benchmark, ${new Date().toISOString().slice(0, 10)}, ${runtimeLabel()}`);
  console.log(`Machine: ${machineLabel()}`);
  console.log(`Median of ${RUNS} runs of ~${RUN_MS} ms; ratio = ours msgs/s ÷ that parser's msgs/s.`);
  for (const n of notes) console.log(n);
  console.log("");
  const body = rows.map((
    r,
  ) => [r.input, r.parser, fmtInt(r.msgsPerSec), r.mbPerSec.toFixed(1), fmtRatio(r.oursRatio)]);
  const align = ["left", "left", "right", "right", "right"] as const;
  console.log(markdownTable(["Input", "Parser", "msgs/s", "MB/s", "Ours vs this"], body, { align }));
}

// ---------------------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const notes: string[] = [];
  const ours = await loadOurs();
  const all: Contender[] = [
    { name: createHttpParserJs().name, create: createHttpParserJs },
    { name: createLlhttpWasm().name, create: createLlhttpWasm },
  ];
  if (typeof ours === "string") {
    console.error(`warning: ${ours}; benchmarking the baselines only`);
    notes.push(`Ours not measured: ${ours}`);
  } else {
    all.unshift(ours);
  }
  const oursName = typeof ours === "string" ? null : ours.name;
  const contenders = all.filter((c) => c.name.includes(ONLY));
  const inputs = INPUTS.filter((i) => i.name.includes(INPUT_FILTER));

  console.log(`${runtimeLabel()} on ${machineLabel()}`);
  for (const i of inputs) console.log(`input "${i.name}": ${i.bytes.length} bytes (${i.kind})`);

  const problems = checkAll(contenders, inputs);
  if (problems.length > 0) {
    console.error("\nCorrectness check FAILED, not timing anything:");
    for (const p of problems) console.error(`- ${p}`);
    process.exit(1);
  }
  console.log(`correctness check passed: ${contenders.map((c) => c.name).join(", ")} agree on every input\n`);

  const rows: Row[] = [];
  for (const input of inputs) {
    const cells: Cell[] = contenders.map((contender) => ({
      input,
      contender,
      adapter: contender.create(),
      iterations: 0,
      samples: [],
    }));
    for (const cell of cells) warmUp(cell);
    for (let run = 0; run < RUNS; run++) timedRun(cells);
    const oursRate = oursName === null
      ? null
      : median(cells.find((c) => c.contender.name === oursName)?.samples ?? [NaN]);
    for (const cell of cells) {
      const rate = median(cell.samples);
      const isOurs = cell.contender.name === oursName;
      rows.push({
        input: input.name,
        parser: cell.contender.name,
        msgsPerSec: rate,
        mbPerSec: (rate * input.bytes.length) / 1e6,
        spread: ((Math.max(...cell.samples) - Math.min(...cell.samples)) / rate) * 100,
        oursRatio: isOurs || oursRate === null || Number.isNaN(oursRate) ? null : oursRate / rate,
      });
      console.error(`  measured ${input.name} / ${cell.contender.name}: ${fmtInt(rate)} msgs/s`);
    }
  }

  console.log("");
  printText(rows);

  if (oursName !== null) {
    console.log("\nTargets (ours >= 3x http-parser-js, ours >= llhttp wasm):");
    for (const r of rows) {
      if (r.oursRatio === null) continue;
      const target = r.parser === "http-parser-js" ? 3 : 1;
      const ok = r.oursRatio >= target;
      console.log(
        `  ${ok ? "met   " : "MISSED"} ${r.input} vs ${r.parser}: ${
          fmtRatio(r.oursRatio)
        } (target ${target}x)`,
      );
    }
  }

  console.log("\n--- Markdown ---\n");
  printMarkdown(rows, notes);
}

await main();
