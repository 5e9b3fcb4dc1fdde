/**
 * The read side's pause switch for adapters with a read loop (Deno, Web Streams): while paused the loop
 * awaits `wait()`, so nothing is read and the OS receive window pushes back on the peer.
 *
 * @module
 */

/** A pause switch a read loop can wait on. */
export class PauseGate {
  /** Whether reading is paused. */
  paused = false;
  #wake: (() => void) | undefined;

  /** Pauses reading (takes effect at the loop's next check). */
  pause(): void {
    this.paused = true;
  }

  /** Resumes reading and wakes a waiting loop. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.wake();
  }

  /** Resolves when `resume()` or `wake()` is called. */
  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  /** Wakes a waiting loop without resuming, so it can see that the connection closed. */
  wake(): void {
    const wake = this.#wake;
    if (wake !== undefined) {
      this.#wake = undefined;
      wake();
    }
  }
}
