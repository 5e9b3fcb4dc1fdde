/**
 * Every benchmark cell issue 11 asks for, in one command, for the final numbers:
 *
 *     ./node_modules/.bin/deno run -A bench/all.ts [--out=FILE] [--skip=parser,server,...] [--quick]
 *
 * Runs, one after the other (never two at once: they would share the 2 cores), each with its defaults
 * unless noted: the parser bench on Deno and on Bun; the server bench (`wrk -t1 -c64`, hello and 4 KiB
 * echo; median of 3 runs of 4 s after a 1 s warm-up; canned ceilings, Deno.serve/Bun.serve, node:http,
 * ours, ours as 2 reusePort processes); the client bench (20,000 GETs with 32 in flight, 64 MiB down and
 * up; median of 3); memory per idle and per slowloris connection (3,000 and 2,000; median of 3); uploads
 * with and without `Expect: 100-continue` (2 GiB via curl; median of 3). About 10-12 minutes on the
 * 2-core machine. Every bench prints ready-to-paste markdown with the date, the machine and the runtime
 * versions; all of it is also written to `--out` (default `/tmp/wire-http-bench-<date>.md`).
 *
 * Needs `wrk` and `curl` on PATH. Stop other work on the machine first: the benches report the CPU other
 * processes used during each run ("other" columns) so a disturbed number can be recognized.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { BUN, path, ROOT, spawn } from "./_lib/children.ts";

const DENO = Deno.execPath();

const { values } = parseArgs({
  args: Deno.args,
  options: {
    out: { type: "string", default: `/tmp/wire-http-bench-${new Date().toISOString().slice(0, 16)}.md` },
    skip: { type: "string", default: "" },
    quick: { type: "boolean", default: false },
  },
});
/** `--quick`: every step with tiny settings, to check that the whole chain runs (numbers meaningless). */
const QUICK: Record<string, string[]> = {
  parser: ["--time=100", "--runs=1"],
  server: ["--rounds=1", "--duration=1", "--warmup=0", "--quiet-wait=0"],
  client: ["--runs=1", "--requests=2000"],
  memory: ["--runs=1", "--conns=200", "--slow=100"],
  upload: ["--runs=1", "--mib=64"],
};
const SKIP = values.skip.split(",").filter((s) => s !== "");

interface Step {
  id: string;
  title: string;
  program: string;
  args: string[];
}

const bench = (file: string) => path(new URL(`bench/${file}`, ROOT));
const STEPS: Step[] = [
  { id: "parser", title: "Parser on Deno", program: DENO, args: ["run", "-A", bench("parser/run.ts")] },
  { id: "parser", title: "Parser on Bun", program: BUN, args: [bench("parser/run.ts")] },
  {
    id: "server",
    title: "Server",
    program: DENO,
    args: ["run", "-A", bench("server/run.ts")],
  },
  { id: "client", title: "Client", program: DENO, args: ["run", "-A", bench("client/run.ts")] },
  {
    id: "memory",
    title: "Memory per connection",
    program: DENO,
    args: ["run", "-A", bench("memory/run.ts")],
  },
  {
    id: "upload",
    title: "Uploads and Expect: 100-continue",
    program: DENO,
    args: ["run", "-A", bench("upload/run.ts")],
  },
];

const started = Date.now();
const out = await Deno.open(values.out, { write: true, create: true, truncate: true });
const encoder = new TextEncoder();
const write = async (text: string) => {
  await Deno.stdout.write(encoder.encode(text));
  for (let at = 0, bytes = encoder.encode(text); at < bytes.length;) {
    at += await out.write(bytes.subarray(at));
  }
};

await write(`# @wire/http benchmarks, ${new Date().toISOString()}\n\n`);
let failed = 0;
for (const step of STEPS) {
  if (SKIP.includes(step.id)) continue;
  const t0 = Date.now();
  console.error(`\n==> ${step.title}: ${[step.program, ...step.args].join(" ")}`);
  await write(`\n## ${step.title}\n\n`);
  const child = spawn(step.program, values.quick ? [...step.args, ...QUICK[step.id]!] : step.args, {
    cwd: path(ROOT),
    stderr: "inherit",
    exitSignal: "SIGTERM",
  });
  for await (const chunk of child.stdout) {
    await write(new TextDecoder().decode(chunk));
  }
  const status = await child.status;
  if (!status.success) {
    failed++;
    await write(`\n(${step.title} exited with code ${status.code})\n`);
  }
  console.error(`<== ${step.title}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
out.close();
console.error(
  `\nAll done in ${
    ((Date.now() - started) / 60_000).toFixed(1)
  } min; ${failed} failed. Written to ${values.out}`,
);
Deno.exit(failed > 0 ? 1 : 0);
