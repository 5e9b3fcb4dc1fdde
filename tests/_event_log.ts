/**
 * Test helper: events logged in the order they came, with a way to wait for one (the lifecycle tests
 * compare the whole order with Node's).
 *
 * @module
 */

/** Events in the order they came, with a way to wait for one. */
export class EventLog {
  readonly entries: string[] = [];
  #waiters: { entry: string; resolve: () => void }[] = [];

  /** Logs `entry` and wakes whoever waits for it. */
  push(entry: string): void {
    this.entries.push(entry);
    for (const waiter of this.#waiters.filter((w) => w.entry === entry)) waiter.resolve();
  }

  /** Resolves once `entry` has been logged. */
  until(entry: string): Promise<void> {
    if (this.entries.includes(entry)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ entry, resolve }));
  }
}
