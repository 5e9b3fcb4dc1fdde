/**
 * The client benchmark's child processes (`run.ts`, `profile.ts`): the target server and the cell
 * runners, on the benches' one child-process harness (`../_lib/children.ts`: every child killed on every
 * way out).
 *
 * @module
 */

import type { CellResult } from "./cells.ts";
import { BUN, path, ROOT, spawn, start, stopChild, Tail } from "../_lib/children.ts";

export const HERE = new URL("./", import.meta.url);
const SERVER_READY_MS = 20_000;

/** The running target server. */
export interface Server {
  child: Deno.ChildProcess;
  port: number;
}

/**
 * Starts `server.ts` under Bun on a port it picks (`0`) and waits for its `ready <port>` line; its log
 * goes to stderr as `[server] …`.
 */
export async function startTargetServer(): Promise<Server> {
  const started = await start(BUN, [path(new URL("server.ts", HERE)), "0"], {
    ready: /^ready (\d+)$/,
    timeoutMs: SERVER_READY_MS,
    cwd: path(ROOT),
    onStderrLine: (line) => console.error(`[server] ${line}`),
  });
  return { child: started.child, port: Number(started.ready[1]) };
}

/** What a `run_cells.ts` child reported. */
export interface CellsOutcome {
  version: string;
  results: CellResult[];
  /** Set when the child printed no result (crash, timeout). */
  error?: string;
}

/**
 * Runs `run_cells.ts` in a child (`program` + `flags`, e.g. Bun, or Deno with `--cpu-prof`), passes its
 * progress lines through to stderr and parses the JSON line it prints last.
 */
export async function runCellsChild(
  program: string,
  flags: string[],
  cellArgs: string[],
  timeoutMs: number,
): Promise<CellsOutcome> {
  const child = spawn(program, [...flags, path(new URL("run_cells.ts", HERE)), ...cellArgs], {
    cwd: path(ROOT),
  });
  const err = new Tail(child.stderr, 8000, (line) => console.error(line));
  const out = new Tail(child.stdout, Infinity);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const status = await Promise.race([
    child.status,
    new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), timeoutMs)),
  ]);
  clearTimeout(timer);
  if (status === null) await stopChild(child, 0);
  await Promise.all([out.done, err.done]);
  const last = out.text.trim().split("\n").at(-1) ?? "";
  try {
    const parsed = JSON.parse(last) as { version: string; results: CellResult[] };
    return { version: parsed.version, results: parsed.results };
  } catch {
    const why = status === null
      ? `timed out after ${timeoutMs / 1000} s`
      : `exited with code ${status.code}${status.signal ? ` (${status.signal})` : ""}`;
    return {
      version: "?",
      results: [],
      error: `${program} run_cells.ts ${why}: ${err.text.trim().split("\n").slice(-10).join(" | ")}`,
    };
  }
}
