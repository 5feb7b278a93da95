/**
 * The one rule for a URL `get` is given, on the command line or in an
 * input file (`-i`).
 *
 * @module
 */
import { UsageError } from "../cli/args.ts";

/**
 * Parses a URL to download: `http://` is assumed without a scheme, and only
 * http and https are accepted.
 *
 * @param text the URL as the user wrote it
 * @returns the URL
 * @throws {UsageError} for a malformed URL, another scheme, or no host
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { downloadUrl } from "./download_url.ts";
 *
 * assert(downloadUrl("example.com/a").href === "http://example.com/a");
 * assert.throws(() => downloadUrl("ftp://example.com/"), /use http or https/);
 * ```
 */
export function downloadUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw new UsageError(`not a URL: '${text}'`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`unsupported scheme '${url.protocol.slice(0, -1)}': use http or https`);
  }
  if (url.hostname === "") throw new UsageError(`not a URL: '${text}' (no host)`);
  return url;
}
