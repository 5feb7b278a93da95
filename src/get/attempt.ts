/**
 * One attempt's cancellation: a phase timer (connect, then idle) and the
 * `--max-time` deadline, each aborting with a reason that names its flag.
 *
 * @module
 */
import { TimeoutReason } from "./errors.ts";

/** Options for {@linkcode Attempt}. */
export interface AttemptOptions {
  /** When the whole run must end (`--max-time`), on the clock of `now`. */
  deadlineAt?: number;
  /** The current time on the same clock. */
  now: number;
  /** `--max-time` in milliseconds, for the message. */
  maxTimeMs?: number;
}

/**
 * One attempt's cancellation: a timeout aborts `controller` with a
 * {@linkcode TimeoutReason} and keeps it in `timeout`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Attempt } from "./attempt.ts";
 *
 * const attempt = new Attempt({ now: 0 });
 * attempt.arm(1, "No data for 0.001 s (--idle-timeout)");
 * await new Promise((resolve) => setTimeout(resolve, 20));
 * assert(attempt.controller.signal.aborted && attempt.timeout !== undefined);
 * attempt.disarm();
 * ```
 */
export class Attempt {
  /** Aborts the fetch and its body. */
  readonly controller: AbortController = new AbortController();
  /** Why netkit aborted, once it did. */
  timeout?: TimeoutReason;
  #timer?: ReturnType<typeof setTimeout>;
  #deadline?: ReturnType<typeof setTimeout>;

  /** @param options the run's deadline, if any */
  constructor(options: AttemptOptions) {
    if (options.deadlineAt !== undefined) {
      const seconds = (options.maxTimeMs ?? 0) / 1000;
      this.#deadline = setTimeout(
        () => this.#fire(`Operation timed out after ${seconds} s (--max-time)`),
        Math.max(0, options.deadlineAt - options.now),
      );
    }
  }

  /** (Re)arms the phase timer: connect or idle. */
  arm(ms: number, message: string): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#fire(message), ms);
  }

  /** Stops both timers. */
  disarm(): void {
    clearTimeout(this.#timer);
    clearTimeout(this.#deadline);
  }

  #fire(message: string): void {
    if (this.timeout) return;
    this.timeout = new TimeoutReason(message);
    this.controller.abort(this.timeout);
  }
}
