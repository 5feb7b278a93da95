/**
 * Sends a request and follows redirects by netkit's rules
 * ({@linkcode nextHop}), each hop bounded by `--connect-timeout`.
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";
import type { FetchExtras, NetAdapter } from "../net/types.ts";
import type { Attempt } from "./attempt.ts";
import { connectError, DownloadError } from "./errors.ts";
import { requestLines, responseLines } from "./head_lines.ts";
import { type Hop, nextHop, REDIRECT_STATUSES } from "./redirect.ts";

/** Options for {@linkcode fetchFollowing}. */
export interface FetchFollowingOptions {
  net: NetAdapter;
  /** The attempt whose signal and timers bound each hop. */
  attempt: Attempt;
  /** Follow redirects at all (`--no-follow` turns it off). */
  follow: boolean;
  maxRedirects: number;
  allowDowngrade: boolean;
  /** Accept any TLS certificate (`-k`). */
  insecure: boolean;
  connectTimeoutMs: number;
  /** `-v`: one line of a request or response head. */
  verbose?: (line: string) => void;
}

/**
 * Sends `first` and follows redirects; the response is the server's, its
 * body undecoded (net.fetch never decodes a content coding).
 *
 * @param first the request the user asked for
 * @param options the adapter, the attempt and the redirect rules
 * @returns the final response and the URL it came from
 * @throws {DownloadError} on a connection failure, a timeout, too many redirects (47)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fetchFollowing } from "./fetch_following.ts";
 * import { Attempt } from "./attempt.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const net = { fetch: (url: URL) => Promise.resolve(new Response(url.pathname)) } as unknown as NetAdapter;
 * const attempt = new Attempt({ now: 0 });
 * const { response } = await fetchFollowing(
 *   { url: new URL("http://h.test/a"), method: "GET", headers: new Headers() },
 *   { net, attempt, follow: true, maxRedirects: 10, allowDowngrade: false, insecure: false, connectTimeoutMs: 1000 },
 * );
 * attempt.disarm();
 * assert((await response.text()) === "/a");
 * ```
 */
export async function fetchFollowing(
  first: Hop,
  options: FetchFollowingOptions,
): Promise<{ response: Response; url: URL }> {
  // Nothing here asks the adapter to decode: the server's bytes come back as sent.
  const extras: FetchExtras = { insecure: options.insecure };
  let hop = first;
  for (let hops = 0;; hops++) {
    const seconds = options.connectTimeoutMs / 1000;
    options.attempt.arm(
      options.connectTimeoutMs,
      `No response from ${hop.url.host} within ${seconds} s (--connect-timeout)`,
    );
    if (options.verbose) {
      requestLines(hop.url, { method: hop.method, headers: hop.headers }).forEach(options.verbose);
    }
    let response: Response;
    try {
      response = await options.net.fetch(hop.url, {
        method: hop.method,
        headers: hop.headers,
        body: hop.body,
        redirect: "manual",
        signal: options.attempt.controller.signal,
      }, extras);
    } catch (error) {
      throw connectError(error, { url: hop.url, timeout: options.attempt.timeout });
    }
    if (options.verbose) responseLines(response).forEach(options.verbose);
    const redirects = REDIRECT_STATUSES.has(response.status) && response.headers.has("location");
    if (!options.follow || !redirects) return { response, url: hop.url };
    await response.body?.cancel().catch(() => {});
    if (hops >= options.maxRedirects) {
      throw new DownloadError(
        EXIT.TOO_MANY_REDIRECTS,
        `Too many redirects: stopped after ${options.maxRedirects} (--max-redirects)`,
      );
    }
    hop = nextHop(hop, response, options);
  }
}
