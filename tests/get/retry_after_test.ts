/** Retry-After as seconds. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRetryAfter } from "../../src/get/retry_after.ts";

test("parseRetryAfter() takes seconds or a date, capped at 10 minutes", () => {
  const now = Date.parse("2026-11-22T10:00:00Z");
  assert.equal(parseRetryAfter("3", now), 3);
  assert.equal(parseRetryAfter("Sun, 22 Nov 2026 10:00:30 GMT", now), 30);
  assert.equal(parseRetryAfter("Sun, 22 Nov 2026 09:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter("86400", now), 600);
  assert.equal(parseRetryAfter("soon", now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});
