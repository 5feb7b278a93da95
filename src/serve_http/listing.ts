/**
 * Directory listings: an HTML page (no JavaScript, sortable by links,
 * readable on a phone, every name escaped) and the same as JSON.
 *
 * @module
 */
import { formatBytes } from "../fmt/bytes.ts";

/** One entry of a listing. */
export interface ListingEntry {
  name: string;
  kind: "file" | "directory";
  size: number;
  /** Modification time, ms since the epoch. */
  mtimeMs: number;
}

/** Sort keys the page offers. */
export type SortKey = "name" | "size" | "mtime";

/**
 * Sorts entries: folders first, then by `key`.
 *
 * @param entries the entries (not modified)
 * @param order what to sort by, and whether in reverse
 * @returns a sorted copy
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sortEntries } from "./listing.ts";
 *
 * const sorted = sortEntries([
 *   { name: "b.txt", kind: "file", size: 1, mtimeMs: 0 },
 *   { name: "a", kind: "directory", size: 0, mtimeMs: 0 },
 * ], { key: "name", descending: false });
 * assert(sorted[0].name === "a");
 * ```
 */
export function sortEntries(
  entries: ListingEntry[],
  { key, descending }: { key: SortKey; descending: boolean },
): ListingEntry[] {
  const sign = descending ? -1 : 1;
  return [...entries].sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === "directory" ? -1 : 1;
    const by = key === "size"
      ? a.size - b.size
      : key === "mtime"
      ? a.mtimeMs - b.mtimeMs
      : a.name.localeCompare(b.name, "en", { numeric: true });
    return sign * (by || a.name.localeCompare(b.name));
  });
}

/**
 * Escapes text for HTML element content and quoted attributes.
 *
 * @param text any text
 * @returns the text with `&<>"'` as character references
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeHtml } from "./listing.ts";
 *
 * assert(escapeHtml("<b>") === "&#60;b&#62;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Encodes a file name as one URL path segment. */
function hrefFor(entry: ListingEntry): string {
  return encodeURIComponent(entry.name) + (entry.kind === "directory" ? "/" : "");
}

/**
 * Renders the HTML listing of a folder.
 *
 * @param urlPath the folder's decoded URL path (ends with `/`)
 * @param entries its visible entries
 * @param sort current sort key and order
 * @returns a complete HTML document
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderListingHtml } from "./listing.ts";
 *
 * const entries = [{ name: "a.txt", kind: "file" as const, size: 1, mtimeMs: 0 }];
 * const html = renderListingHtml("/docs/", entries, { key: "name", descending: false });
 * assert(html.includes('<a href="a.txt">a.txt</a>'));
 * ```
 */
export function renderListingHtml(
  urlPath: string,
  entries: ListingEntry[],
  sort: { key: SortKey; descending: boolean },
): string {
  const sorted = sortEntries(entries, sort);
  const title = `Index of ${escapeHtml(urlPath)}`;
  const header = (key: SortKey, label: string) => {
    const descending = sort.key === key ? !sort.descending : key !== "name";
    const arrow = sort.key === key ? (sort.descending ? " ↓" : " ↑") : "";
    return `<th><a href="?sort=${key}&amp;order=${
      descending ? "desc" : "asc"
    }">${label}${arrow}</a></th>`;
  };
  const rows = sorted.map((e) => {
    const name = escapeHtml(e.name) + (e.kind === "directory" ? "/" : "");
    const size = e.kind === "directory" ? "—" : escapeHtml(formatBytes(e.size));
    const time = new Date(e.mtimeMs).toISOString().slice(0, 16).replace("T", " ");
    return `<tr><td><a href="${escapeHtml(hrefFor(e))}">${name}</a></td>` +
      `<td class="n" title="${e.size} bytes">${size}</td><td class="n">${time}</td></tr>`;
  });
  const up = urlPath === "/" ? "" : `<tr><td><a href="../">../</a></td><td></td><td></td></tr>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:1rem auto;max-width:60rem;padding:0 .75rem;color:#222}
h1{font-size:1.2rem;word-break:break-all}
table{width:100%;border-collapse:collapse}
th,td{padding:.35rem .5rem;text-align:left;border-bottom:1px solid #e5e5e5}
td:first-child{word-break:break-all}
.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
a{color:#0b57d0;text-decoration:none}a:hover{text-decoration:underline}
@media (max-width:36rem){td:nth-child(3),th:nth-child(3){display:none}}
@media (prefers-color-scheme:dark){body{background:#111;color:#ddd}a{color:#8ab4f8}th,td{border-color:#333}}
</style>
</head>
<body>
<h1>${title}</h1>
<table>
<thead><tr>${header("name", "Name")}${header("size", "Size")}${
    header("mtime", "Modified (UTC)")
  }</tr></thead>
<tbody>
${up}${rows.join("\n")}
</tbody>
</table>
</body>
</html>
`;
}

/**
 * The listing as JSON: `[{name, type, size, mtime}]`, folders first.
 *
 * @param entries the visible entries
 * @returns a JSON document
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderListingJson } from "./listing.ts";
 *
 * const json = renderListingJson([{ name: "a.txt", kind: "file", size: 1, mtimeMs: 0 }]);
 * assert(JSON.parse(json)[0].type === "file");
 * ```
 */
export function renderListingJson(entries: ListingEntry[]): string {
  return JSON.stringify(
    sortEntries(entries, { key: "name", descending: false }).map((e) => ({
      name: e.name,
      type: e.kind,
      size: e.size,
      mtime: new Date(e.mtimeMs).toISOString(),
    })),
  );
}
