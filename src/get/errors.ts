/**
 * Why a download failed, as curl's exit codes (where curl has one) and
 * netkit's own; and how to tell the runtimes' fetch errors apart.
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";

/** A failed download: a one-line message and the exit code that goes with it. */
export class DownloadError extends Error {
  /** The exit code for this failure. */
  readonly exitCode: number;
  /** Whether trying again may help (connection trouble, timeouts, 408/429/5xx). */
  readonly retryable: boolean;
  /** Seconds the server asked us to wait (Retry-After). */
  readonly retryAfterSeconds?: number;
  constructor(
    exitCode: number,
    message: string,
    options: ErrorOptions & { retryable?: boolean; retryAfterSeconds?: number } = {},
  ) {
    super(message, options);
    this.name = "DownloadError";
    this.exitCode = exitCode;
    this.retryable = options.retryable ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Why an attempt was aborted by netkit itself. */
export class TimeoutReason extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutReason";
  }
}

/** The message of an error and of its causes, which is where both runtimes put the detail. */
function describe(error: unknown): { text: string; code: string } {
  const parts: string[] = [];
  let code = "";
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const e = current as { message?: unknown; code?: unknown; cause?: unknown };
    if (typeof e.message === "string") parts.push(e.message);
    else parts.push(String(current));
    if (!code && typeof e.code === "string") code = e.code;
    current = e.cause;
  }
  return { text: parts.join(": "), code };
}

/**
 * Turns what `fetch` threw before a response arrived into a DownloadError.
 *
 * Deno puts the reason in the error's cause ("dns error", "tcp connect
 * error: Connection refused", "invalid peer certificate"); Bun in `code`
 * (ENOTFOUND, ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT…).
 *
 * @param error what fetch threw
 * @param url the URL being fetched, for the message
 * @param timeout the reason netkit aborted, if it did
 * @returns the classified error
 */
export function connectError(error: unknown, url: URL, timeout?: TimeoutReason): DownloadError {
  if (timeout) return new DownloadError(EXIT.TIMEOUT, timeout.message, { retryable: true });
  const { text, code } = describe(error);
  const host = url.host;
  if (code === "ENOTFOUND" || /dns error|failed to lookup|getaddrinfo/i.test(text)) {
    return new DownloadError(EXIT.UNRESOLVED_HOST, `Could not resolve host: ${url.hostname}`, {
      cause: error,
    });
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code) || /certificate/i.test(text)) {
    return new DownloadError(
      EXIT.CERTIFICATE,
      `Certificate of ${host} could not be verified: ${shortReason(text, code)}`,
      { cause: error },
    );
  }
  if (code === "ECONNREFUSED" || /connection refused/i.test(text)) {
    return new DownloadError(EXIT.CONNECT_FAILED, `Connection refused by ${host}`, {
      cause: error,
      retryable: true,
    });
  }
  if (/are blocked/i.test(text)) {
    // Deno refuses the fetch spec's "bad ports" (22, 25, …).
    return new DownloadError(EXIT.CONNECT_FAILED, `Cannot connect to ${host}: ${text}`, {
      cause: error,
    });
  }
  if (/EHOSTUNREACH|ENETUNREACH|unreachable/i.test(code + text)) {
    return new DownloadError(EXIT.CONNECT_FAILED, `Cannot connect to ${host}: unreachable`, {
      cause: error,
      retryable: true,
    });
  }
  if (/tls|ssl|handshake/i.test(code + " " + text)) {
    return new DownloadError(
      EXIT.TLS_HANDSHAKE,
      `TLS handshake with ${host} failed: ${shortReason(text, code)}`,
      { cause: error },
    );
  }
  return new DownloadError(
    EXIT.RECEIVE_ERROR,
    `No valid response from ${host}: ${shortReason(text, code)}`,
    { cause: error, retryable: true },
  );
}

/**
 * Turns an error while reading the body into a DownloadError.
 *
 * @param error what the body stream threw
 * @param received bytes received so far in this response
 * @param timeout the reason netkit aborted, if it did
 * @returns the classified error (18 or 28), always retryable
 */
export function bodyError(
  error: unknown,
  received: number,
  timeout?: TimeoutReason,
): DownloadError {
  if (timeout) return new DownloadError(EXIT.TIMEOUT, timeout.message, { retryable: true });
  const { text, code } = describe(error);
  return new DownloadError(
    EXIT.PARTIAL_BODY,
    `Transfer broke off after ${received} bytes of the body: ${shortReason(text, code)}`,
    { cause: error, retryable: true },
  );
}

/** The innermost useful words of a runtime's error text. */
function shortReason(text: string, code: string): string {
  const last = text.split(": ").filter((p) => p && !/^fetch failed$/i.test(p)).pop() ?? text;
  const reason = last.replace(/\s*For more information, pass `verbose: true`.*$/, "").trim();
  return code && !reason.includes(code) ? `${reason} (${code})` : reason;
}
