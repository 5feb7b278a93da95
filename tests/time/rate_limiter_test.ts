import { test } from "node:test";
import assert from "node:assert/strict";
import { RateLimiter } from "../../src/time/rate_limiter.ts";

test("RateLimiter.allow() gives a burst, then refills at the rate", () => {
  let now = 0;
  const limiter = new RateLimiter({ ratePerSecond: 5, now: () => now });
  const first = Array.from({ length: 8 }, () => limiter.allow("a"));
  assert.deepEqual(first, [true, true, true, true, true, false, false, false]);
  now += 200; // one token at 5/s
  assert.equal(limiter.allow("a"), true);
  assert.equal(limiter.allow("a"), false);
});

test("RateLimiter.allow() keeps a separate bucket per source", () => {
  const limiter = new RateLimiter({ ratePerSecond: 1, now: () => 0 });
  assert.equal(limiter.allow("a"), true);
  assert.equal(limiter.allow("a"), false);
  assert.equal(limiter.allow("b"), true);
});

test("RateLimiter.allow() with rate 0 never limits", () => {
  const limiter = new RateLimiter({ ratePerSecond: 0, now: () => 0 });
  for (let i = 0; i < 1000; i++) assert.equal(limiter.allow("a"), true);
  assert.equal(limiter.size, 0);
});

test("RateLimiter bounds the sources it remembers under a spoofed flood", () => {
  let now = 0;
  const limiter = new RateLimiter({ ratePerSecond: 10, maxSources: 100, now: () => now });
  for (let i = 0; i < 10_000; i++) {
    limiter.allow(`10.0.${i >> 8}.${i & 255}`);
    now += 1;
  }
  assert.ok(limiter.size <= 100, `remembered ${limiter.size}`);
});

test("RateLimiter shrugs off a clock stepping backwards", () => {
  let now = 1_000_000;
  const limiter = new RateLimiter({ ratePerSecond: 20, now: () => now });
  for (let i = 0; i < 20; i++) limiter.allow("a");
  now -= 3_600_000; // an hour back, as when a device first syncs its clock
  assert.equal(limiter.allow("a"), false, "still empty right at the step");
  now += 1000;
  assert.equal(limiter.allow("a"), true, "refills from the step on, not an hour later");
});

test("RateLimiter rejects a negative or non-finite rate", () => {
  assert.throws(() => new RateLimiter({ ratePerSecond: -1 }), RangeError);
  assert.throws(() => new RateLimiter({ ratePerSecond: NaN }), RangeError);
});
