/**
 * Command-line options of the benches: `--name=value`, nothing else (no spaces, no short forms), so that
 * a bench's every option is visible in the command that produced a table. Runtime-neutral: `process.argv`
 * is the same on Deno and Bun (the parser bench and the client cells run on both).
 *
 * @module
 */

import process from "node:process";

/** The value of `--name=value` on the command line, or `fallback` when it is not there. */
export function option(name: string): string | undefined;
export function option(name: string, fallback: string): string;
export function option(name: string, fallback?: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.slice(2).find((a) => a.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}
