/** The sub-millisecond wall clock the SNTP server stamps its replies with. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { preciseClock } from "../../src/time/precise_clock.ts";

test("preciseClock() reads within the wall clock's millisecond, with sub-ms steps", () => {
  const clock = preciseClock(() => Date.now(), () => performance.now());
  const readings = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const before = Date.now();
    const reading = clock();
    const after = Date.now();
    assert.ok(
      reading >= before && reading < after + 1,
      `${reading} outside [${before}, ${after + 1})`,
    );
    readings.add(reading);
  }
  const fractions = [...readings].filter((r) => r !== Math.floor(r));
  assert.ok(fractions.length > 0, "some readings carry a fraction of a millisecond");
});

test("preciseClock() follows a wall clock stepped forward and back at once", () => {
  let wall = Date.UTC(2030, 0, 1);
  let mono = 1000;
  const clock = preciseClock(() => wall, () => (mono += 0.001));
  assert.equal(Math.floor(clock()), wall);
  wall += 3_600_000; // stepped an hour forward
  assert.equal(Math.floor(clock()), wall);
  wall -= 7_200_000; // two hours back
  assert.equal(Math.floor(clock()), wall);
  // Between steps it advances with the monotonic clock, inside the millisecond.
  const a = clock();
  const b = clock();
  assert.ok(b >= a && b < wall + 1);
});

test("preciseClock() never runs backwards while the wall clock does not", () => {
  const clock = preciseClock(() => Date.now(), () => performance.now());
  let last = clock();
  for (let i = 0; i < 20_000; i++) {
    const now = clock();
    assert.ok(now >= last - 1e-9, `${now} < ${last}`);
    last = now;
  }
});
