/**
 * An HTTP error status (400 or above) as a {@linkcode DownloadError}: exit
 * 22, retryable for 408, 429 and 5xx, with the server's Retry-After.
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";
import { STATUS_TEXT } from "../fmt/status_text.ts";
import { DownloadError } from "./errors.ts";
import { parseRetryAfter } from "./retry_after.ts";

/** Options for {@linkcode httpError}. */
export interface HttpErrorOptions {
  /** Receives the error page (`--fail-with-body`); without it the body is not read. */
  errorBody?: (text: string) => void;
}

/**
 * Turns an HTTP error response into a DownloadError, reading the body only
 * for `--fail-with-body`.
 *
 * @param response a response with status 400 or above
 * @param options where the error page goes, if anywhere
 * @returns the error to throw
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { httpError } from "./http_error.ts";
 *
 * const error = await httpError(new Response("busy", { status: 503, headers: { "retry-after": "2" } }));
 * assert(error.exitCode === 22 && error.retryable && error.retryAfterSeconds === 2);
 * assert(error.message === "HTTP 503 Service Unavailable");
 * ```
 */
export async function httpError(
  response: Response,
  options: HttpErrorOptions = {},
): Promise<DownloadError> {
  const status = response.status;
  if (options.errorBody) {
    try {
      options.errorBody(await response.text());
    } catch {
      // A body that breaks off adds nothing to the error itself.
    }
  } else {
    await response.body?.cancel().catch(() => {});
  }
  const retryable = status === 408 || status === 429 || status >= 500;
  const retryAfter = retryable ? parseRetryAfter(response.headers.get("retry-after")) : undefined;
  const reason = response.statusText || STATUS_TEXT[status] || "";
  return new DownloadError(EXIT.HTTP_ERROR, `HTTP ${status}${reason ? " " + reason : ""}`, {
    retryable,
    retryAfterSeconds: retryAfter,
  });
}
