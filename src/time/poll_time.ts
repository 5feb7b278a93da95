/**
 * RFC 868's "brief poll of several independent sites": every host asked at
 * once, answers and failures reported in the order given.
 *
 * @module
 */
import type { NetAdapter, Transport } from "../net/types.ts";
import { flagOutliers } from "./flag_outliers.ts";
import {
  queryTime,
  type QueryTimeOptions,
  type TimeAnswer,
  type TimeTarget,
} from "./query_time.ts";
import { type TimeQueryError, toTimeQueryError } from "./time_query_error.ts";

/** A host's answer or failure, as a poll reports it. */
export type PollResult =
  | ({ ok: true; outlier: boolean } & TimeAnswer)
  | { ok: false; host: string; port: number; transport: Transport; error: TimeQueryError };

/** Options for {@linkcode pollTime}. */
export interface PollTimeOptions extends QueryTimeOptions {
  /** Seconds from the median offset before an answer is an outlier. @default 5 */
  toleranceS?: number;
}

/** Default `--tolerance`: seconds from the median before a host is an outlier. */
export const DEFAULT_TOLERANCE_S = 5;

/**
 * Asks several hosts at once and flags answers more than `toleranceS` from
 * the median offset.
 *
 * @param net the runtime adapter
 * @param targets hosts to ask, in the order to report them
 * @param options query options plus `toleranceS`
 * @returns one result per target, in order
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
 * const targets = [{ host: "192.0.2.1", port: 37 }, { host: "192.0.2.2", port: 37 }];
 * const results = await pollTime(net, targets, { transport: "tcp" });
 * assert(results.map((r) => !r.ok && r.host).join() === "192.0.2.1,192.0.2.2");
 * ```
 */
export async function pollTime(
  net: NetAdapter,
  targets: TimeTarget[],
  options: PollTimeOptions,
): Promise<PollResult[]> {
  const settled = await Promise.allSettled(targets.map((t) => queryTime(net, t, options)));
  const answers = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const outliers = flagOutliers(
    answers.map((a) => a.offsetS),
    options.toleranceS ?? DEFAULT_TOLERANCE_S,
  );
  let next = 0;
  return settled.map((s, i): PollResult => {
    if (s.status === "fulfilled") return { ok: true, outlier: outliers[next++], ...s.value };
    const { host, port } = targets[i];
    return {
      ok: false,
      host,
      port,
      transport: options.transport,
      error: toTimeQueryError(s.reason),
    };
  });
}
