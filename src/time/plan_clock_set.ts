/**
 * Whether, and by how much, `query-time --set` may step the system clock.
 * Pure: the caller reads the clock and calls the setter.
 *
 * @module
 */
import { isClockPlausible, PLAUSIBLE_SINCE_MS } from "./clock.ts";

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
}

/** Options for {@linkcode planClockSet}. */
export interface PlanClockSetOptions {
  /** How many hosts were asked, answered or not. */
  asked: number;
  /** Fewest hosts that must agree. @default the majority of `asked` */
  minAgree?: number;
  /** Seconds within which answers agree. */
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
 * majority(3); // 2
 * majority(4); // 3
 * ```
 */
export function majority(asked: number): number {
  return Math.floor(asked / 2) + 1;
}

/**
 * Decides whether the clock may be set from `samples`.
 *
 * The agreeing hosts are the largest group whose offsets all lie within
 * `toleranceS` of each other; two different groups of that size are no
 * agreement at all. The step is their median offset. It is refused when
 * fewer than `minAgree` agree, when it would put the clock before the build
 * date, or when it exceeds `maxStepS` without `force` — unless the local
 * clock is itself before the build date (a device booting without an RTC).
 *
 * @param samples the hosts that answered
 * @param options hosts asked, thresholds and the local clock
 * @returns the plan
 * @example
 * ```ts
 * planClockSet([{ host: "a", offsetS: 2 }], { asked: 1, toleranceS: 5, nowMs: Date.now() });
 * // { ok: true, stepS: 2, hosts: ["a"], clockWasUnset: false }
 * ```
 */
export function planClockSet(samples: ClockSample[], options: PlanClockSetOptions): ClockSetPlan {
  const minAgree = options.minAgree ?? majority(options.asked);
  const maxStepS = options.maxStepS ?? DEFAULT_MAX_STEP_S;
  const plausibleSinceMs = options.plausibleSinceMs ?? PLAUSIBLE_SINCE_MS;
  if (samples.length === 0) return { ok: false, reason: "no host answered", hosts: [] };

  const sorted = [...samples].sort((a, b) => a.offsetS - b.offsetS);
  let best: ClockSample[] = [];
  let tied = false;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j].offsetS - sorted[i].offsetS <= options.toleranceS) j++;
    const group = sorted.slice(i, j);
    if (group.length > best.length) {
      best = group;
      tied = false;
    } else if (group.length === best.length && group.some((s) => !best.includes(s))) {
      tied = true;
    }
  }
  const hosts = best.map((s) => s.host);
  const within = `within ${options.toleranceS} s`;
  if (tied) {
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
  const mid = best.length >> 1;
  const stepS = best.length % 2
    ? best[mid].offsetS
    : (best[mid - 1].offsetS + best[mid].offsetS) / 2;
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
