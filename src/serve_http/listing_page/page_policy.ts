/**
 * The listing page's Content-Security-Policy (CSP Level 3, W3C): nothing is
 * allowed but the page's own inline style and script, admitted by hash.
 *
 * @module
 */
import { nodeCrypto } from "../../lazy_node.ts";
import { PAGE_SCRIPT } from "./page_script.ts";
import { PAGE_STYLE } from "./page_style.ts";

/** CSP's hash-source of a text: `'sha256-BASE64'` (CSP3 §2.3.1). */
function hashSource(text: string): string {
  return `'sha256-${nodeCrypto().createHash("sha256").update(text).digest("base64")}'`;
}

const SCRIPT_HASH = hashSource(PAGE_SCRIPT);
const STYLE_HASH = hashSource(PAGE_STYLE);

/**
 * The policy for a listing page. Without `--upload` the page fetches
 * nothing, so `connect-src` stays `'none'`; `form-action 'self'` lets the
 * archive buttons (a GET form) and the upload forms submit to the page itself.
 *
 * @param writes whether the page uploads (fetch/XHR and forms to its own origin)
 * @returns the `Content-Security-Policy` header's value
 * @example
 * ```ts
 * import { pagePolicy } from "./page_policy.ts";
 *
 * console.assert(pagePolicy(false).startsWith("default-src 'none'"));
 * console.assert(pagePolicy(true).includes("connect-src 'self'"));
 * ```
 */
export function pagePolicy(writes: boolean): string {
  const own = writes ? "'self'" : "'none'";
  return [
    "default-src 'none'",
    `script-src ${SCRIPT_HASH}`,
    `style-src ${STYLE_HASH}`,
    // The page's icon is `data:,` (an empty one): no request for /favicon.ico.
    "img-src data:",
    `connect-src ${own}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}
