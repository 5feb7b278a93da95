/**
 * How `query-time` shows a poll's rows: one human line, or one JSON object,
 * per row; failures as one `netkit query-time: …` line.
 *
 * @module
 */
import { formatHostPort } from "../cli/args.ts";
import type { PollResult } from "../time/poll_time.ts";

/** Options for {@linkcode formatPollRow}. */
export interface FormatPollRowOptions {
  json: boolean;
}

/**
 * One row as the user sees it: a line for stdout, or the error for stderr.
 *
 * @param result one row of the poll
 * @param options JSON or text
 * @returns `out` for an answer (or any row, with JSON); `err`, the lines for stderr: a
 *   failure in text, and what an answer comes with (a `RATE` kiss obeyed)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatPollRow } from "./_query_time_output.ts";
 * import { TimeQueryError } from "../time/time_query_error.ts";
 *
 * const row = formatPollRow({
 *   ok: false, host: "a", port: 123, protocol: "ntp", transport: "udp",
 *   error: new TimeQueryError("kiss-deny", "kiss-o'-death DENY: the server refuses us"),
 * }, { json: false });
 * assert.deepEqual(row.err, ["netkit query-time: a:123 ntp: kiss-o'-death DENY: the server refuses us"]);
 * ```
 */
export function formatPollRow(
  result: PollResult,
  options: FormatPollRowOptions,
): { out?: string; err: string[] } {
  const via = result.address === undefined || result.address === result.host
    ? ""
    : ` (${result.address})`;
  const label = result.protocol === "time" ? result.transport : result.protocol;
  const prefix = `netkit query-time: ${formatHostPort(result.host, result.port)}${via} ${label}: `;
  const notes = result.ok && result.protocol === "ntp" ? result.notes.map((n) => prefix + n) : [];
  if (options.json) {
    return { out: JSON.stringify(_toJson(result)), err: notes };
  }
  if (result.ok) return { out: _toLine(result), err: notes };
  return { err: [prefix + result.error.message] };
}

function _toIso(unix: number): string {
  return new Date(unix * 1000).toISOString().replace(".000Z", "Z");
}

const _round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function _toJson(result: PollResult): Record<string, unknown> {
  const protocol = { protocol: result.protocol };
  if (!result.ok) {
    const { host, address, port, transport, error } = result;
    return {
      host,
      ...(address === undefined ? {} : { address }),
      port,
      ...protocol,
      transport,
      error: error.message,
    };
  }
  const head = { host: result.host, address: result.address, port: result.port, ...protocol };
  if (result.protocol === "time") {
    return {
      ...head,
      transport: result.transport,
      value: result.value,
      unix: result.unix,
      iso: _toIso(result.unix),
      rtt_ms: _round(result.rttMs, 3),
      offset_s: _round(result.offsetS, 3),
      outlier: result.outlier,
    };
  }
  if (result.protocol !== "ntp") {
    return {
      ...head,
      transport: result.transport,
      authenticated: result.authenticated,
      unix: _round(result.unix, 3),
      iso: new Date(result.unix * 1000).toISOString(),
      offset_s: _round(result.offsetS, 3),
      precision_ms: _round(result.precisionMs, 1),
      rtt_ms: _round(result.rttMs, 3),
      samples: result.samples,
      outlier: result.outlier,
    };
  }
  return {
    ...head,
    transport: result.transport,
    unix: _round(result.unix, 6),
    iso: new Date(result.unix * 1000).toISOString(),
    stratum: result.stratum,
    refid: result.refid,
    leap: result.leap,
    root_distance_ms: _round(result.rootDistanceS * 1000, 3),
    rtt_ms: _round(result.rttMs, 3),
    offset_s: _round(result.offsetS, 6),
    outlier: result.outlier,
  };
}

function _toLine(result: PollResult & { ok: true }): string {
  const where = formatHostPort(result.host, result.port);
  const via = result.address === result.host ? "" : ` (${result.address})`;
  const sign = result.offsetS >= 0 ? "+" : "-";
  const outlier = result.outlier ? "  OUTLIER" : "";
  if (result.protocol === "time") {
    return `${where}${via} ${result.transport}  ${_toIso(result.unix)}  ` +
      `offset ${sign}${Math.abs(result.offsetS).toFixed(3)} s  rtt ${result.rttMs.toFixed(1)} ms` +
      outlier;
  }
  if (result.protocol !== "ntp") {
    return `${where} ${result.protocol}  ${new Date(result.unix * 1000).toISOString()}  ` +
      `offset ${sign}${Math.abs(result.offsetS).toFixed(3)} s  ` +
      `+/- ${result.precisionMs.toFixed(0)} ms  rtt ${result.rttMs.toFixed(1)} ms` +
      (result.authenticated ? "" : "  UNAUTHENTICATED") + outlier;
  }
  return `${where}${via} ntp  ${new Date(result.unix * 1000).toISOString()}  ` +
    `offset ${sign}${Math.abs(result.offsetS).toFixed(6)} s  rtt ${result.rttMs.toFixed(3)} ms  ` +
    `stratum ${result.stratum}  refid ${result.refid}${outlier}`;
}
