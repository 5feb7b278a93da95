/**
 * RFC 868's "brief poll of several independent sites", over RFC 868 and SNTP
 * alike: every host asked at once, answers and failures reported in the
 * order given. An SNTP host name with several addresses (a pool) is asked at
 * up to {@linkcode MAX_NTP_ADDRESSES} of them, each its own row.
 *
 * @module
 */
import type { NetAdapter, ResolvedAddress, Transport } from "../net/types.ts";
import { flagOutliers } from "./flag_outliers.ts";
import { type NtpAnswer, queryNtp, type QueryNtpOptions } from "./query_ntp.ts";
import {
  DEFAULT_TIMEOUT_MS,
  queryTime,
  type QueryTimeOptions,
  type TimeAnswer,
  type TimeTarget,
} from "./query_time.ts";
import { type HttpsAnswer, queryHttps, type QueryHttpsOptions } from "./query_https.ts";
import { formatTimeout } from "./_exchange.ts";
import { resolveTarget } from "./_resolve_target.ts";
import { TimeQueryError, toTimeQueryError } from "./time_query_error.ts";

/**
 * `"time"`: RFC 868 (over TCP or UDP); `"ntp"`: SNTP (over UDP); `"https"`,
 * `"http"`: the Date header of `HEAD /` (over TCP).
 */
export type TimeProtocol = "time" | "ntp" | "https" | "http";

/** A host to ask, and how. */
export interface PollTarget extends TimeTarget {
  protocol: TimeProtocol;
  /** `"udp"` for SNTP, `"tcp"` for HTTP(S). */
  transport: Transport;
}

/** An answer of either protocol. */
export type PollAnswer = TimeAnswer | NtpAnswer | HttpsAnswer;

/** A host's answer or failure, as a poll reports it. */
export type PollResult =
  | ({ ok: true; outlier: boolean } & PollAnswer)
  | {
    ok: false;
    host: string;
    /** The address that failed, when the host was resolved (SNTP). */
    address?: string;
    port: number;
    protocol: TimeProtocol;
    transport: Transport;
    error: TimeQueryError;
  };

/** Options for {@linkcode pollTime}. */
export interface PollTimeOptions
  extends
    Omit<QueryTimeOptions, "transport">,
    Omit<QueryNtpOptions, "clock">,
    Pick<QueryHttpsOptions, "caCerts" | "insecure" | "monotonic" | "clockUnverified"> {
  /** Seconds from the median offset before an answer is an outlier. @default 5 */
  toleranceS?: number;
}

/** Default `--tolerance`: seconds from the median before a host is an outlier. */
export const DEFAULT_TOLERANCE_S = 5;

/** The most addresses of one SNTP host name asked (pool.ntp.org gives 4). */
export const MAX_NTP_ADDRESSES = 4;

type Row = { ok: true; answer: PollAnswer } | { ok: false; failure: PollResult & { ok: false } };

/**
 * Asks several hosts at once and flags answers more than `toleranceS` from
 * the median offset.
 *
 * @param net the runtime adapter
 * @param targets hosts to ask and their protocols, in the order to report them
 * @param options query options plus `toleranceS`
 * @returns one result per target (per address asked, for SNTP host names), in order
 * @example Two hosts that refuse: two failures, in the order asked
 * ```ts
 * import assert from "node:assert/strict";
 * import { pollTime } from "./poll_time.ts";
 * import { NetError } from "../net/errors.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const net = {
 *   connectTcp: () => Promise.reject(new NetError("ECONNREFUSED", "Connection refused")),
 * } as unknown as NetAdapter;
 * const targets = ["192.0.2.1", "192.0.2.2"].map((host) => ({
 *   host, port: 37, protocol: "time" as const, transport: "tcp" as const,
 * }));
 * const results = await pollTime(net, targets, {});
 * assert(results.map((r) => !r.ok && r.host).join() === "192.0.2.1,192.0.2.2");
 * ```
 */
export async function pollTime(
  net: NetAdapter,
  targets: PollTarget[],
  options: PollTimeOptions,
): Promise<PollResult[]> {
  const perTarget = await Promise.all(targets.map((target) => _ask(net, target, options)));
  const rows = perTarget.flat();
  const answers = rows.flatMap((r) => (r.ok ? [r.answer] : []));
  const outliers = flagOutliers(
    answers.map((a) => a.offsetS),
    options.toleranceS ?? DEFAULT_TOLERANCE_S,
  );
  let next = 0;
  return rows.map((r): PollResult =>
    r.ok ? { ok: true, outlier: outliers[next++], ...r.answer } : r.failure
  );
}

/** One target's rows: one for RFC 868, one per address asked for SNTP. */
async function _ask(net: NetAdapter, target: PollTarget, options: PollTimeOptions): Promise<Row[]> {
  const failed = (error: unknown, address?: string): Row => ({
    ok: false,
    failure: {
      ok: false,
      host: target.host,
      ...(address === undefined ? {} : { address }),
      port: target.port,
      protocol: target.protocol,
      transport: target.transport,
      error: toTimeQueryError(error),
    },
  });
  if (target.protocol === "time") {
    return [
      await queryTime(net, target, { ...options, transport: target.transport }).then(
        (answer): Row => ({ ok: true, answer }),
        (error) => failed(error),
      ),
    ];
  }
  if (target.protocol === "https" || target.protocol === "http") {
    const https = { host: target.host, port: target.port, tls: target.protocol === "https" };
    return [
      await queryHttps(net, https, options).then(
        (answer): Row => ({ ok: true, answer }),
        (error) => failed(error),
      ),
    ];
  }
  let addresses: ResolvedAddress[];
  try {
    addresses = await _resolveWithin(net, target.host, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  } catch (error) {
    return [failed(error)];
  }
  return await Promise.all(
    addresses.map((address) =>
      queryNtp(net, { host: target.host, address, port: target.port }, options).then(
        (answer): Row => ({ ok: true, answer }),
        (error) => failed(error, address.address),
      )
    ),
  );
}

/** Up to {@linkcode MAX_NTP_ADDRESSES} distinct addresses of `host`, within `timeoutMs`. */
async function _resolveWithin(
  net: NetAdapter,
  host: string,
  timeoutMs: number,
): Promise<ResolvedAddress[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const seconds = formatTimeout(timeoutMs);
      reject(
        new TimeQueryError("timeout", `timed out after ${seconds} while resolving the host name`),
      );
    }, timeoutMs);
  });
  try {
    const found = await Promise.race([resolveTarget(net, host), timedOut]);
    const distinct = found.filter((a, i) => found.findIndex((b) => b.address === a.address) === i);
    return distinct.slice(0, MAX_NTP_ADDRESSES);
  } finally {
    clearTimeout(timer);
  }
}
