import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_STEP_THRESHOLD_S, stepOrSlew } from "../../src/time/step_or_slew.ts";

test("stepOrSlew() steps beyond ntpd's 0.128 s and slews up to it, either sign", () => {
  assert.equal(DEFAULT_STEP_THRESHOLD_S, 0.128);
  assert.equal(stepOrSlew(0.128, 0.128), "slew");
  assert.equal(stepOrSlew(-0.128, 0.128), "slew");
  assert.equal(stepOrSlew(0.1281, 0.128), "step");
  assert.equal(stepOrSlew(-0.1281, 0.128), "step");
  assert.equal(stepOrSlew(0, 0), "slew");
});

test("stepOrSlew() steps what adjtime cannot take, whatever the threshold", () => {
  assert.equal(stepOrSlew(2145, 2145), "slew");
  assert.equal(stepOrSlew(2146, 1e9), "step");
  assert.equal(stepOrSlew(NaN, 1), "step");
});
