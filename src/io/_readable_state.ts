/**
 * The one way into a `Readable`'s internal state (`_readableState`) for this package: the fields read or
 * set where no public member says the same (what Node's own http code reads too). Node's, Deno's and
 * Bun's `node:stream` all have them (Bun's are accessors over its bit field).
 *
 * @module
 */

import type { Readable } from "node:stream";

/** The fields of a `Readable`'s state used here. */
export interface ReadableStateFields {
  /** Whether the stream destroys itself once it ended (and finished, for a Duplex). */
  autoDestroy: boolean;
  /** Bytes queued. */
  readonly length: number;
  /** `push(null)` came: no more data will be queued. */
  readonly ended: boolean;
  /** `'end'` was emitted (a socket that emits its own `'end'` sets it). */
  endEmitted: boolean;
  /** `'close'` was emitted. */
  readonly closeEmitted: boolean;
  /** A `'readable'` is scheduled or was emitted and not yet read from. */
  emittedReadable: boolean;
  /** A `maybeReadMore` step is pending, or (set by us) must not be scheduled. */
  readingMore: boolean;
  /** `resume()` was called and its tick has not run yet. */
  readonly resumeScheduled: boolean;
}

/**
 * `stream._readableState`, typed with the fields used here.
 *
 * @example
 * ```ts ignore
 * if (readableState(msg).endEmitted) return;
 * ```
 */
export function readableState(stream: Readable): ReadableStateFields {
  return (stream as unknown as { _readableState: ReadableStateFields })._readableState;
}
