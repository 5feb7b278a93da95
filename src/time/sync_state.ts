/**
 * What the SNTP server says about its own clock: stratum, leap indicator,
 * reference ID and root dispersion, from the kernel's synchronisation state.
 *
 * @module
 */
import type { ClockSync } from "../net/types.ts";
import { LEAP_UNSYNCHRONISED, STRATUM_UNSYNCHRONISED } from "./ntp_packet.ts";
import type { NtpReplyFields } from "./_ntp_answer.ts";

/**
 * `--stratum` when the kernel clock is synchronised. netkit serves a clock
 * some other daemon disciplines and cannot see that daemon's upstream, so it
 * claims a modest stratum (RFC 5905 §7.3: 2–15 are secondary servers): below
 * public primaries and their first tier, above anything it could mislead.
 */
export const DEFAULT_STRATUM = 3;

/** `--stratum` with `--local` on an unsynchronised clock: chrony's `local stratum` default. */
export const DEFAULT_LOCAL_STRATUM = 10;

/**
 * The reference ID when `--refid` is not given: 127.127.1.1, the local
 * clock (ntpd's LOCAL(0) driver address; chrony's local reference).
 */
export const LOCAL_REFID: Uint8Array = new Uint8Array([127, 127, 1, 1]);

/** log2 s of the clock reading's resolution (RFC 5905 §7.3): 2^-18 s ≈ 3.8 µs. */
export const SERVER_PRECISION = -18;

/** The kernel's largest error estimate (RFC 5905 MAXDISP, Linux NTP_PHASE_LIMIT), seconds. */
const MAX_DISPERSION_S = 16;

/** What the operator said about the server (`--stratum`, `--refid`, `--local`). */
export interface ServerIdentity {
  /** @default DEFAULT_STRATUM, or DEFAULT_LOCAL_STRATUM when serving an unsynchronised clock with `local` */
  stratum?: number;
  /** @default LOCAL_REFID */
  refid?: Uint8Array;
  /** Serve an unsynchronised clock as if it were good (a LAN with no upstream). */
  local: boolean;
}

/**
 * The reply fields for a synchronisation state.
 *
 * - synchronised: the kernel's pending leap, `stratum` (default 3), `refid`,
 *   root dispersion = the kernel's maximum error;
 * - unsynchronised (or unknown) with `local`: no leap warning, `stratum`
 *   (default 10);
 * - unsynchronised (or unknown) without `local`: leap 3, stratum 16, refid 0:
 *   every client that checks will refuse the time (RFC 5905 §7.3, §9.2).
 *
 * @param sync what the kernel said
 * @param identity the operator's settings, and the time now (Unix seconds) for the reference timestamp
 * @returns the fields every reply carries
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syncState } from "./sync_state.ts";
 *
 * const unsynced = { state: "unsynchronised", leap: 0, maxErrorS: 16 } as const;
 * assert.equal(syncState(unsynced, { local: false, nowUnixS: 1 }).stratum, 16);
 * assert.equal(syncState(unsynced, { local: true, nowUnixS: 1 }).stratum, 10);
 * const synced = { state: "synchronised", leap: 1, maxErrorS: 0.01 } as const;
 * const fields = syncState(synced, { local: false, nowUnixS: 1 });
 * assert(fields.stratum === 3 && fields.leap === 1 && fields.rootDispersion === 0.01);
 * ```
 */
export function syncState(
  sync: ClockSync,
  identity: ServerIdentity & { nowUnixS: number },
): NtpReplyFields {
  const refid = identity.refid ?? LOCAL_REFID;
  const common = { precision: SERVER_PRECISION, rootDelay: 0, refid };
  if (sync.state === "synchronised") {
    const maxError = Number.isFinite(sync.maxErrorS) ? sync.maxErrorS : MAX_DISPERSION_S;
    return {
      ...common,
      leap: sync.leap,
      stratum: identity.stratum ?? DEFAULT_STRATUM,
      rootDispersion: Math.min(Math.max(maxError, 0), MAX_DISPERSION_S),
      referenceUnixS: identity.nowUnixS,
    };
  }
  if (identity.local) {
    return {
      ...common,
      leap: 0,
      stratum: identity.stratum ?? DEFAULT_LOCAL_STRATUM,
      rootDispersion: 0,
      referenceUnixS: identity.nowUnixS,
    };
  }
  return {
    ...common,
    leap: LEAP_UNSYNCHRONISED,
    stratum: STRATUM_UNSYNCHRONISED,
    refid: new Uint8Array(4),
    rootDispersion: MAX_DISPERSION_S,
    referenceUnixS: 0,
  };
}
