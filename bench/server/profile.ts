/**
 * Profiles one server of the load benchmark under wrk load and prints where the time (and, on Deno, the
 * allocation) goes.
 *
 *     ./node_modules/.bin/deno run -A bench/server/profile.ts --runtime=deno --scenario=hello
 *     ./node_modules/.bin/deno run -A bench/server/profile.ts --runtime=bun --scenario=echo --server=ours
 *
 * Options: `--server=FILE` a file stem in `servers/` (default `ours`), `--runtime=deno|bun` (default deno),
 * `--scenario=hello|echo` (default hello), `--duration=S` of profiled load (default 8), `--top=N` rows per
 * list (default 25), `--out=DIR` where the raw profiles go (default `/tmp/wire-http-profiles`; open them in
 * Chrome DevTools).
 *
 * Deno: the server runs with `--inspect` on a free port; over the inspector protocol this script starts
 * the V8 CPU profiler (250 µs sampling) and the sampling heap profiler (objects collected by GC included,
 * so it shows allocation, not retention) after a 2 s warm-up, and stops both when wrk is done.
 * Bun: the server runs with `bun --cpu-prof` and `BENCH_PROFILE=1` (SIGTERM then ends it through
 * `process.exit`, which writes the profile); that profile covers start-up and warm-up too.
 *
 * Reported: self time per function, inclusive time per function, self time per source file, and on Deno
 * allocated bytes per function (also per request). Profiling slows the server; compare shares, not req/s.
 *
 * @module
 */

import { type ServerSpec, start, waitUntilAnswering, wrk } from "./_harness.ts";
import type { Scenario } from "./shared.ts";
import { BUN, type Runtime, type Started, stop } from "../_lib/children.ts";
import { option } from "../_lib/args.ts";
import { freePort, requireWrk, type WrkResult } from "../_lib/net.ts";
import {
  findCpuProfile,
  type ListOptions,
  profileDuring,
  summarizeCpu,
  summarizeHeap,
} from "../_lib/profile.ts";

const RUNTIME: Runtime = option("runtime", "deno") === "bun" ? "bun" : "deno";
const SCENARIO: Scenario = option("scenario", "hello") === "echo" ? "echo" : "hello";
const SERVER = option("server", "ours").replace(/\.ts$/, "");
const DURATION_S = Number(option("duration", "8"));
const LIST: ListOptions = { top: Number(option("top", "25")), unitWidth: 9 };
const OUT = option("out", "/tmp/wire-http-profiles");

/** Allocation per request of the profiled load. */
function heapOptions(requests: number) {
  const perRequest = (n: number) => `${(n / Math.max(1, requests)).toFixed(0)} B/req`;
  return {
    ...LIST,
    headline: (total: number) =>
      `Allocation (sampled, GC'd objects included): ${
        (total / 1e6).toFixed(0)
      } MB for ${requests} requests ` +
      `= ${(total / Math.max(1, requests)).toFixed(0)} bytes per request`,
    per: perRequest,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Main

await requireWrk();
await Deno.mkdir(OUT, { recursive: true });
const spec: ServerSpec = {
  name: `${SERVER} on ${RUNTIME}`,
  runtime: RUNTIME,
  kind: "ours",
  file: `${SERVER}.ts`,
};
const port = freePort();
const stamp = `${SERVER}-${RUNTIME}-${SCENARIO}-${new Date().toISOString().replace(/[:.]/g, "-")}`;
console.log(`profiling ${spec.name}, scenario ${SCENARIO}, ${DURATION_S} s of wrk load (port ${port})`);

let started: Started | null = null;
let result: WrkResult;
try {
  if (RUNTIME === "deno") {
    const inspectPort = freePort();
    started = await start(spec, port, SCENARIO, { flags: [`--inspect=127.0.0.1:${inspectPort}`] });
    await waitUntilAnswering(port, SCENARIO);
    await wrk(port, SCENARIO, 2);
    const { result: measured, cpu: profile, heap } = await profileDuring(
      inspectPort,
      () => wrk(port, SCENARIO, DURATION_S),
    );
    result = measured;
    await Deno.writeTextFile(`${OUT}/${stamp}.cpuprofile`, JSON.stringify(profile));
    await Deno.writeTextFile(`${OUT}/${stamp}.heapprofile`, JSON.stringify(heap));
    console.log(`wrk under profiler: ${Math.round(result.rps)} req/s ${result.errors}`);
    console.log(`raw profiles: ${OUT}/${stamp}.cpuprofile, .heapprofile`);
    summarizeCpu(profile, { ...LIST, weigh: "samples" });
    summarizeHeap(heap.head, heapOptions(result.requests));
  } else {
    const dir = `${OUT}/${stamp}`;
    await Deno.mkdir(dir, { recursive: true });
    started = await start(spec, port, SCENARIO, {
      flags: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
      env: { BENCH_PROFILE: "1" },
    });
    await waitUntilAnswering(port, SCENARIO);
    await wrk(port, SCENARIO, 2);
    result = await wrk(port, SCENARIO, DURATION_S);
    await stop(started, 10_000);
    started = null;
    const file = findCpuProfile(dir);
    if (!file) throw new Error(`bun wrote no .cpuprofile into ${dir} (${BUN})`);
    console.log(`wrk under profiler: ${Math.round(result.rps)} req/s ${result.errors}`);
    console.log(`raw profile: ${file}`);
    summarizeCpu(JSON.parse(await Deno.readTextFile(file)), { ...LIST, weigh: "samples" });
  }
} finally {
  if (started) await stop(started);
}
