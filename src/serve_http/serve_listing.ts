/**
 * The response for a folder without index.html: its listing, as HTML or,
 * when the request's Accept prefers it, as JSON.
 *
 * @module
 */
import type { FileSystem } from "../net/types.ts";
import {
  type ListingEntry,
  renderListingHtml,
  renderListingJson,
  type SortKey,
} from "./listing.ts";
import type { PageControlsOptions } from "./listing_page/page_controls.ts";
import { pagePolicy } from "./listing_page/page_policy.ts";
import { requestUrl } from "./locate.ts";
import { prefersJson } from "./negotiate.ts";
import type { StatCache } from "./stat_cache.ts";
import { folderEntries, type FolderEntry } from "./folder_entries.ts";

/** Options for {@linkcode serveListing}. */
export interface ServeListingOptions extends PageControlsOptions {
  /** Folder names: the adapter's `fs`. */
  fs: FileSystem;
  /** Stats entries and refuses symlinks out of the root. */
  cache: StatCache;
  /** List dotfiles. */
  dotfiles: boolean;
  /** Entries that exist only on this server (the virtual SHA256SUMS), given the real ones. */
  virtualEntries?(entries: readonly FolderEntry[]): ListingEntry[];
}

const SORT_KEYS: readonly SortKey[] = ["name", "size", "mtime"];

/**
 * Lists a folder: `?sort=name|size|mtime&order=asc|desc` for HTML, which
 * carries its Content-Security-Policy.
 *
 * @param request the request (its Accept and query)
 * @param folder the folder's path on disk and its decoded URL path (ending in `/`)
 * @param options the file system, the cache and the dotfile policy
 * @returns the listing response
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveListing } from "./serve_listing.ts";
 * import { StatCache } from "./stat_cache.ts";
 * import { selectAdapter } from "../net/select.ts";
 * import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const fs = selectAdapter().fs;
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "listing-")));
 * writeFileSync(join(root, "a.txt"), "a");
 * const request = new Request("http://x/", { headers: { accept: "application/json" } });
 * const options = { fs, cache: new StatCache({ root, fs }), dotfiles: false };
 * const response = await serveListing(request, { path: root, urlPath: "/" }, options);
 * assert((await response.json())[0].name === "a.txt");
 * rmSync(root, { recursive: true });
 * ```
 */
export async function serveListing(
  request: Request,
  folder: { path: string; urlPath: string },
  options: ServeListingOptions,
): Promise<Response> {
  const found = await folderEntries(folder.path, options);
  const entries: ListingEntry[] = found.map(({ name, info }) => ({
    name,
    kind: info.isDirectory ? "directory" : "file",
    size: info.isDirectory ? 0 : info.size,
    mtimeMs: info.mtimeMs,
  }));
  entries.push(...(options.virtualEntries?.(found) ?? []));
  if (prefersJson(request.headers.get("accept"))) {
    return listingResponse(request, { text: renderListingJson(entries), type: "application/json" });
  }
  const query = requestUrl(request).searchParams;
  const key = SORT_KEYS.find((k) => k === query.get("sort")) ?? "name";
  const html = renderListingHtml(folder.urlPath, entries, {
    ...options,
    sort: { key, descending: query.get("order") === "desc" },
  });
  const policy = pagePolicy(options.upload === true);
  return listingResponse(request, { text: html, type: "text/html", policy });
}

/** The listing's response; a HEAD gets the GET's headers, Content-Length included, and no body. */
function listingResponse(
  request: Request,
  body: { text: string; type: string; policy?: string },
): Response {
  const { text, type, policy } = body;
  const headers: Record<string, string> = {
    "cache-control": "no-cache",
    "vary": "accept",
    "content-type": `${type}; charset=utf-8`,
  };
  if (policy) headers["content-security-policy"] = policy;
  if (request.method !== "HEAD") return new Response(text, { headers });
  headers["content-length"] = String(new TextEncoder().encode(text).length);
  return new Response(null, { headers });
}
