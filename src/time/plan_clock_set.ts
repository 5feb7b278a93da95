/**
 * Whether, and by how much, `query-time --set` may step the system clock.
 * Pure: the caller reads the clock and calls the setter.
 *
 * @module
 */
import { isClockPlausible, PLAUSIBLE_SINCE_MS } from "./clock.ts";
import { findAgreement } from "./find_agreement.ts";
import { median } from "./_median.ts";

/**
 * Default `--max-step` in seconds: larger steps need `--force`. The same bound
 * as ntpd's panic threshold, which refuses larger corrections unless told.
 */
export const DEFAULT_MAX_STEP_S = 1000;

/** One host's answer, as far as the plan needs it. */
export interface ClockSample {
  host: string;
  /** Server time minus local time, seconds. */
  offsetS: number;
  /**
   * How far off this answer may be beyond `toleranceS`, seconds (an NTP answer's root
   * distance, say). @default 0
   */
  uncertaintyS?: number;
}

/** Options for {@linkcode planClockSet}. */
export interface PlanClockSetOptions {
  /** How many hosts were asked, answered or not. */
  asked: number;
  /** Fewest hosts that must agree. @default the majority of `asked` */
  minAgree?: number;
  /** Each answer's window is its offset ± this many seconds; answers agree when windows meet. */
  toleranceS: number;
  /** Largest step allowed without `force`, seconds. @default DEFAULT_MAX_STEP_S */
  maxStepS?: number;
  /** Allow any step size. */
  force?: boolean;
  /** The local clock when the answers were read, ms since the Unix epoch. */
  nowMs: number;
  /** Earliest believable clock reading. @default the day before the build date */
  plausibleSinceMs?: number;
}

/** The verdict: the step to make, or why not. */
export type ClockSetPlan =
  | {
    ok: true;
    /** Seconds to add to the local clock: the median offset of the agreeing hosts. */
    stepS: number;
    /** The hosts that agree. */
    hosts: string[];
    /** The local clock was plainly unset (before the build date), so no step limit applied. */
    clockWasUnset: boolean;
  }
  | { ok: false; reason: string; hosts: string[] };

/**
 * The majority of `asked`: more than half.
 *
 * @param asked hosts asked
 * @returns the default `--min-agree`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { majority } from "./plan_clock_set.ts";
 *
 * assert(majority(3) === 2 && majority(4) === 3);
 * ```
 */
export function majority(asked: number): number {
  return Math.floor(asked / 2) + 1;
}

/**
 * Decides whether the clock may be set from `samples`.
 *
 * Agreement, as NTP's clock select defines it (RFC 5905 §11.2.1, Marzullo's
 * algorithm): each answer stands for the window `[offset - t, offset + t]`,
 * where `t` is `toleranceS` plus the answer's own `uncertaintyS`. The agreeing
 * hosts are the largest set whose windows all share one point. So with
 * `--tolerance 5`, offsets 0, 4 and 8 s all agree (they share 3 … 5) and the
 * step is 4 s; offsets 0, 6 and 12 s do not: 6 agrees with each of the others,
 * but 0 and 12 are 12 s apart, no point lies in all three windows, and the two
 * pairs {0, 6} and {6, 12} are rivals of the same size. Two different largest
 * sets are no agreement at all (NTP finds no majority clique there either).
 *
 * The step is the median offset of the agreeing set. It is refused when fewer
 * than `minAgree` agree (hosts that did not answer count as asked), when it
 * would put the clock before the build date, or when it exceeds `maxStepS`
 * without `force`, unless the local clock is itself before the build date
 * (a device booting without an RTC).
 *
 * @param samples the hosts that answered
 * @param options hosts asked, thresholds and the local clock
 * @returns the plan
 * @example Offsets 0, 4 and 8 s with a tolerance of 5 s: the clock steps by 4 s
 * ```ts
 * import assert from "node:assert/strict";
 * import { planClockSet } from "./plan_clock_set.ts";
 *
 * const samples = [0, 4, 8].map((offsetS, i) => ({ host: `h${i}`, offsetS }));
 * const plan = planClockSet(samples, { asked: 3, toleranceS: 5, nowMs: Date.now() });
 * assert(plan.ok && plan.stepS === 4 && plan.hosts.length === 3);
 * ```
 */
export function planClockSet(samples: ClockSample[], options: PlanClockSetOptions): ClockSetPlan {
  const minAgree = options.minAgree ?? majority(options.asked);
  const maxStepS = options.maxStepS ?? DEFAULT_MAX_STEP_S;
  const plausibleSinceMs = options.plausibleSinceMs ?? PLAUSIBLE_SINCE_MS;
  if (samples.length === 0) return { ok: false, reason: "no host answered", hosts: [] };

  const found = findAgreement(samples.map((sample) => ({
    sample,
    offsetS: sample.offsetS,
    uncertaintyS: options.toleranceS + (sample.uncertaintyS ?? 0),
  })));
  const best = found.members.map((m) => m.sample);
  const hosts = best.map((s) => s.host);
  const within = `within ${options.toleranceS} s`;
  if (found.tied) {
    return {
      ok: false,
      reason: `the answers fall into different groups of ${best.length} ${within}: no agreement`,
      hosts: [],
    };
  }
  if (best.length < minAgree) {
    return {
      ok: false,
      reason: `only ${best.length} of ${options.asked} hosts agree ${within} ` +
        `(--min-agree ${minAgree})`,
      hosts,
    };
  }
  const stepS = median(best.map((s) => s.offsetS));
  const newMs = options.nowMs + stepS * 1000;
  if (!isClockPlausible(newMs, plausibleSinceMs)) {
    return {
      ok: false,
      reason: `the servers' time ${new Date(newMs).toISOString()} is before this build's date`,
      hosts,
    };
  }
  const clockWasUnset = !isClockPlausible(options.nowMs, plausibleSinceMs);
  if (!clockWasUnset && !options.force && Math.abs(stepS) > maxStepS) {
    return {
      ok: false,
      reason: `a step of ${stepS.toFixed(3)} s is larger than --max-step ${maxStepS} s ` +
        `(use --force to allow it)`,
      hosts,
    };
  }
  return { ok: true, stepS, hosts, clockWasUnset };
}
