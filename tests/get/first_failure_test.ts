import { test } from "node:test";
import assert from "node:assert/strict";
import { firstFailure } from "../../src/get/first_failure.ts";

test("firstFailure() is 0 when every file was saved", () => {
  assert.equal(firstFailure([{ code: 0 }, { code: 0 }]), 0);
  assert.equal(firstFailure([]), 0);
});

test("firstFailure() is the code of the first failure in input order, not the first to finish", () => {
  // The outcomes come in input order; which failed first in time does not matter.
  assert.equal(firstFailure([{ code: 0 }, { code: 22 }, { code: 0 }, { code: 7 }]), 22);
  assert.equal(firstFailure([{ code: 110 }, { code: 22 }]), 110);
});

test("firstFailure() skips files that --fail-fast cancelled", () => {
  assert.equal(firstFailure([{ code: 1, cancelled: true }, { code: 0 }, { code: 6 }]), 6);
});
