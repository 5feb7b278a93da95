import { test } from "node:test";
import assert from "node:assert/strict";
import { retryBackoff } from "../../src/time/retry_backoff.ts";

test("retryBackoff() doubles from 1 s to 64 s and stays there", () => {
  const middle = () => 0.5;
  const waits = Array.from({ length: 10 }, (_, i) => retryBackoff(i + 1, { random: middle }));
  assert.deepEqual(waits, [1, 2, 4, 8, 16, 32, 64, 64, 64, 64].map((s) => s * 1000));
  assert.equal(retryBackoff(10_000, { random: middle }), 64_000);
});

test("retryBackoff() jitters each wait within ±20 % so devices booting together spread out", () => {
  assert.equal(retryBackoff(3, { random: () => 0 }), 3200);
  assert.equal(retryBackoff(3, { random: () => 0.999999 }), 4800);
  const seen = new Set(Array.from({ length: 50 }, () => retryBackoff(7)));
  assert.ok(seen.size > 10, "Math.random by default");
  for (const ms of seen) assert.ok(ms >= 51_200 && ms <= 76_800, String(ms));
});

test("retryBackoff() refuses a failure count below 1", () => {
  assert.throws(() => retryBackoff(0), RangeError);
  assert.throws(() => retryBackoff(1.5), RangeError);
});
