import { test } from "node:test";
import assert from "node:assert/strict";
import { bunCounts, denoCounts } from "../../scripts/_counts.ts";

test("denoCounts() reads passed, failed and ignored, steps or not", () => {
  assert.deepEqual(denoCounts("\nok | 21 passed (3 steps) | 0 failed | 1 ignored (4s)\n"), {
    passed: 21,
    failed: 0,
    skipped: 1,
  });
  assert.deepEqual(denoCounts("FAILED | 7 passed | 2 failed (1 step) (1s)"), {
    passed: 7,
    failed: 2,
    skipped: 0,
  });
});

test("denoCounts() and bunCounts() return null when a run printed no summary", () => {
  assert.equal(denoCounts("error: Module not found"), null);
  assert.equal(bunCounts("error: Cannot find module"), null);
});

test("bunCounts() reads the pass, skip and fail lines, not numbers inside test output", () => {
  const output =
    "(pass) 3 pass of a loop\n 12 pass\n 4 skip\n 1 fail\nRan 17 tests across 2 files.\n";
  assert.deepEqual(bunCounts(output), { passed: 12, failed: 1, skipped: 4 });
  assert.deepEqual(bunCounts(" 5 pass\n 0 fail\n"), { passed: 5, failed: 0, skipped: 0 });
});
