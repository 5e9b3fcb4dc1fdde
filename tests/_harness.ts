/**
 * One suite, two runtimes. Test files call {@linkcode test} from here; on Deno it registers the test with
 * `Deno.test` (op and resource sanitizers on, so a leaked socket or timer fails the test), on Bun with
 * `bun:test`. Assertions come from `node:assert/strict`, which both runtimes ship.
 *
 * @module
 */

/** A test body; it may return a promise. */
export type TestFn = () => void | Promise<void>;

/** Per-test options. */
export interface TestOptions {
  /** Milliseconds before the test fails as hung (default 30 000). */
  timeout?: number;
  /** Why the test is skipped; a skipped test must say why. */
  ignore?: string;
}

interface DenoTestLike {
  test(def: {
    name: string;
    fn: TestFn;
    ignore?: boolean;
    sanitizeOps: boolean;
    sanitizeResources: boolean;
  }): void;
}
type BunTestLike = ((name: string, fn: TestFn, timeout?: number) => void) & {
  skip(name: string, fn: TestFn): void;
};

/** Which runtime runs the suite. */
export const runtime: "bun" | "deno" = "Bun" in globalThis ? "bun" : "deno";

const denoGlobal = (globalThis as { Deno?: DenoTestLike }).Deno;
// A computed specifier keeps `deno check` from trying to resolve Bun's built-in module.
const bunModule = "bun:test";
const bunTest: BunTestLike | undefined = runtime === "bun"
  ? ((await import(bunModule)) as { test: BunTestLike }).test
  : undefined;

/**
 * Registers a test on whichever runtime is running the file.
 *
 * @example
 * ```ts
 * import { test } from "./_harness.ts";
 * import assert from "node:assert/strict";
 * test("addition adds", () => assert.equal(1 + 1, 2));
 * ```
 */
export function test(name: string, fn: TestFn, options: TestOptions = {}): void {
  if (bunTest) {
    if (options.ignore) bunTest.skip(name, fn);
    else bunTest(name, fn, options.timeout ?? 30_000);
    return;
  }
  if (!denoGlobal) throw new Error("Cannot register test: neither Deno nor Bun is running");
  const limit = options.timeout ?? 30_000;
  denoGlobal.test({
    name,
    // Deno.test has no timeout of its own; a hung test must fail, not stall CI.
    fn: () => withTimeout(fn, limit, name),
    ignore: options.ignore !== undefined,
    sanitizeOps: true,
    sanitizeResources: true,
  });
}

async function withTimeout(fn: TestFn, ms: number, name: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Test "${name}" timed out after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([fn(), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves when `emitter` emits `event`, with the event's arguments; rejects on `'error'` unless the
 * awaited event is `'error'` itself. Lets tests await events instead of sleeping.
 */
export function once<T extends unknown[] = unknown[]>(
  emitter: {
    // deno-lint-ignore no-explicit-any
    once(event: string, fn: (...args: any[]) => void): unknown;
    // deno-lint-ignore no-explicit-any
    off?(event: string, fn: (...args: any[]) => void): unknown;
  },
  event: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onError = (err: unknown) => {
      emitter.off?.(event, onEvent as never);
      reject(err);
    };
    const onEvent = (...args: unknown[]) => {
      if (event !== "error") emitter.off?.("error", onError as never);
      resolve(args as T);
    };
    emitter.once(event, onEvent as never);
    if (event !== "error") emitter.once("error", onError as never);
  });
}
