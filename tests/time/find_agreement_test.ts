import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { findAgreement } from "../../src/time/find_agreement.ts";

const within = (uncertaintyS: number, ...offsets: number[]) =>
  offsets.map((offsetS, i) => ({ id: `s${i}`, offsetS, uncertaintyS }));
const ids = (found: { members: { id: string }[] }) => found.members.map((m) => m.id);

test("findAgreement() joins 0, 4 and 8 s with ±5 s: the windows share 3 … 5", () => {
  const found = findAgreement(within(5, 8, 0, 4));
  assert.deepEqual(ids(found), ["s1", "s2", "s0"]);
  assert.equal(found.tied, false);
  assert.deepEqual(found.sharedS, [3, 5]);
});

test("findAgreement() reports 0, 6 and 12 s with ±5 s as a tie of two pairs", () => {
  const found = findAgreement(within(5, 0, 6, 12));
  assert.equal(found.members.length, 2);
  assert.equal(found.tied, true);
});

test("findAgreement() picks the largest set over a rival smaller one", () => {
  const found = findAgreement(within(1, 100, 0, 0.5, 101.5, 1));
  assert.deepEqual(ids(found), ["s1", "s2", "s4"]);
  assert.equal(found.tied, false);
  assert.deepEqual(found.sharedS, [0, 1]);
});

test("findAgreement() uses each sample's own uncertainty", () => {
  // A wide reading at 10 s (±9) bridges 0 (±1) and 20 (±1): it meets each, not both at once.
  const samples = [
    { id: "a", offsetS: 0, uncertaintyS: 1 },
    { id: "wide", offsetS: 10, uncertaintyS: 9 },
    { id: "b", offsetS: 2, uncertaintyS: 1 },
    { id: "c", offsetS: 19, uncertaintyS: 1 },
  ];
  const found = findAgreement(samples);
  assert.deepEqual(ids(found), ["a", "b", "wide"]);
  assert.equal(found.tied, false);
  assert.deepEqual(found.sharedS, [1, 1]);
});

test("findAgreement() counts equal samples as separate members", () => {
  const found = findAgreement(within(0, 7, 7, 9));
  assert.deepEqual(ids(found), ["s0", "s1"]);
  assert.equal(found.tied, false);
});

test("findAgreement() with one sample or none", () => {
  const one = findAgreement(within(0.5, -3));
  assert.deepEqual(ids(one), ["s0"]);
  assert.deepEqual(one.sharedS, [-3.5, -2.5]);
  const none = findAgreement([]);
  assert.deepEqual(none.members, []);
  assert.equal(none.tied, false);
  assert.ok(none.sharedS.every(Number.isNaN));
});

test("findAgreement() rejects a negative uncertainty and non-finite values with a RangeError", () => {
  for (const bad of [{ offsetS: 0, uncertaintyS: -1 }, { offsetS: NaN, uncertaintyS: 1 }]) {
    assert.throws(() => findAgreement([bad]), RangeError);
  }
  assert.throws(
    () => findAgreement([{ offsetS: Infinity, uncertaintyS: 0 }]),
    /^RangeError: Cannot compare clock readings: offset Infinity s, uncertainty 0 s$/,
  );
});

/** Every subset of `samples` whose intervals share a point, by brute force. */
function agreeingSubsets<T extends { offsetS: number; uncertaintyS: number }>(samples: T[]): T[][] {
  const found: T[][] = [];
  for (let mask = 1; mask < 1 << samples.length; mask++) {
    const subset = samples.filter((_, i) => mask & (1 << i));
    const low = Math.max(...subset.map((s) => s.offsetS - s.uncertaintyS));
    const high = Math.min(...subset.map((s) => s.offsetS + s.uncertaintyS));
    if (low <= high) found.push(subset);
  }
  return found;
}

test("findAgreement() finds the largest agreeing set, and a tie exactly when two exist (property)", () => {
  const sample = fc.record({
    offsetS: fc.integer({ min: -20, max: 20 }),
    uncertaintyS: fc.integer({ min: 0, max: 8 }),
  });
  fc.assert(
    fc.property(fc.array(sample, { minLength: 1, maxLength: 7 }), (samples) => {
      const found = findAgreement(samples);
      const subsets = agreeingSubsets(samples);
      const largest = Math.max(...subsets.map((s) => s.length));
      assert.equal(found.members.length, largest);
      assert.equal(found.tied, subsets.filter((s) => s.length === largest).length > 1);
      const [low, high] = found.sharedS;
      assert.ok(low <= high);
      for (const m of found.members) {
        assert.ok(m.offsetS - m.uncertaintyS <= low && high <= m.offsetS + m.uncertaintyS);
      }
    }),
    { numRuns: 500 },
  );
});
