/**
 * The server's timeouts (Node's `headersTimeout`, `requestTimeout`, `keepAliveTimeout`): one sweep timer
 * per server rather than timers per connection, so a request only writes timestamps, and the rule that
 * says which timeout a connection has overrun. What to do about an overrun (408, or close) is the
 * connection's.
 *
 * @module
 */

/** The timeouts a server enforces, in ms (0: none). */
export interface ServerTimeouts {
  /** Milliseconds an idle keep-alive connection stays open. */
  readonly keepAliveTimeout: number;
  /** Milliseconds to receive a request head. */
  readonly headersTimeout: number;
  /** Milliseconds to receive a whole request. */
  readonly requestTimeout: number;
}

/**
 * A connection's clock: when (ms) its current head, request and idle spell began; 0 when not running.
 * One small mutable value per connection, changed in place by the functions below (no allocation per
 * request).
 */
export interface ConnectionClock {
  headStartedAt: number;
  requestStartedAt: number;
  idleSince: number;
}

/**
 * A clock whose head and request run from `now`: Node counts a new connection as waiting for its first
 * head, so headersTimeout applies from the accept.
 *
 * @example
 * ```ts ignore
 * const clock = newClock(Date.now());
 * ```
 */
export function newClock(now: number): ConnectionClock {
  return { headStartedAt: now, requestStartedAt: now, idleSince: 0 };
}

/**
 * A request began arriving at `now` (its head's first bytes): the head's and the request's budgets run,
 * the idle spell ends.
 *
 * @example
 * ```ts ignore
 * if (clock.headStartedAt === 0 && parser.inHead) requestStarted(clock, Date.now());
 * ```
 */
export function requestStarted(clock: ConnectionClock, now: number): void {
  clock.headStartedAt = now;
  clock.requestStartedAt = now;
  clock.idleSince = 0;
}

/**
 * An exchange completed with nothing in flight: the keep-alive spell runs from `now`, unless the next
 * head already started arriving (its headersTimeout runs instead) or the spell already runs.
 *
 * @example
 * ```ts ignore
 * if (state.action === "idle") idleFrom(clock, Date.now());
 * ```
 */
export function idleFrom(clock: ConnectionClock, now: number): void {
  if (clock.idleSince === 0 && clock.headStartedAt === 0) clock.idleSince = now;
}

/**
 * Nothing is being received any more (the request failed, timed out or left HTTP): the head's and the
 * request's budgets stop.
 *
 * @example
 * ```ts ignore
 * stopRequestClock(clock);
 * ```
 */
export function stopRequestClock(clock: ConnectionClock): void {
  clock.headStartedAt = 0;
  clock.requestStartedAt = 0;
}

/** Which timeout a connection overran: keep-alive (idle too long) or the request's (head or whole). */
export type Overrun = "idle" | "request" | null;

/**
 * The timeout `clock` has overrun at `now`, if any. An idle connection is judged by the keep-alive
 * timeout alone; otherwise the head's and the whole request's budgets apply.
 *
 * @example
 * ```ts ignore
 * if (overrun(conn, server, Date.now()) === "request") fail(requestTimedOut());
 * ```
 */
export function overrun(clock: ConnectionClock, timeouts: ServerTimeouts, now: number): Overrun {
  if (
    clock.idleSince > 0 && timeouts.keepAliveTimeout > 0 && now - clock.idleSince >= timeouts.keepAliveTimeout
  ) {
    return "idle";
  }
  const headLate = clock.headStartedAt > 0 && timeouts.headersTimeout > 0 &&
    now - clock.headStartedAt >= timeouts.headersTimeout;
  const requestLate = clock.requestStartedAt > 0 && timeouts.requestTimeout > 0 &&
    now - clock.requestStartedAt >= timeouts.requestTimeout;
  return headLate || requestLate ? "request" : null;
}

/**
 * Starts the sweep that checks `connections` against the timeouts: every `interval` ms, or by default a
 * quarter of the shortest timeout, between 50 ms and 1 s (Node's `connectionsCheckingInterval`).
 * Returns the timer, for `clearInterval` when the server closes.
 *
 * @example
 * ```ts ignore
 * state.sweep ??= startSweep(state.connections, server, options.connectionsCheckingInterval);
 * ```
 */
export function startSweep(
  connections: ReadonlySet<{ checkTimeouts(now: number): void }>,
  timeouts: ServerTimeouts,
  interval: number | undefined,
): ReturnType<typeof setInterval> {
  const shortest = Math.min(
    ...[timeouts.headersTimeout, timeouts.requestTimeout, timeouts.keepAliveTimeout].filter((t) => t > 0),
  );
  const every = interval ?? Math.max(50, Math.min(1000, Math.floor(shortest / 4)));
  return setInterval(() => {
    const now = Date.now();
    for (const conn of connections) conn.checkTimeouts(now);
  }, every);
}
