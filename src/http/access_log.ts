/**
 * Access log lines: common, combined (Apache/nginx) and JSON.
 *
 * @module
 */

/** Log formats `--log` accepts. */
export type LogFormat = "common" | "combined" | "json" | "off";

/** What one request left behind. */
export interface AccessRecord {
  remote: string;
  user?: string;
  time: Date;
  method: string;
  /** Path and query as requested. */
  target: string;
  status: number;
  /** Body bytes, when known. */
  bytes?: number;
  referer?: string | null;
  userAgent?: string | null;
  durationMs: number;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Escapes control characters, quotes and backslashes, so one request is one line. */
export function escapeLogField(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex -- control characters are exactly what is escaped
    /[\x00-\x1f\x7f"\\]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/** `10/Oct/2000:13:55:36 +0000` */
function clfDate(date: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

/**
 * Formats one access log line.
 *
 * @param record the request
 * @param format common, combined or json
 * @returns the line, without a newline
 */
export function formatAccessLog(record: AccessRecord, format: Exclude<LogFormat, "off">): string {
  if (format === "json") {
    return JSON.stringify({
      time: record.time.toISOString(),
      remote: record.remote,
      user: record.user ?? null,
      method: record.method,
      target: record.target,
      status: record.status,
      bytes: record.bytes ?? null,
      referer: record.referer ?? null,
      user_agent: record.userAgent ?? null,
      duration_ms: Math.round(record.durationMs * 1000) / 1000,
    });
  }
  const line = `${record.remote || "-"} - ${escapeLogField(record.user ?? "-")} ` +
    `[${clfDate(record.time)}] "${escapeLogField(record.method)} ${
      escapeLogField(record.target)
    } HTTP/1.1" ` +
    `${record.status} ${record.bytes ?? "-"}`;
  if (format === "common") return line;
  return `${line} "${escapeLogField(record.referer ?? "-")}" "${
    escapeLogField(record.userAgent ?? "-")
  }"`;
}
