/**
 * Repeated log lines, thinned: a long outage makes the same failure every
 * minute, and a device's log is small. The first line of a kind is always
 * written; the same kind again only after `windowMs`, with a count of the
 * ones left out.
 *
 * @module
 */

/** Default quiet period for a repeated line: 10 minutes. */
export const DEFAULT_LOG_WINDOW_MS = 600_000;

/** Options for {@linkcode LogThrottle}. */
export interface LogThrottleOptions {
  /** Where lines go. */
  log(line: string): void;
  /** A monotonic clock, ms. */
  now(): number;
  /** How long the same kind of line is held back. @default DEFAULT_LOG_WINDOW_MS */
  windowMs?: number;
  /** Kinds remembered at most (the oldest is forgotten first). @default 256 */
  maxKinds?: number;
}

interface _Seen {
  at: number;
  held: number;
}

/**
 * Writes a line unless the same kind was written within the window.
 *
 * @example The second identical failure within 10 minutes is held back, and counted
 * ```ts
 * import assert from "node:assert/strict";
 * import { LogThrottle } from "./log_throttle.ts";
 *
 * let now = 0;
 * const lines: string[] = [];
 * const throttle = new LogThrottle({ log: (l) => lines.push(l), now: () => now });
 * throttle.write("a:refused", "a: connection refused");
 * throttle.write("a:refused", "a: connection refused");
 * now = 600_000;
 * throttle.write("a:refused", "a: connection refused");
 * assert.deepEqual(lines, [
 *   "a: connection refused",
 *   "a: connection refused (1 more like it in the last 10 min)",
 * ]);
 * ```
 */
export class LogThrottle {
  #options: LogThrottleOptions;
  #seen = new Map<string, _Seen>();

  /** @param options where lines go, the clock and the window */
  constructor(options: LogThrottleOptions) {
    this.#options = options;
  }

  /**
   * Writes `line`, or holds it back.
   *
   * @param kind what makes two lines the same (say, the source and the failure)
   * @param line the text
   * @returns whether it was written
   */
  write(kind: string, line: string): boolean {
    const now = this.#options.now();
    const windowMs = this.#options.windowMs ?? DEFAULT_LOG_WINDOW_MS;
    const seen = this.#seen.get(kind);
    if (seen && now - seen.at < windowMs) {
      seen.held++;
      return false;
    }
    const span = windowMs >= 60_000
      ? `${Math.round(windowMs / 60_000)} min`
      : `${Math.round(windowMs / 1000)} s`;
    const held = seen?.held ? ` (${seen.held} more like it in the last ${span})` : "";
    this.#options.log(line + held);
    this.#seen.delete(kind);
    this.#seen.set(kind, { at: now, held: 0 });
    if (this.#seen.size > (this.#options.maxKinds ?? 256)) {
      this.#seen.delete(this.#seen.keys().next().value!);
    }
    return true;
  }

  /** Forgets every kind: after a sync, the next failure is news again. */
  reset(): void {
    this.#seen.clear();
  }
}
