/**
 * Node's checks of a request's options, run by the `ClientRequest` constructor and `setTimeout()`
 * before anything is sent: each throws Node's error (code and message) for a value Node refuses.
 *
 * @module
 */

import process from "node:process";
import { HttpUsageError } from "../core/errors.ts";
import { invalidArgType, outOfRange } from "../io/_node_errors.ts";
import type { RequestOptions } from "./request_options.ts";

/** The longest timer runtimes take (2^31-1 ms), as Node's `TIMEOUT_MAX`. */
const TIMEOUT_MAX = 2 ** 31 - 1;

/**
 * Node's check of `protocol`: only `"http:"` and `"https:"` (`https` tells whether the options ask for
 * TLS, which an https agent or request module does without naming the protocol).
 *
 * @example
 * ```ts ignore
 * checkProtocol("ftp:", false); // throws ERR_INVALID_PROTOCOL
 * ```
 */
export function checkProtocol(protocol: string | undefined, https: boolean): void {
  if (protocol !== undefined && protocol !== "http:" && !https) {
    throw new HttpUsageError(
      "ERR_INVALID_PROTOCOL",
      `Protocol "${protocol}" not supported. Expected "http:" or "https:"`,
    );
  }
}

/**
 * Node's check of `method`'s type: a string, or absent (null and undefined mean GET).
 *
 * @example
 * ```ts ignore
 * checkMethodType(42); // throws ERR_INVALID_ARG_TYPE
 * ```
 */
export function checkMethodType(method: unknown): asserts method is string | null | undefined {
  if (method !== undefined && method !== null && typeof method !== "string") {
    throw invalidArgType("options.method", "string", method);
  }
}

/**
 * Node's checks of `maxHeaderSize` (an integer >= 0) and the boolean parser options.
 *
 * @example
 * ```ts ignore
 * checkParserOptions({ maxHeaderSize: -1 }); // throws ERR_OUT_OF_RANGE
 * ```
 */
export function checkParserOptions(options: RequestOptions): void {
  const size: unknown = options.maxHeaderSize;
  if (size !== undefined) {
    if (typeof size !== "number") throw invalidArgType("maxHeaderSize", "number", size);
    if (!Number.isInteger(size)) throw outOfRange("maxHeaderSize", "an integer", size);
    if (size < 0) throw outOfRange("maxHeaderSize", ">= 0 && <= 9007199254740991", size);
  }
  // Two plain checks, not a loop over a literal list: this runs for every request.
  checkBooleanOption(options.insecureHTTPParser, "insecureHTTPParser");
  checkBooleanOption(options.joinDuplicateHeaders, "joinDuplicateHeaders");
}

function checkBooleanOption(value: unknown, key: string): void {
  if (value !== undefined && typeof value !== "boolean") {
    throw invalidArgType(`options.${key}`, "boolean", value);
  }
}

/**
 * Node's `getTimerDuration`: a finite number >= 0, clamped to 2^31-1 ms with a warning, as Node's timers.
 *
 * @example
 * ```ts ignore
 * timerDuration(2 ** 32, "msecs"); // 2147483647, after a TimeoutOverflowWarning
 * ```
 */
export function timerDuration(ms: unknown, name: string): number {
  if (typeof ms !== "number") throw invalidArgType(name, "number", ms);
  if (!Number.isFinite(ms) || ms < 0) throw outOfRange(name, "a non-negative finite number", ms);
  if (ms > TIMEOUT_MAX) {
    // A member, not a named import: workerd's node:process has no `emitWarning` export.
    process.emitWarning?.(
      `${ms} does not fit into a 32-bit signed integer.\nTimer duration was truncated to ${TIMEOUT_MAX}.`,
      "TimeoutOverflowWarning",
    );
    return TIMEOUT_MAX;
  }
  return ms;
}

/**
 * Node's check of the `timeout` option: a non-negative number.
 *
 * @example
 * ```ts ignore
 * checkTimeout("1s"); // throws ERR_INVALID_ARG_TYPE
 * ```
 */
export function checkTimeout(value: unknown): void {
  if (typeof value !== "number") throw invalidArgType("timeout", "number", value);
  if (!(value >= 0)) throw outOfRange("timeout", ">= 0", value);
}
