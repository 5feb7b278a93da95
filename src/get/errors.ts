/**
 * Why a download failed, as curl's exit codes (where curl has one) and
 * netkit's own. The adapter has already turned every runtime error into a
 * NetError with a code; here each code gets its exit code, message and
 * whether a retry may help, from one table.
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";
import { NetError, type NetErrorCode } from "../net/errors.ts";

/**
 * A failed download: a one-line message and the exit code that goes with it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DownloadError } from "./errors.ts";
 * import { EXIT } from "../cli/exit_codes.ts";
 *
 * const error = new DownloadError(EXIT.HTTP_ERROR, "The requested URL returned error: 503", {
 *   retryable: true,
 *   retryAfterSeconds: 5,
 * });
 * assert.equal(error.exitCode, 22);
 * assert.equal(error.retryable, true);
 * assert.equal(error.retryAfterSeconds, 5);
 * assert.equal(new DownloadError(EXIT.FAILURE, "no").retryable, false);
 * ```
 */
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

/**
 * Why an attempt was aborted by netkit itself: the abort reason it passes to
 * its AbortController, so the error that follows is known as a timeout (28).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectError, TimeoutReason } from "./errors.ts";
 *
 * const reason = new TimeoutReason("Connection timed out after 5000 ms");
 * const error = connectError(new Error("aborted"), {
 *   url: new URL("http://127.0.0.1:9/"),
 *   timeout: reason,
 * });
 * assert.equal(error.exitCode, 28);
 * assert.equal(error.message, "Connection timed out after 5000 ms");
 * ```
 */
export class TimeoutReason extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutReason";
  }
}

/** What a failure before the response means for `get`. */
interface ConnectRule {
  exit: number;
  retryable: boolean;
  /** The message, from the host (`example.com:8443`), the NetError's phrase and the URL. */
  message(host: string, reason: string, url: URL): string;
}

const certificate: ConnectRule = {
  exit: EXIT.CERTIFICATE,
  retryable: false,
  message: (host, reason) => `Certificate of ${host} could not be verified: ${reason}`,
};

const unreachable: ConnectRule = {
  exit: EXIT.CONNECT_FAILED,
  retryable: true,
  message: (host, reason) => `Cannot connect to ${host}: ${reason}`,
};

/** NetError codes of a fetch that got no response, as curl's exit codes. */
const CONNECT_RULES: Partial<Record<NetErrorCode, ConnectRule>> = {
  ENOTFOUND: {
    exit: EXIT.UNRESOLVED_HOST,
    retryable: false,
    message: (_host, _reason, url) => `Could not resolve host: ${url.hostname}`,
  },
  ECONNREFUSED: {
    exit: EXIT.CONNECT_FAILED,
    retryable: true,
    message: (host) => `Connection refused by ${host}`,
  },
  EHOSTUNREACH: unreachable,
  ENETUNREACH: unreachable,
  // Deno refuses the fetch standard's "bad ports" (22, 25, …): retrying cannot help.
  EBADPORT: { ...unreachable, retryable: false },
  ETIMEDOUT: {
    exit: EXIT.TIMEOUT,
    retryable: true,
    message: (host) => `Connection to ${host} timed out`,
  },
  CERT_UNTRUSTED: certificate,
  CERT_HOSTNAME: certificate,
  CERT_EXPIRED: certificate,
  TLS_FAILED: {
    exit: EXIT.TLS_HANDSHAKE,
    retryable: false,
    message: (host, reason) => `TLS handshake with ${host} failed: ${reason}`,
  },
};

/** Anything else before the response head (a reset, a malformed head): curl 56. */
const RECEIVE_RULE: ConnectRule = {
  exit: EXIT.RECEIVE_ERROR,
  retryable: true,
  message: (host, reason) => `No valid response from ${host}: ${reason}`,
};

/** netkit's own timeout: given, or the abort reason of an EABORTED NetError. */
function ownTimeout(error: unknown, timeout?: TimeoutReason): TimeoutReason | undefined {
  if (timeout) return timeout;
  if (error instanceof NetError && error.cause instanceof TimeoutReason) return error.cause;
  return undefined;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Where a failed fetch was going, and whether netkit itself aborted it. */
export interface ConnectErrorOptions {
  /** The URL being fetched, for the message. */
  url: URL;
  /** The reason netkit aborted, if it did. */
  timeout?: TimeoutReason;
}

/**
 * Turns what `fetch` threw before a response arrived into a DownloadError.
 *
 * @param error what the adapter's fetch threw (a NetError with a code)
 * @param options the URL and netkit's own abort reason
 * @returns the classified error
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectError } from "./errors.ts";
 * import { NetError } from "../net/errors.ts";
 *
 * const error = connectError(new NetError("ECONNREFUSED", "connection refused"), {
 *   url: new URL("http://127.0.0.1:9/"),
 * });
 * assert(error.exitCode === 7 && error.retryable);
 * assert(error.message === "Connection refused by 127.0.0.1:9");
 * ```
 */
export function connectError(error: unknown, options: ConnectErrorOptions): DownloadError {
  const { url, timeout } = options;
  const own = ownTimeout(error, timeout);
  if (own) return new DownloadError(EXIT.TIMEOUT, own.message, { retryable: true });
  const code = error instanceof NetError ? error.code : undefined;
  const rule = (code && CONNECT_RULES[code]) || RECEIVE_RULE;
  return new DownloadError(rule.exit, rule.message(url.host, reasonOf(error), url), {
    cause: error,
    retryable: rule.retryable,
  });
}

/** How far a body got, and whether netkit itself aborted it. */
export interface BodyErrorOptions {
  /** Bytes received so far in this response. */
  received: number;
  /** The reason netkit aborted, if it did. */
  timeout?: TimeoutReason;
}

/**
 * Turns an error while reading the body into a DownloadError.
 *
 * @param error what the body stream threw (a NetError with a code)
 * @param options the bytes received and netkit's own abort reason
 * @returns the classified error (18, or 28 for a timeout), always retryable
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bodyError } from "./errors.ts";
 * import { NetError } from "../net/errors.ts";
 *
 * const error = bodyError(new NetError("ECONNRESET", "connection reset by peer"), {
 *   received: 1000,
 * });
 * assert(error.exitCode === 18);
 * assert(error.message === "Transfer broke off after 1000 bytes of the body: connection reset by peer");
 * ```
 */
export function bodyError(error: unknown, options: BodyErrorOptions): DownloadError {
  const { received, timeout } = options;
  const own = ownTimeout(error, timeout);
  if (own) return new DownloadError(EXIT.TIMEOUT, own.message, { retryable: true });
  if (error instanceof NetError && error.code === "ETIMEDOUT") {
    return new DownloadError(EXIT.TIMEOUT, `Transfer timed out after ${received} bytes`, {
      cause: error,
      retryable: true,
    });
  }
  return new DownloadError(
    EXIT.PARTIAL_BODY,
    `Transfer broke off after ${received} bytes of the body: ${reasonOf(error)}`,
    { cause: error, retryable: true },
  );
}
