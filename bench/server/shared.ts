/**
 * What every server in `servers/` agrees on: the port (argv or `PORT`), the scenario (argv or `SCENARIO`),
 * the hello-world body and the echo body that `post.lua` sends. Runs on Deno and Bun (only `node:process`).
 *
 * @module
 */

import process from "node:process";

/** `hello`: GET / answered with "Hello, World!"; `echo`: POST with a 4 KiB body, sent back. */
export type Scenario = "hello" | "echo";

/** `<runtime> <file> [port] [scenario]`; `PORT` / `SCENARIO` in the environment also work. */
export function serverArgs(): { port: number; scenario: Scenario } {
  const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
  const scenario = (process.argv[3] ?? process.env.SCENARIO ?? "hello") === "echo" ? "echo" : "hello";
  return { port, scenario };
}

export const HOST = "127.0.0.1";
export const HELLO = "Hello, World!";
export const HELLO_TYPE = "text/plain";
export const ECHO_TYPE = "application/octet-stream";
/** Must match `post.lua`: `string.rep("0123456789abcdef", 256)`. */
export const ECHO_BODY: string = "0123456789abcdef".repeat(256);

/**
 * The canned response for the ceiling servers: same status, headers and body as the real servers send
 * (a Date of the same length as a live one, fixed at start-up).
 */
export function cannedResponse(scenario: Scenario): Uint8Array {
  const [type, body] = scenario === "echo" ? [ECHO_TYPE, ECHO_BODY] : [HELLO_TYPE, HELLO];
  const head = `HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ncontent-length: ${body.length}\r\n` +
    `date: ${new Date().toUTCString()}\r\n\r\n`;
  return new TextEncoder().encode(head + body);
}

/** Body bytes that follow each request head in the scenario (wrk sends the same request every time). */
export function requestBodyLength(scenario: Scenario): number {
  return scenario === "echo" ? ECHO_BODY.length : 0;
}

/**
 * Counts complete request heads in a byte stream and skips the fixed-size body after each one; the state
 * survives across reads. Used by the canned-response ceilings: no parsing, just framing.
 */
export class HeadCounter {
  /** Progress through "\r\n\r\n": 0 none, 1 "\r", 2 "\r\n", 3 "\r\n\r". */
  #matched = 0;
  #skip = 0;
  readonly #bodyLength: number;

  constructor(bodyLength: number) {
    this.#bodyLength = bodyLength;
  }

  /** Returns how many request heads end in `bytes[0, length)`. */
  count(bytes: Uint8Array, length: number): number {
    let heads = 0;
    let matched = this.#matched;
    let i = 0;
    while (i < length) {
      if (this.#skip > 0) {
        const take = Math.min(this.#skip, length - i);
        this.#skip -= take;
        i += take;
        continue;
      }
      const b = bytes[i++];
      if (b === 13) matched = matched === 2 ? 3 : 1;
      else if (b === 10) {
        if (matched === 3) {
          heads++;
          matched = 0;
          this.#skip = this.#bodyLength;
        } else matched = matched === 1 ? 2 : 0;
      } else matched = 0;
    }
    this.#matched = matched;
    return heads;
  }
}

/** `response` repeated `times` times, cached per count. */
export function repeated(response: Uint8Array): (times: number) => Uint8Array {
  const cache: Uint8Array[] = [new Uint8Array(0), response];
  return (times) => {
    let out = cache[times];
    if (!out) {
      out = new Uint8Array(response.length * times);
      for (let k = 0; k < times; k++) out.set(response, k * response.length);
      if (times < 1024) cache[times] = out;
    }
    return out;
  };
}

/**
 * With `BENCH_PROFILE` set, SIGINT/SIGTERM end the process through `process.exit(0)`, so that a profiler
 * started with the runtime (`bun --cpu-prof`) writes its file. Without it, signals keep their default.
 */
export function exitOnSignalsWhenProfiling(): void {
  if (!process.env.BENCH_PROFILE) return;
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
}
