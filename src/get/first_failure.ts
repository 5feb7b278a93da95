/**
 * The exit status of a run of many downloads.
 *
 * @module
 */

/** How one file of a run ended. */
export interface FileOutcome {
  /** 0 when the file was saved, else its exit code. */
  code: number;
  /** Stopped by `--fail-fast` (or never started): not a failure of its own. */
  cancelled?: boolean;
}

/**
 * The exit status of a run: 0 when every file was saved, otherwise the code
 * of the first failed file in input order. Files that `--fail-fast`
 * cancelled do not count: the failure that stopped the run does.
 *
 * @param outcomes the files' outcomes, in input order
 * @returns the exit code
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { firstFailure } from "./first_failure.ts";
 *
 * assert(firstFailure([{ code: 0 }, { code: 22 }, { code: 7 }]) === 22);
 * assert(firstFailure([{ code: 1, cancelled: true }, { code: 7 }]) === 7);
 * assert(firstFailure([{ code: 0 }]) === 0);
 * ```
 */
export function firstFailure(outcomes: readonly FileOutcome[]): number {
  return outcomes.find((outcome) => outcome.code !== 0 && !outcome.cancelled)?.code ?? 0;
}
