/**
 * The outlier flag `query-time` prints next to an answer.
 *
 * @module
 */
import { median } from "./_median.ts";

/**
 * Which offsets lie more than `toleranceS` from their median: the answers
 * whose window of ± `toleranceS` does not hold the median. With fewer than
 * two there is nothing to compare, so none is an outlier.
 *
 * @param offsets offsets in seconds
 * @param toleranceS allowed distance from the median
 * @returns one flag per offset
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flagOutliers } from "./flag_outliers.ts";
 *
 * assert(flagOutliers([0.1, 0.2, 30], 5).join() === "false,false,true");
 * ```
 */
export function flagOutliers(offsets: readonly number[], toleranceS: number): boolean[] {
  if (offsets.length < 2) return offsets.map(() => false);
  const middle = median(offsets);
  return offsets.map((o) => Math.abs(o - middle) > toleranceS);
}
