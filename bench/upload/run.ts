/**
 * Upload throughput into a server, with and without `Expect: 100-continue`, measured with curl:
 * `deno run -A bench/upload/run.ts [--mib=2048] [--runs=3] [--runtimes=deno,bun]`.
 *
 * curl sends `Expect: 100-continue` by itself for uploads over 1 MiB and sends the body only after the
 * server's `100 Continue`; `-H "Expect:"` turns that off. Issue 11 reported our Deno server at 1/6 of its
 * speed with the header (424 vs 2466 MB/s for 2 GiB); this is the A/B cell for it. For each runtime and
 * server (`server.ts`: ours, the runtime's `node:http`, each also with a `checkContinue` listener that
 * calls `writeContinue()`), one server process takes `--runs` uploads of each kind, alternating, from a
 * sparse file (reads of zeros, so the disk is not measured). Reported: median MB/s, the ratio with/without
 * the header measured in the same invocation, and the server's CPU time per MB (from /proc).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { bunVersion, path, type Runtime, runtimeCommand, start, stopChild } from "../_lib/children.ts";
import { freePort } from "../_lib/net.ts";
import { processTicks, TICKS_PER_SECOND } from "../_lib/proc.ts";
import { fmtNumber as fmt, markdownTable, median } from "../_lib/stats.ts";

const SERVER = path(new URL("server.ts", import.meta.url));

const { values } = parseArgs({
  args: Deno.args,
  options: {
    mib: { type: "string", default: "2048" },
    runs: { type: "string", default: "3" },
    runtimes: { type: "string", default: "deno,bun" },
  },
});
const BYTES = Number(values.mib) * 1024 * 1024;
const RUNS = Number(values.runs);
const RUNTIMES = values.runtimes.split(",") as Runtime[];
const decoder = new TextDecoder();

interface Server {
  runtime: Runtime;
  kind: "ours" | "node";
  check: boolean;
}
const SERVERS: Server[] = RUNTIMES.flatMap((runtime) => [
  { runtime, kind: "ours", check: false },
  { runtime, kind: "ours", check: true },
  { runtime, kind: "node", check: false },
]);

function label(s: Server): string {
  const name = s.runtime === "deno" ? "Deno" : "Bun";
  return `${s.kind === "ours" ? `ours on ${name}` : `${name} node:http`}${s.check ? " + checkContinue" : ""}`;
}

/** utime + stime of a process in seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const ticks = processTicks(pid);
  if (ticks === null) throw new Error(`no /proc/${pid}/stat`);
  return ticks / TICKS_PER_SECOND;
}

async function upload(port: number, file: string, expect: boolean): Promise<number> {
  const out = await new Deno.Command("curl", {
    args: [
      "-sS",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code} %{size_upload} %{time_total}",
      ...(expect ? ["-H", "Expect: 100-continue"] : ["-H", "Expect:"]),
      "-T",
      file,
      `http://127.0.0.1:${port}/upload`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const [code, size, seconds] = decoder.decode(out.stdout).trim().split(" ");
  if (code !== "200" || Number(size) !== BYTES) {
    throw new Error(`curl: ${decoder.decode(out.stdout)} ${decoder.decode(out.stderr)}`);
  }
  return BYTES / 1e6 / Number(seconds);
}

interface Cell {
  mbps: number[];
  cpuMsPerMb: number[];
}

async function measure(server: Server, file: string): Promise<{ plain: Cell; expect: Cell }> {
  const port = freePort();
  const serverArgs = [server.kind, String(port), ...(server.check ? ["check"] : [])];
  const [program, args] = runtimeCommand(server.runtime, SERVER, serverArgs);
  const started = await start(program, args, { stderr: "inherit", what: label(server) });
  const child = started.child;
  try {
    const result = {
      plain: { mbps: [], cpuMsPerMb: [] } as Cell,
      expect: { mbps: [], cpuMsPerMb: [] } as Cell,
    };
    await upload(port, file, false); // warm-up
    for (let run = 0; run < RUNS; run++) {
      for (const expect of [false, true]) {
        const cpu = cpuSeconds(child.pid);
        const mbps = await upload(port, file, expect);
        const cell = expect ? result.expect : result.plain;
        cell.mbps.push(mbps);
        cell.cpuMsPerMb.push(((cpuSeconds(child.pid) - cpu) * 1000) / (BYTES / 1e6));
      }
    }
    return result;
  } finally {
    await stopChild(child, 0); // SIGKILL: the server holds nothing worth a clean stop

    await started.stdout.done;
  }
}

const dir = await Deno.makeTempDir({ prefix: "wire-upload-" });
const file = `${dir}/upload.bin`;
try {
  // Sparse: reading it costs no disk I/O.
  await Deno.writeFile(file, new Uint8Array(0));
  await Deno.truncate(file, BYTES);
  const rows: string[][] = [];
  for (const server of SERVERS) {
    const { plain, expect } = await measure(server, file);
    const [a, b] = [median(plain.mbps), median(expect.mbps)];
    console.error(`  ${label(server)}: ${fmt(a)} MB/s plain, ${fmt(b)} MB/s with Expect`);
    rows.push([
      label(server),
      fmt(a),
      fmt(b),
      `${(b / a).toFixed(2)}x`,
      `${fmt(median(plain.cpuMsPerMb), 2)} / ${fmt(median(expect.cpuMsPerMb), 2)}`,
      `${plain.mbps.map((x) => fmt(x)).join(" / ")} · ${expect.mbps.map((x) => fmt(x)).join(" / ")}`,
    ]);
  }
  const bun = bunVersion();
  console.log(`\n### Uploads with and without \`Expect: 100-continue\` (\`bench/upload\`)\n`);
  console.log(
    `${
      new Date().toISOString().slice(0, 16)
    }Z, ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, ` +
      `Bun ${bun}, curl -T of ${
        fmt(BYTES / 1024 / 1024)
      } MiB; median of ${RUNS} uploads of each kind, alternating, ` +
      `into one server process.\n`,
  );
  const header = [
    "server",
    "MB/s without",
    "MB/s with Expect",
    "with ÷ without",
    "server CPU ms/MB (without / with)",
    "runs (without · with)",
  ];
  console.log(markdownTable(header, rows, { pad: true }));
} finally {
  await Deno.remove(dir, { recursive: true });
  await forgetLoopbackMetrics();
}

/**
 * Linux caches TCP metrics per destination (cwnd, reordering) when a connection closes, and new
 * connections to 127.0.0.1 start from them. After gigabytes over loopback the cached values made a
 * backpressure test of the suite (it counts how much fills the socket buffers) fail until the entry was
 * dropped. Best effort: `ip` may be missing or not permitted.
 */
async function forgetLoopbackMetrics(): Promise<void> {
  try {
    await new Deno.Command("ip", {
      args: ["tcp_metrics", "delete", "127.0.0.1"],
      stdout: "null",
      stderr: "null",
    })
      .output();
  } catch {
    // no `ip`
  }
}
