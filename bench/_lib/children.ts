/**
 * The benches' child processes: servers, clients and cell runners, each on Deno or Bun, every one killed
 * on every way out of the driver (normal end, Ctrl-C, SIGTERM, an unhandled rejection). A server left
 * behind would keep its port and a core busy and skew every later number on this shared machine, so no
 * bench spawns a child any other way.
 *
 * Deno only: the drivers run on Deno.
 *
 * @module
 */

/** The repository root. */
export const ROOT: URL = new URL("../../", import.meta.url);

/** A `file:` URL's path, spaces and all. */
export function path(url: URL): string {
  return decodeURIComponent(url.pathname);
}

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

/** `bun --version` of {@linkcode BUN}, for the reports' headers; `not found` without one. */
export function bunVersion(): string {
  try {
    const out = new Deno.Command(BUN, { args: ["--version"], stdout: "piped", stderr: "null" }).outputSync();
    return new TextDecoder().decode(out.stdout).trim() || "unknown";
  } catch {
    return "not found";
  }
}

export type Runtime = "deno" | "bun";

/**
 * Program and arguments that run `file` with `args` on `runtime`: this Deno (`deno run -A`) or the pinned
 * Bun. `flags` go to the runtime, before the file (`--cpu-prof`, `--unstable-net`, `--v8-flags=…`).
 */
export function runtimeCommand(
  runtime: Runtime,
  file: string,
  args: readonly string[],
  flags: readonly string[] = [],
): [string, string[]] {
  return runtime === "deno"
    ? [Deno.execPath(), ["run", "-A", ...flags, file, ...args]]
    : [BUN, [...flags, file, ...args]];
}

// ---------------------------------------------------------------------------------------------------------
// Every child, killed on every way out

/** Every child still running, with the signal that ends it on the way out. */
const children = new Map<Deno.ChildProcess, Deno.Signal>();

/**
 * Kills every child still running: SIGKILL (on the way out there is no time for a clean stop), but a
 * child spawned with `exitSignal` gets that one.
 */
export function killChildren(): void {
  for (const [child, signal] of children) {
    try {
      child.kill(signal);
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

/** How a child's standard streams and environment are set up. */
export interface SpawnOptions {
  /** Default `"null"`: no child reads the terminal. */
  stdin?: "piped" | "null";
  /** Default `"piped"`: read it (or cancel it), or the child blocks once the pipe is full. */
  stdout?: "piped" | "inherit" | "null";
  /** Default `"piped"`. */
  stderr?: "piped" | "inherit" | "null";
  /** Added to this process's environment. */
  env?: Readonly<Record<string, string>>;
  /** Working directory; default this process's. */
  cwd?: string;
  /**
   * What {@linkcode killChildren} sends it; default SIGKILL. A child that is itself a bench driver gets
   * SIGTERM, so that it can stop its own children first (SIGKILL would orphan them).
   */
  exitSignal?: Deno.Signal;
}

/** Spawns a child that is killed when this process goes (see the module doc). */
export function spawn(
  program: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Deno.ChildProcess {
  const child = new Deno.Command(program, {
    args: [...args],
    stdin: options.stdin ?? "null",
    stdout: options.stdout ?? "piped",
    stderr: options.stderr ?? "piped",
    ...(options.env ? { env: { ...options.env } } : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  }).spawn();
  children.set(child, options.exitSignal ?? "SIGKILL");
  child.status.then(() => children.delete(child));
  return child;
}

/**
 * Stops a child: SIGTERM, then SIGKILL if it is still there after `graceMs` (a profiled server needs the
 * grace to write its profile); `graceMs` 0: SIGKILL at once. Resolves once it has exited.
 */
export async function stopChild(child: Deno.ChildProcess, graceMs = 2000): Promise<Deno.CommandStatus> {
  try {
    child.kill(graceMs > 0 ? "SIGTERM" : "SIGKILL");
  } catch {
    // already gone
  }
  if (graceMs <= 0) return await child.status;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gone = await Promise.race([
    child.status.then(() => true),
    new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), graceMs)),
  ]);
  clearTimeout(timer);
  if (!gone) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  return await child.status;
}

/** `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------------------
// Reading a child's output

/**
 * Keeps the last `limit` characters of a child's stream (a server's output, for the error message when it
 * fails; `Infinity` for a result the child prints last), draining it so the child never blocks on a full
 * pipe, and tells when a line matching a pattern has appeared. `onLine` sees every line as it comes (to
 * pass a child's log through). A killed child ends the stream early; that is not an error here.
 */
export class Tail {
  text = "";
  readonly done: Promise<void>;
  #waiters: { pattern: RegExp; resolve: (match: RegExpExecArray) => void }[] = [];

  constructor(
    stream: ReadableStream<Uint8Array>,
    readonly limit = 8000,
    onLine?: (line: string) => void,
  ) {
    this.done = this.#pump(stream, onLine);
  }

  async #pump(stream: ReadableStream<Uint8Array>, onLine?: (line: string) => void): Promise<void> {
    let rest = "";
    try {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        this.text = (this.text + chunk).slice(-this.limit);
        if (onLine) {
          rest += chunk;
          let nl;
          while ((nl = rest.indexOf("\n")) !== -1) {
            onLine(rest.slice(0, nl));
            rest = rest.slice(nl + 1);
          }
        }
        this.#waiters = this.#waiters.filter((w) => {
          const match = this.#find(w.pattern);
          if (!match) return true;
          w.resolve(match);
          return false;
        });
      }
    } catch {
      // child killed
    }
    if (onLine && rest !== "") onLine(rest);
  }

  #find(pattern: RegExp): RegExpExecArray | null {
    for (const line of this.text.split("\n")) {
      const match = pattern.exec(line.trim());
      if (match) return match;
    }
    return null;
  }

  /** Resolves once a line (spaces around it ignored) matches `pattern`, with the match. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray> {
    const match = this.#find(pattern);
    if (match) return Promise.resolve(match);
    return new Promise((resolve) => this.#waiters.push({ pattern, resolve }));
  }
}

/** A child that said it is ready. */
export interface Started {
  child: Deno.ChildProcess;
  /** Its stdout, drained. */
  stdout: Tail;
  /** Its stderr, drained; null when it goes to this process's stderr (`stderr: "inherit"`). */
  stderr: Tail | null;
  exited: Promise<Deno.CommandStatus>;
  /** The ready line's match (e.g. the port of a server that printed `ready <port>`). */
  ready: RegExpExecArray;
}

/** How {@linkcode start} knows that a child is ready. */
export interface StartOptions extends Omit<SpawnOptions, "stdin" | "stdout"> {
  /** The line that says so; default `ready`. */
  ready?: RegExp;
  /** How long it may take; default 20 s (runtimes start slowly on this loaded 2-core machine). */
  timeoutMs?: number;
  /** Every stderr line as it comes (to pass a server's log through). */
  onStderrLine?: (line: string) => void;
  /** Names the child in errors; default `server`. */
  what?: string;
}

/** The last 25 lines a started child printed, for error messages ("ready" left out). */
export function output(started: Pick<Started, "stdout" | "stderr">): string {
  const text = `${started.stdout.text}\n${started.stderr?.text ?? ""}`.trim();
  return text.split("\n").filter((l) => l.trim() !== "ready").slice(-25).join("\n");
}

/**
 * Spawns `program args` (see {@linkcode spawn}) and waits until it prints a line matching `ready`. Throws,
 * with what the child printed, when it exits or stays silent past the timeout; it is then still tracked,
 * so {@linkcode killChildren} ends it.
 */
export async function start(
  program: string,
  args: readonly string[],
  options: StartOptions = {},
): Promise<Started> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const readyPattern = options.ready ?? /^ready$/;
  const child = spawn(program, args, { ...options, stdin: "null", stdout: "piped" });
  const started: Omit<Started, "ready"> = {
    child,
    stdout: new Tail(child.stdout),
    stderr: options.stderr === "inherit" || options.stderr === "null"
      ? null
      : new Tail(child.stderr, 8000, options.onStderrLine),
    exited: child.status,
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    started.stdout.waitFor(readyPattern),
    started.exited.then((s) => `exited with code ${s.code}${s.signal ? ` (${s.signal})` : ""}`),
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`printed no "ready" within ${timeoutMs} ms`), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (typeof outcome === "string") {
    throw new Error(`${options.what ?? "server"} ${outcome}\n${output(started)}`);
  }
  return { ...started, ready: outcome };
}

/** Stops a started child ({@linkcode stopChild}) and waits until its output is drained. */
export async function stop(started: Started, graceMs = 2000): Promise<void> {
  await stopChild(started.child, graceMs);
  await Promise.all([started.stdout.done, started.stderr?.done]);
}
