/**
 * The errors an outgoing message throws or reports, with Node's codes and messages (code that handles
 * them, and Node's own tests, match on both). Here so the message's methods say when, not how.
 *
 * @module
 */

import { HttpUsageError } from "../core/errors.ts";

/**
 * `ERR_HTTP_HEADERS_SENT`: a field changed after the head was fixed; `action` is what was tried.
 *
 * @example
 * ```ts ignore
 * if (this.headersSent) throw headersSentError("set");
 * ```
 */
export function headersSentError(action: "set" | "append" | "remove" | "write"): HttpUsageError {
  return new HttpUsageError(
    "ERR_HTTP_HEADERS_SENT",
    `Cannot ${action} headers after they are sent to the client`,
  );
}

/**
 * `ERR_STREAM_WRITE_AFTER_END`: `write()` after `end()`.
 *
 * @example
 * ```ts ignore
 * callback?.(writeAfterEnd());
 * ```
 */
export function writeAfterEnd(): HttpUsageError {
  return new HttpUsageError("ERR_STREAM_WRITE_AFTER_END", "write after end");
}

/**
 * `ERR_STREAM_DESTROYED`: `write()` on a destroyed message.
 *
 * @example
 * ```ts ignore
 * callback?.(writeAfterDestroy());
 * ```
 */
export function writeAfterDestroy(): HttpUsageError {
  return new HttpUsageError("ERR_STREAM_DESTROYED", "Cannot call write after a stream was destroyed");
}

/**
 * `ERR_STREAM_ALREADY_FINISHED`: a second `end()`, told to its callback.
 *
 * @example
 * ```ts ignore
 * callback?.(alreadyFinished());
 * ```
 */
export function alreadyFinished(): HttpUsageError {
  return new HttpUsageError("ERR_STREAM_ALREADY_FINISHED", "Cannot call end after a stream was finished");
}

/**
 * `ERR_STREAM_NULL_VALUES`, a `TypeError` as Node's: `write(null)`.
 *
 * @example
 * ```ts ignore
 * if (chunk === null) throw nullChunk();
 * ```
 */
export function nullChunk(): TypeError {
  return Object.assign(new TypeError("May not write null values to stream"), {
    code: "ERR_STREAM_NULL_VALUES",
  });
}

/**
 * `ERR_HTTP_CONTENT_LENGTH_MISMATCH` (`strictContentLength`): the body would be `actual` bytes where the
 * head declared `declared`.
 *
 * @example
 * ```ts ignore
 * throw contentLengthMismatch(3, 5);
 * ```
 */
export function contentLengthMismatch(actual: number, declared: number): HttpUsageError {
  return new HttpUsageError(
    "ERR_HTTP_CONTENT_LENGTH_MISMATCH",
    `Response body's content-length of ${actual} byte(s) does not match the content-length of ` +
      `${declared} byte(s) set in header`,
  );
}
