/**
 * The median of a list of numbers: the middle one, or the mean of the two
 * middle ones. Shared by the outlier flag and the clock-set plan.
 *
 * @module
 */

/**
 * The median of `values` (NaN for none).
 *
 * @param values numbers in any order
 * @returns the middle value, or the mean of the two middle values
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { median } from "./_median.ts";
 *
 * assert(median([3, 1, 2]) === 2 && median([4, 1, 2, 3]) === 2.5);
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
