/**
 * Access log lines: common, combined (Apache/nginx) and JSON.
 *
 * @module
 */
import type { HttpHandler } from "../net/types.ts";
import { authenticatedUser } from "./auth.ts";

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

/**
 * Escapes control characters, quotes and backslashes, so one request is one line.
 *
 * @param text a field
 * @returns the field, with `\xNN` for each such character
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeLogField } from "./access_log.ts";
 *
 * assert(escapeLogField('a"b\n') === "a\\x22b\\x0a");
 * ```
 */
export function escapeLogField(text: string): string {
  // Most fields need nothing: a test is cheaper than a replace that finds nothing.
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(
    ESCAPED,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

// deno-lint-ignore no-control-regex -- control characters are exactly what is escaped
const NEEDS_ESCAPE = /[\x00-\x1f\x7f"\\]/;
// deno-lint-ignore no-control-regex -- the same set, every occurrence
const ESCAPED = /[\x00-\x1f\x7f"\\]/g;

/** The last second formatted, and its text: a busy server formats each second once. */
let clfSecond = Number.NaN;
let clfText = "";

/** `10/Oct/2000:13:55:36 +0000` */
function clfDate(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second === clfSecond) return clfText;
  clfSecond = second;
  clfText = _formatClfDate(date);
  return clfText;
}

function _formatClfDate(date: Date): string {
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
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatAccessLog } from "./access_log.ts";
 *
 * const line = formatAccessLog({
 *   remote: "192.0.2.7",
 *   user: "ann",
 *   time: new Date("2026-11-22T10:15:02Z"),
 *   method: "GET",
 *   target: "/a.txt",
 *   status: 200,
 *   bytes: 13,
 *   durationMs: 1,
 * }, "common");
 * assert(line === '192.0.2.7 - ann [22/Nov/2026:10:15:02 +0000] "GET /a.txt HTTP/1.1" 200 13');
 * ```
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

/** Options for {@linkcode withAccessLog}. */
export interface AccessLogOptions {
  /** Line format. */
  format: Exclude<LogFormat, "off">;
  /** Writes text (one or more lines, no final newline) to the log. */
  write(text: string): void;
  /** Longest a line waits to be written, in milliseconds. @default {@linkcode LOG_FLUSH_MS} */
  flushMs?: number;
}

/** Longest an access log line waits before it is written, in milliseconds. */
export const LOG_FLUSH_MS = 100;
/** Lines written together at most. */
const LOG_BATCH_LINES = 512;

/** What the adapter tells a handler about a request's connection. */
type HandlerInfo = Parameters<HttpHandler>[1];

/**
 * Wraps a handler so each request leaves one access log line. Lines are
 * written in batches, at most `flushMs` after their request (one write per
 * line cost half of Deno's requests/s); call `flush()` before exiting.
 *
 * @param handler the handler to log
 * @param options format and destination
 * @returns the logging handler, and `flush` to write what waits
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withAccessLog } from "./access_log.ts";
 *
 * const lines: string[] = [];
 * const log = withAccessLog(() => new Response("hi"), { format: "common", write: (t) => lines.push(t) });
 * const remoteAddr = { transport: "tcp" as const, hostname: "127.0.0.1", port: 1 };
 * await log.handler(new Request("http://localhost/a?b"), { remoteAddr });
 * log.flush(); // on shutdown
 * assert(lines[0].includes('"GET /a?b HTTP/1.1" 200'));
 * ```
 */
export function withAccessLog(
  handler: HttpHandler,
  options: AccessLogOptions,
): { handler: HttpHandler; flush(): void } {
  let lines: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (lines.length === 0) return;
    const text = lines.join("\n");
    lines = [];
    options.write(text);
  };
  const record = (
    request: Request,
    info: HandlerInfo,
    entry: { status: number; response?: Response; started: number },
  ) => {
    // The target as requested: the URL after its origin (Bun gives only the
    // path for an HTTP/1.0 request without Host).
    const url = request.url;
    const target = url.startsWith("/") ? url : url.slice(url.indexOf("/", url.indexOf("//") + 2));
    const length = entry.response?.headers.get("content-length") ?? null;
    const detailed = options.format !== "common";
    lines.push(formatAccessLog({
      remote: info.remoteAddr.hostname,
      user: authenticatedUser(request),
      time: new Date(),
      method: request.method,
      target,
      status: entry.status,
      bytes: length === null || request.method === "HEAD" ? undefined : Number(length),
      referer: detailed ? request.headers.get("referer") : undefined,
      userAgent: detailed ? request.headers.get("user-agent") : undefined,
      durationMs: performance.now() - entry.started,
    }, options.format));
    if (lines.length >= LOG_BATCH_LINES) flush();
    else timer ??= setTimeout(flush, options.flushMs ?? LOG_FLUSH_MS);
  };
  const logging: HttpHandler = async (request, info) => {
    const started = performance.now();
    let response: Response;
    try {
      response = await handler(request, info);
    } catch (error) {
      // The adapter answers 500; the log says so too.
      record(request, info, { status: 500, started });
      throw error;
    }
    record(request, info, { status: response.status, response, started });
    return response;
  };
  return { handler: logging, flush };
}
