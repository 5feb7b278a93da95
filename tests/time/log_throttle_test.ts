import { test } from "node:test";
import assert from "node:assert/strict";
import { LogThrottle } from "../../src/time/log_throttle.ts";

test("LogThrottle writes each kind once per window and counts what it held back", () => {
  let now = 0;
  const lines: string[] = [];
  const throttle = new LogThrottle({ log: (l) => lines.push(l), now: () => now, windowMs: 1000 });
  for (let i = 0; i < 5; i++) {
    throttle.write("a", "a failed");
    throttle.write("b", "b failed");
    now += 300;
  }
  assert.deepEqual(lines, [
    "a failed",
    "b failed",
    "a failed (3 more like it in the last 1 s)",
    "b failed (3 more like it in the last 1 s)",
  ]);
  throttle.reset();
  assert.equal(throttle.write("a", "a failed"), true);
});

test("LogThrottle forgets the oldest kind beyond maxKinds (bounded memory)", () => {
  const lines: string[] = [];
  const throttle = new LogThrottle({ log: (l) => lines.push(l), now: () => 0, maxKinds: 2 });
  throttle.write("a", "a");
  throttle.write("b", "b");
  throttle.write("c", "c");
  throttle.write("a", "a"); // forgotten, so news again
  throttle.write("c", "c"); // remembered
  assert.deepEqual(lines, ["a", "b", "c", "a"]);
});
