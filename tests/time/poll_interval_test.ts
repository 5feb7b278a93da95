import { test } from "node:test";
import assert from "node:assert/strict";
import { nextPollInterval } from "../../src/time/poll_interval.ts";

test("nextPollInterval() doubles 64 -> 1024 s on kept checks, back to 64 s on a step", () => {
  const bounds = { minS: 64, maxS: 1024 };
  let interval = 64;
  const seen = [];
  for (let i = 0; i < 6; i++) seen.push(interval = nextPollInterval(interval, "kept", bounds));
  assert.deepEqual(seen, [128, 256, 512, 1024, 1024, 1024]);
  assert.equal(nextPollInterval(1024, "stepped", bounds), 64);
  assert.equal(nextPollInterval(256, "failed", bounds), 256);
});

test("nextPollInterval() keeps within --interval and --max-interval", () => {
  assert.equal(nextPollInterval(16, "kept", { minS: 64, maxS: 100 }), 64);
  assert.equal(nextPollInterval(80, "kept", { minS: 64, maxS: 100 }), 100);
  assert.equal(nextPollInterval(500, "failed", { minS: 64, maxS: 100 }), 100);
});
