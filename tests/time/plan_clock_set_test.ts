import { test } from "node:test";
import assert from "node:assert/strict";
import { majority, planClockSet } from "../../src/time/plan_clock_set.ts";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const SINCE = Date.parse("2026-11-21T00:00:00Z");
const base = { toleranceS: 5, nowMs: NOW, plausibleSinceMs: SINCE };
const samples = (...offsets: number[]) => offsets.map((offsetS, i) => ({ host: `h${i}`, offsetS }));

test("majority() is more than half of the hosts asked", () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(majority), [1, 2, 2, 3, 3]);
});

test("planClockSet() steps by the median offset of the agreeing hosts", () => {
  const plan = planClockSet(samples(1, 2, 4, 300), { ...base, asked: 4 });
  assert.deepEqual(plan, { ok: true, stepS: 2, hosts: ["h0", "h1", "h2"], clockWasUnset: false });
  const even = planClockSet(samples(1, 3), { ...base, asked: 2 });
  assert.equal(even.ok && even.stepS, 2);
});

test("planClockSet() needs the majority of the hosts asked, failed ones included", () => {
  // Three asked, one answered: 1 < 2.
  const plan = planClockSet(samples(0.2), { ...base, asked: 3 });
  assert.equal(plan.ok, false);
  assert.match(
    !plan.ok ? plan.reason : "",
    /^only 1 of 3 hosts agree within 5 s \(--min-agree 2\)$/,
  );
  assert.equal(planClockSet(samples(0.2), { ...base, asked: 3, minAgree: 1 }).ok, true);
  assert.equal(planClockSet(samples(0, 20), { ...base, asked: 2 }).ok, false);
});

test("planClockSet() counts hosts within --tolerance of each other, not of the median", () => {
  // 0 and 8 are each 4 s from their median, but 8 s apart.
  const plan = planClockSet(samples(0, 8), { ...base, asked: 2 });
  assert.equal(plan.ok, false);
  assert.equal(planClockSet(samples(0, 8), { ...base, asked: 2, toleranceS: 8 }).ok, true);
});

test("planClockSet() refuses two different groups of the same size", () => {
  const plan = planClockSet(samples(0, 1, 100, 101), { ...base, asked: 4, minAgree: 2 });
  assert.equal(plan.ok, false);
  assert.match(!plan.ok ? plan.reason : "", /different groups of 2 within 5 s/);
});

test("planClockSet() refuses a step beyond --max-step unless --force", () => {
  const plan = planClockSet(samples(3600), { ...base, asked: 1 });
  assert.equal(plan.ok, false);
  assert.match(
    !plan.ok ? plan.reason : "",
    /^a step of 3600\.000 s is larger than --max-step 1000 s \(use --force to allow it\)$/,
  );
  assert.equal(planClockSet(samples(-3600), { ...base, asked: 1, maxStepS: 3600 }).ok, true);
  assert.equal(planClockSet(samples(-3601), { ...base, asked: 1, maxStepS: 3600 }).ok, false);
  const forced = planClockSet(samples(86400 * 30), { ...base, asked: 1, force: true });
  assert.equal(forced.ok && forced.stepS, 86400 * 30);
});

test("planClockSet() allows any step when the local clock reads before the build date", () => {
  // A board booted at 1970 without a real-time clock.
  const plan = planClockSet(samples(NOW / 1000), { ...base, asked: 1, nowMs: 0 });
  assert.deepEqual(plan, { ok: true, stepS: NOW / 1000, hosts: ["h0"], clockWasUnset: true });
});

test("planClockSet() never sets a time before the build date, even with --force", () => {
  const plan = planClockSet(samples(-86400 * 365), { ...base, asked: 1, force: true });
  assert.equal(plan.ok, false);
  assert.match(!plan.ok ? plan.reason : "", /before this build's date/);
});

test("planClockSet() with no answers refuses", () => {
  assert.deepEqual(planClockSet([], { ...base, asked: 2 }), {
    ok: false,
    reason: "no host answered",
    hosts: [],
  });
});
