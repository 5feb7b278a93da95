/**
 * What `sync-time` does with an agreed offset (step or slew, or say what it
 * would do), and how its event lines name sources, offsets and times.
 *
 * @module
 */
import { NetError } from "../net/errors.ts";
import type { PollResult } from "./poll_time.ts";

/** The clock could not be changed: no permission, or no way to on this system. */
export class ClockDenied extends Error {
  /** @param message what failed, for the user */
  constructor(message: string) {
    super(message);
    this.name = "ClockDenied";
  }
}

/** What {@linkcode applyCorrection} did. */
export interface Correction {
  /** Whether the clock was stepped (or would be, with --dry-run). */
  stepped: boolean;
  /** For the event line: `slewed`, `stepped 2026-… -> 2026-…`, `would slew (--dry-run)`. */
  said: string;
  /** The clock before and after a step, ms. */
  oldMs: number;
  newMs: number;
}

/** The clock and its setters, for {@linkcode applyCorrection}. */
export interface CorrectionOptions {
  action: "step" | "slew";
  dryRun: boolean;
  now(): number;
  setClock(ms: number): Promise<void>;
  slewClock(offsetS: number): Promise<void>;
}

/**
 * Steps or slews the clock by `offsetS`. A slew the system cannot make
 * (ENOSYS, or beyond adjtime's range) becomes a step.
 *
 * @param offsetS seconds to add to the clock
 * @param options step or slew, dry run, the clock and its setters
 * @returns what was done
 * @throws {ClockDenied} when the setter or slewer fails (EPERM, ENOSYS, EOTHER)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyCorrection } from "./_sync_correction.ts";
 *
 * const slews: number[] = [];
 * const done = await applyCorrection(0.05, {
 *   action: "slew", dryRun: false, now: () => 0,
 *   setClock: () => Promise.resolve(),
 *   slewClock: (s) => { slews.push(s); return Promise.resolve(); },
 * });
 * assert(!done.stepped && done.said === "slewed" && slews[0] === 0.05);
 * ```
 */
export async function applyCorrection(
  offsetS: number,
  options: CorrectionOptions,
): Promise<Correction> {
  const oldMs = options.now();
  let note = "";
  if (options.action === "slew") {
    const same = { stepped: false, oldMs, newMs: oldMs };
    if (options.dryRun) return { ...same, said: "would slew it (--dry-run)" };
    try {
      await options.slewClock(offsetS);
      return { ...same, said: "slewed" };
    } catch (error) {
      const cannot = error instanceof RangeError ||
        (error instanceof NetError && error.code === "ENOSYS");
      if (!cannot && error instanceof NetError) {
        throw new ClockDenied(_denied("slew", error));
      }
      if (!cannot) throw error;
      note = ` (cannot slew here: ${_lower(error.message)})`;
    }
  }
  const stepAt = options.now();
  const newMs = stepAt + offsetS * 1000;
  const change = `${iso(stepAt)} -> ${iso(newMs)}`;
  if (options.dryRun) {
    return { stepped: true, oldMs: stepAt, newMs, said: `would step it ${change} (--dry-run)` };
  }
  try {
    await options.setClock(newMs);
  } catch (error) {
    if (error instanceof NetError) {
      throw new ClockDenied(_denied("step", error));
    }
    throw error;
  }
  return { stepped: true, oldMs: stepAt, newMs, said: `stepped ${change}${note}` };
}

/**
 * A source as the event lines name it: `ntp://host:port`, with the address asked when it differs.
 *
 * @param result an answer or a failure
 * @returns e.g. `ntp://pool.example:123 (192.0.2.1)`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeSource } from "./_sync_correction.ts";
 * import { TimeQueryError } from "./time_query_error.ts";
 *
 * const failed = {
 *   ok: false as const, host: "::1", port: 123, protocol: "ntp" as const, transport: "udp" as const,
 *   error: new TimeQueryError("refused", "connection refused"),
 * };
 * assert.equal(describeSource(failed), "ntp://[::1]:123");
 * ```
 */
export function describeSource(result: PollResult): string {
  const scheme = result.protocol === "time" && result.transport === "udp"
    ? "time+udp"
    : result.protocol;
  const host = result.host.includes(":") ? `[${result.host}]` : result.host;
  const address = result.address !== undefined && result.address !== result.host
    ? ` (${result.address})`
    : "";
  return `${scheme}://${host}:${result.port}${address}`;
}

/**
 * An offset with its sign, in seconds to the millisecond (to the microsecond below 1 s).
 *
 * @param offsetS seconds
 * @returns e.g. `+0.002315 s`, `-3.250 s`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatOffset } from "./_sync_correction.ts";
 *
 * assert.equal(formatOffset(-3.25), "-3.250 s");
 * assert.equal(formatOffset(0.0023154), "+0.002315 s");
 * ```
 */
export function formatOffset(offsetS: number): string {
  const size = Math.abs(offsetS);
  return `${offsetS < 0 ? "-" : "+"}${size.toFixed(size < 1 ? 6 : 3)} s`;
}

/**
 * A time as ISO 8601 UTC, or the number when it is out of Date's range.
 *
 * @param ms ms since the Unix epoch
 * @returns e.g. `2026-12-02T07:30:00.000Z`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { iso } from "./_sync_correction.ts";
 *
 * assert.equal(iso(0), "1970-01-01T00:00:00.000Z");
 * ```
 */
export function iso(ms: number): string {
  const date = new Date(ms);
  return Number.isFinite(date.getTime()) ? date.toISOString() : String(ms);
}

/** The adapter's words for a refused clock change, said once ("cannot slew the clock: …"). */
function _denied(verb: "slew" | "step", error: NetError): string {
  const said = _lower(error.message);
  return said.startsWith("cannot ") ? said : `cannot ${verb} the clock: ${said}`;
}

function _lower(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}
