/** Failed logins per source. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { LOGIN_FAILURES, LoginLimiter } from "../../src/serve_http/login_limiter.ts";

test("LoginLimiter blocks a source after LOGIN_FAILURES failures for the rest of the window only", () => {
  let now = 0;
  const limiter = new LoginLimiter({ windowMs: 60_000, now: () => now });
  for (let i = 0; i < LOGIN_FAILURES - 1; i++) limiter.fail("a");
  assert.equal(limiter.blockedFor("a"), 0);
  now = 10_000;
  limiter.fail("a");
  assert.equal(limiter.blockedFor("a"), 50_000);
  assert.equal(limiter.blockedFor("b"), 0);
  now = 60_000;
  assert.equal(limiter.blockedFor("a"), 0);
  limiter.fail("a");
  assert.equal(limiter.blockedFor("a"), 0, "a new window starts counting afresh");
});
