/**
 * Reading the closing summaries of `deno test` and `bun test`, for the test
 * runner (scripts/test.ts).
 *
 * @module
 */

/** How many tests passed, failed and were skipped. */
export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * The counts in `deno test`'s closing line
 * (`ok | 21 passed (3 steps) | 0 failed | 1 ignored`), or null if there is none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoCounts } from "./_counts.ts";
 *
 * const counts = denoCounts("FAILED | 20 passed (2 steps) | 1 failed | 3 ignored (9s)");
 * assert.deepEqual(counts, { passed: 20, failed: 1, skipped: 3 });
 * assert.equal(denoCounts("no summary here"), null);
 * ```
 */
export function denoCounts(output: string): Tally | null {
  const m =
    /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \(\d+ steps?\))?(?: \| (\d+) ignored)?/
      .exec(output);
  return m ? { passed: +m[1], failed: +m[2], skipped: +(m[3] ?? 0) } : null;
}

/**
 * The counts in `bun test`'s closing lines (` 21 pass`, ` 1 skip`, ` 0 fail`,
 * each on a line of its own), or null if there are none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bunCounts } from "./_counts.ts";
 *
 * const counts = bunCounts(" 21 pass\n 1 skip\n 0 fail\nRan 22 tests across 3 files.\n");
 * assert.deepEqual(counts, { passed: 21, failed: 0, skipped: 1 });
 * ```
 */
export function bunCounts(output: string): Tally | null {
  const num = (word: string) => Number(new RegExp(`^\\s*(\\d+) ${word}$`, "m").exec(output)?.[1]);
  const passed = num("pass");
  if (Number.isNaN(passed)) return null;
  return { passed, failed: num("fail") || 0, skipped: num("skip") || 0 };
}
