/**
 * Why a time query (RFC 868 or SNTP) failed: one error class with a kind per failure, and
 * the one place that turns adapter errors (`NetError` codes) into it.
 *
 * @module
 */
import { NetError, type NetErrorCode } from "../net/errors.ts";
import { TimeReplyError } from "./codec.ts";

/** Why a query failed; each kind has its own message. */
export type TimeQueryFailure =
  | "unknown-host"
  | "refused"
  | "unreachable"
  | "timeout"
  | "no-data"
  | "bad-reply"
  /** SNTP: the server's clock is not synchronised (stratum 16, leap 3, too distant). */
  | "unsynchronised"
  /** SNTP: a `DENY` or `RSTR` kiss-o'-death; that server is not asked again. */
  | "kiss-deny"
  /** SNTP: a `RATE` kiss-o'-death; the client backs off. */
  | "kiss-rate"
  /** SNTP: any other kiss-o'-death (RFC 5905 §7.4): no time. */
  | "kiss"
  | "reset"
  | "other";

/**
 * A query that got no usable answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TimeQueryError } from "./time_query_error.ts";
 *
 * const error = new TimeQueryError("refused", "connection refused");
 * assert(error.kind === "refused" && error.name === "TimeQueryError");
 * ```
 */
export class TimeQueryError extends Error {
  /** Which way the query failed. */
  readonly kind: TimeQueryFailure;
  constructor(kind: TimeQueryFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TimeQueryError";
    this.kind = kind;
  }
}

/** The message each `NetError` code gets, and its kind. */
const NET_FAILURES: Partial<Record<NetErrorCode, [TimeQueryFailure, string]>> = {
  ENOTFOUND: ["unknown-host", "cannot resolve the host name"],
  ECONNREFUSED: ["refused", "connection refused"],
  EHOSTUNREACH: ["unreachable", "host unreachable"],
  ENETUNREACH: ["unreachable", "host unreachable"],
  ECONNRESET: ["reset", "connection reset by the server"],
};

/**
 * Whatever a query threw, as a {@linkcode TimeQueryError} with its kind.
 *
 * @param error a `TimeQueryError` (returned as is), a `TimeReplyError`, a `NetError`, or
 *   anything else (kind `other`)
 * @returns the error to report
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toTimeQueryError } from "./time_query_error.ts";
 * import { NetError } from "../net/errors.ts";
 *
 * const error = toTimeQueryError(new NetError("ECONNREFUSED", "Connection refused"));
 * assert(error.kind === "refused" && error.message === "connection refused");
 * ```
 */
export function toTimeQueryError(error: unknown): TimeQueryError {
  if (error instanceof TimeQueryError) return error;
  if (error instanceof TimeReplyError) return new TimeQueryError("bad-reply", error.message);
  const known = error instanceof NetError ? NET_FAILURES[error.code] : undefined;
  if (known) return new TimeQueryError(known[0], known[1], { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new TimeQueryError("other", message, { cause: error });
}
