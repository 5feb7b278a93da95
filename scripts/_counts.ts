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

/**
 * The failing tests a `bun test` or `deno test` run printed, one line each
 * (file, name and the first line of the error where the runner gives them),
 * so the closing summary says which tests failed and not only how many.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failedTests } from "./_counts.ts";
 *
 * const bun = "a_test.ts:\nerror: expect(received).toBe(expected)\n" +
 *   "      at <anonymous> (a_test.ts:2:42)\n(fail) adds up [0.18ms]\n(pass) other [0.02ms]\n" +
 *   "b_test.ts:\nAssertionError: stderr: busy\n(fail) runs [3.1ms]\n\n" +
 *   "2 tests failed:\n(fail) adds up [0.18ms]\n(fail) runs [3.1ms]\n"; // Bun's repeat at the end
 * assert.deepEqual(failedTests(bun), [
 *   "a_test.ts > adds up: error: expect(received).toBe(expected)",
 *   "b_test.ts > runs: AssertionError: stderr: busy",
 * ]);
 * const deno = " FAILURES \n\nadds up => ./a_test.ts:1:6\n\nFAILED | 0 passed | 1 failed (21ms)\n";
 * assert.deepEqual(failedTests(deno), ["adds up => ./a_test.ts:1:6"]);
 * ```
 */
export function failedTests(output: string): string[] {
  const found: string[] = [];
  let file = "";
  let error = "";
  let inDenoFailures = false;
  let inBunRepeat = false;
  for (const line of output.split("\n")) {
    if (/^\S.*_test\.ts:$/.test(line)) [file, error, inBunRepeat] = [line.slice(0, -1), "", false];
    else if (/^\d+ tests? failed:$/.test(line)) inBunRepeat = true; // the same (fail) lines again
    else if (!error && /^(error: |\w*Error: )/.test(line)) error = line.slice(0, 300);
    else if (line.startsWith("(fail) ") && !inBunRepeat) {
      const name = line.slice(7).replace(/ \[[\d.]+m?s\]$/, "");
      found.push(`${file ? `${file} > ` : ""}${name}${error ? `: ${error}` : ""}`);
      error = "";
    } else if (line.startsWith("(pass) ") || line.startsWith("(skip) ")) error = "";
    else if (line.trim() === "FAILURES") inDenoFailures = true;
    else if (inDenoFailures && / => /.test(line)) found.push(line);
    else if (inDenoFailures && /^(ok|FAILED) \|/.test(line)) inDenoFailures = false;
  }
  return found;
}
