/**
 * Which clock readings agree: the largest set of samples whose intervals
 * `[offset - uncertainty, offset + uncertainty]` share one point. This is the
 * intersection step of NTP's clock select (RFC 5905 §11.2.1, after
 * Marzullo's algorithm). Pure, and independent of the protocol the samples
 * came from: RFC 868 answers and NTP answers both reduce to an offset and an
 * uncertainty.
 *
 * @module
 */

/** One clock reading: an offset from the local clock and how far off it may be. */
export interface AgreementSample {
  /** Remote time minus local time, seconds. */
  offsetS: number;
  /** Half-width of the interval the true offset lies in, seconds (at least 0). */
  uncertaintyS: number;
}

/** What {@linkcode findAgreement} found. */
export interface Agreement<T extends AgreementSample> {
  /** The largest set whose intervals share a point, in offset order (empty when none given). */
  members: T[];
  /**
   * Another set of the same size exists that is not the same set (`0 / 6 / 12 s` with
   * ±5 s: `{0, 6}` and `{6, 12}`): no one can tell which is right, so nothing agrees.
   */
  tied: boolean;
  /** The points all members share, `[lowS, highS]` (`[NaN, NaN]` when there are no members). */
  sharedS: [number, number];
}

/**
 * Finds the largest set of samples whose intervals all contain one common
 * point. Two samples agree when their offsets differ by at most the sum of
 * their uncertainties; a set agrees only when there is one point inside every
 * member's interval (so 0, 6 and 12 s with ±5 s are not one set, although 6
 * agrees with each of the others).
 *
 * Every largest set contains the low end of one member's interval, so trying
 * each low end finds them all; with the few samples a poll gathers, the
 * O(n²) scan is simpler than sorting endpoints and as quick.
 *
 * @param samples readings, in any order
 * @returns the largest agreeing set, whether a different set of the same size exists, and
 *   the points its members share
 * @throws {RangeError} when an uncertainty is negative or a value is not finite
 * @example Three hosts at 0, 4 and 8 s, each ±5 s: all share the points 3 … 5
 * ```ts
 * import assert from "node:assert/strict";
 * import { findAgreement } from "./find_agreement.ts";
 *
 * const found = findAgreement([0, 4, 8].map((offsetS) => ({ offsetS, uncertaintyS: 5 })));
 * assert(found.members.length === 3 && !found.tied);
 * assert(found.sharedS[0] === 3 && found.sharedS[1] === 5);
 * ```
 */
export function findAgreement<T extends AgreementSample>(samples: readonly T[]): Agreement<T> {
  for (const { offsetS, uncertaintyS } of samples) {
    if (!Number.isFinite(offsetS) || !Number.isFinite(uncertaintyS) || uncertaintyS < 0) {
      throw new RangeError(
        `Cannot compare clock readings: offset ${offsetS} s, uncertainty ${uncertaintyS} s`,
      );
    }
  }
  const sorted = [...samples].sort((a, b) => a.offsetS - b.offsetS);
  let best: T[] = [];
  let tied = false;
  for (const candidate of sorted) {
    const point = candidate.offsetS - candidate.uncertaintyS;
    const members = sorted.filter((s) => _low(s) <= point && point <= _high(s));
    if (members.length > best.length) {
      best = members;
      tied = false;
    } else if (members.length === best.length && members.some((s) => !best.includes(s))) {
      tied = true;
    }
  }
  const sharedS: [number, number] = best.length === 0
    ? [NaN, NaN]
    : [Math.max(...best.map(_low)), Math.min(...best.map(_high))];
  return { members: best, tied, sharedS };
}

function _low(sample: AgreementSample): number {
  return sample.offsetS - sample.uncertaintyS;
}

function _high(sample: AgreementSample): number {
  return sample.offsetS + sample.uncertaintyS;
}
