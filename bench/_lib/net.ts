/**
 * Ports and `wrk`, for the benches that drive servers over 127.0.0.1 (`server`, `https`, `memory`,
 * `upload`). Deno only: the drivers run on Deno, whichever runtime the servers they start run on.
 *
 * @module
 */

import { spawn } from "./children.ts";

/**
 * A port that is free on 127.0.0.1 right now: the kernel picks one for a listener that is closed at once.
 * Another process could take it before the server binds it; on this machine that has not happened, and a
 * server that cannot bind fails its start, so a taken port shows as an error, never as a wrong number.
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** One `wrk` run. */
export interface WrkOptions {
  /** The whole URL, e.g. `http://127.0.0.1:8080/` or `https://…`. */
  url: string;
  /** Length of the run (`-d`), in seconds. */
  seconds: number;
  /** `-t`: wrk's threads. */
  threads: number;
  /** `-c`: connections kept open, all keep-alive. */
  connections: number;
  /** A Lua script (`-s`), e.g. one that turns every request into a POST with a body. */
  script?: string;
}

/** What one `wrk` run reported. */
export interface WrkResult {
  rps: number;
  /** Requests completed in the run. */
  requests: number;
  /** Non-2xx responses and socket errors, empty when there were none. */
  errors: string;
  /** wrk's whole output (stdout then stderr). */
  raw: string;
}

const decoder = new TextDecoder();

/**
 * Runs `wrk -t<threads> -c<connections> -d<seconds>s [-s script] <url>` and reads its summary. Throws when
 * wrk fails or prints no Requests/sec, so that a broken run never passes as a number; errors wrk counted
 * but survived (non-2xx, socket errors) are returned in `errors` for the caller to show next to the number.
 */
export async function wrk(options: WrkOptions): Promise<WrkResult> {
  const args = [`-t${options.threads}`, `-c${options.connections}`, `-d${options.seconds}s`];
  if (options.script !== undefined) args.push("-s", options.script);
  args.push(options.url);
  // Spawned through the harness, so a driver stopped mid-run does not leave wrk loading the machine.
  const out = await spawn("wrk", args).output();
  const raw = decoder.decode(out.stdout) + decoder.decode(out.stderr);
  const rps = Number(/Requests\/sec:\s*([\d.]+)/.exec(raw)?.[1] ?? NaN);
  const errors: string[] = [];
  const non2xx = /Non-2xx or 3xx responses:\s*(\d+)/.exec(raw);
  if (non2xx) errors.push(`${non2xx[1]} non-2xx`);
  const socket = /Socket errors:\s*(.*)/.exec(raw);
  if (socket) errors.push(`socket errors: ${socket[1]}`);
  if (!out.success || Number.isNaN(rps)) throw new Error(`wrk failed (code ${out.code}):\n${raw}`);
  const requests = Number(/(\d+) requests in/.exec(raw)?.[1] ?? 0);
  return { rps, requests, errors: errors.join("; "), raw };
}

/** Whether `wrk` is on PATH (the benches that need it say how to install it instead of failing later). */
export async function wrkAvailable(): Promise<boolean> {
  try {
    await new Deno.Command("wrk", { args: ["--version"], stdout: "null", stderr: "null" }).output();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Exits with the install command when `wrk` is missing. */
export async function requireWrk(): Promise<void> {
  if (await wrkAvailable()) return;
  console.error("wrk is not installed. Install it with:\n\n    apt-get install -y wrk\n");
  Deno.exit(1);
}

/** Writes all of `bytes` (a socket write may take only part of them). */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}
