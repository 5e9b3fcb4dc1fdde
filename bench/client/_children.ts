/**
 * Child processes of the client benchmark (`run.ts`, `profile.ts`): the target server and cell runners,
 * every one killed on every way out (normal end, signal, unhandled rejection).
 *
 * @module
 */

import type { CellResult } from "./cells.ts";

export const HERE = new URL("./", import.meta.url);
export const ROOT = new URL("../../", import.meta.url);
export const path = (url: URL): string => decodeURIComponent(url.pathname);
const SERVER_READY_MS = 20_000;

function existsSync(file: string): boolean {
  try {
    Deno.statSync(file);
    return true;
  } catch {
    return false;
  }
}

/** The pinned Bun (`node_modules/.bin/bun`), else `bun` on PATH. */
export const BUN: string = existsSync(path(new URL("node_modules/.bin/bun", ROOT)))
  ? path(new URL("node_modules/.bin/bun", ROOT))
  : "bun";

const children = new Set<Deno.ChildProcess>();

/** Kills every child still running. */
export function killChildren(): void {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  children.clear();
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.addSignalListener(signal, () => {
    killChildren();
    console.error(`\n${signal}: children stopped`);
    Deno.exit(130);
  });
}
globalThis.addEventListener("unload", killChildren);
globalThis.addEventListener("unhandledrejection", killChildren);

/** Spawns a child in the repository root with piped output; it is killed when this process goes. */
export function spawn(program: string, args: string[]): Deno.ChildProcess {
  const child = new Deno.Command(program, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    cwd: path(ROOT),
  }).spawn();
  children.add(child);
  child.status.then(() => children.delete(child));
  return child;
}

/** Reads a child's stream to the end, passing each line to `onLine`; resolves with the whole text. */
export async function lines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<string> {
  let all = "";
  let rest = "";
  try {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      all += text;
      rest += text;
      let nl;
      while ((nl = rest.indexOf("\n")) !== -1) {
        onLine(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
      }
    }
  } catch {
    // child killed
  }
  if (rest !== "") onLine(rest);
  return all;
}

/** The running target server. */
export interface Server {
  child: Deno.ChildProcess;
  port: number;
}

/** Starts `server.ts` under Bun on a free port and waits for its `ready <port>` line. */
export async function startServer(): Promise<Server> {
  const child = spawn(BUN, [path(new URL("server.ts", HERE)), "0"]);
  const stderr: string[] = [];
  lines(child.stderr, (line) => {
    stderr.push(line);
    console.error(`[server] ${line}`);
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    lines(child.stdout, (line) => {
      const match = /^ready (\d+)$/.exec(line.trim());
      if (match) resolve(Number(match[1]));
    });
    child.status.then((s) => reject(new Error(`server exited with code ${s.code}\n${stderr.join("\n")}`)));
    timer = setTimeout(
      () => reject(new Error(`server printed no "ready" in ${SERVER_READY_MS} ms`)),
      SERVER_READY_MS,
    );
  }).finally(() => clearTimeout(timer));
  return { child, port };
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
  const child = spawn(program, [...flags, path(new URL("run_cells.ts", HERE)), ...cellArgs]);
  const stderr: string[] = [];
  const errDone = lines(child.stderr, (line) => {
    stderr.push(line);
    console.error(line);
  });
  const outDone = lines(child.stdout, () => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const status = await Promise.race([
    child.status,
    new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), timeoutMs)),
  ]);
  clearTimeout(timer);
  if (status === null) {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
  }
  const [out] = await Promise.all([outDone, errDone]);
  const last = out.trim().split("\n").at(-1) ?? "";
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
      error: `${program} run_cells.ts ${why}: ${stderr.slice(-10).join(" | ")}`,
    };
  }
}
