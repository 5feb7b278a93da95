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

test("planClockSet() sets the clock from 0, 4 and 8 s with --tolerance 5: all three share 3 … 5", () => {
  // The middle host agrees with both others; the windows [-5, 5], [-1, 9] and [3, 13] overlap.
  const plan = planClockSet(samples(0, 4, 8), { ...base, asked: 3 });
  assert.deepEqual(plan, { ok: true, stepS: 4, hosts: ["h0", "h1", "h2"], clockWasUnset: false });
});

test("planClockSet() refuses 0, 6 and 12 s with --tolerance 5: two pairs share a point, not all three", () => {
  // [-5, 5] and [1, 11] overlap, [1, 11] and [7, 17] overlap, [-5, 5] and [7, 17] do not:
  // {h0, h1} and {h1, h2} are rival pairs, and nothing tells which one is right.
  const plan = planClockSet(samples(0, 6, 12), { ...base, asked: 3 });
  assert.equal(plan.ok, false);
  assert.match(!plan.ok ? plan.reason : "", /different groups of 2 within 5 s: no agreement$/);
  // A fourth host next to 12 makes {6, 12, 13} the one largest set.
  const four = planClockSet(samples(0, 6, 12, 13), { ...base, asked: 4 });
  assert.deepEqual(four, { ok: true, stepS: 12, hosts: ["h1", "h2", "h3"], clockWasUnset: false });
});

test("planClockSet() counts windows of ±tolerance that meet, edges included", () => {
  // 0 and 10 with ±5 s meet at 5; 0 and 10.001 do not.
  assert.equal(planClockSet(samples(0, 10), { ...base, asked: 2 }).ok, true);
  assert.equal(planClockSet(samples(0, 10.001), { ...base, asked: 2 }).ok, false);
  assert.equal(planClockSet(samples(0, 10.001), { ...base, asked: 2, toleranceS: 5.001 }).ok, true);
  // Tolerance 0: only equal offsets agree.
  assert.equal(planClockSet(samples(3, 3), { ...base, asked: 2, toleranceS: 0 }).ok, true);
  assert.equal(planClockSet(samples(3, 3.5), { ...base, asked: 2, toleranceS: 0 }).ok, false);
});

test("planClockSet() with one host asked sets the clock from its answer", () => {
  assert.deepEqual(planClockSet(samples(-2.5), { ...base, asked: 1 }), {
    ok: true,
    stepS: -2.5,
    hosts: ["h0"],
    clockWasUnset: false,
  });
});

test("planClockSet() counts failed hosts as asked: 0, 4, 8 of five asked is a majority, of six is not", () => {
  assert.equal(planClockSet(samples(0, 4, 8), { ...base, asked: 5 }).ok, true);
  const six = planClockSet(samples(0, 4, 8), { ...base, asked: 6 });
  assert.equal(six.ok, false);
  assert.match(!six.ok ? six.reason : "", /^only 3 of 6 hosts agree within 5 s \(--min-agree 4\)$/);
});

test("planClockSet() widens a host's window by its own uncertainty", () => {
  // 0 and 12 with ±5 s do not meet; a second of uncertainty on each makes them meet at 6.
  const plain = samples(0, 12);
  assert.equal(planClockSet(plain, { ...base, asked: 2 }).ok, false);
  const unsure = plain.map((s) => ({ ...s, uncertaintyS: 1 }));
  assert.equal(planClockSet(unsure, { ...base, asked: 2 }).ok, true);
});

test("planClockSet() refuses two different groups of the same size", () => {
  const plan = planClockSet(samples(0, 1, 100, 101), { ...base, asked: 4, minAgree: 2 });
  assert.equal(plan.ok, false);
  assert.match(!plan.ok ? plan.reason : "", /different groups of 2 within 5 s/);
  // A tie of the largest groups refuses even when a group would meet --min-agree alone.
  const three = planClockSet(samples(0, 1, 2, 100, 101, 102), { ...base, asked: 6, minAgree: 3 });
  assert.equal(three.ok, false);
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
