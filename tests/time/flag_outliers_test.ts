import { test } from "node:test";
import assert from "node:assert/strict";
import { flagOutliers } from "../../src/time/flag_outliers.ts";

test("flagOutliers() flags offsets beyond the tolerance from the median", () => {
  assert.deepEqual(flagOutliers([0.1, 0.2, 30], 5), [false, false, true]);
  assert.deepEqual(flagOutliers([100], 5), [false]);
  assert.deepEqual(flagOutliers([0, 20], 5), [true, true]);
  assert.deepEqual(flagOutliers([1, 2, 3, 4], 5), [false, false, false, false]);
});
