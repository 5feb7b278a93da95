/**
 * Directory listings: an HTML page (breadcrumbs, folders first, type hints,
 * sortable by links without JavaScript, a filter box and uploads with its
 * one constant script, every name escaped) and the same as JSON.
 *
 * @module
 */
import { formatBytes } from "../fmt/bytes.ts";
import { renderBreadcrumbs } from "./listing_page/breadcrumbs.ts";
import { escapeHtml } from "./listing_page/escape_html.ts";
import { fileKind } from "./listing_page/file_kind.ts";
import { type PageControlsOptions, renderPageControls } from "./listing_page/page_controls.ts";
import { PAGE_SCRIPT } from "./listing_page/page_script.ts";
import { PAGE_STYLE } from "./listing_page/page_style.ts";

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

/** Encodes a file name as one URL path segment. */
function hrefFor(entry: ListingEntry): string {
  return encodeURIComponent(entry.name) + (entry.kind === "directory" ? "/" : "");
}

/** Options for {@linkcode renderListingHtml}. */
export interface RenderListingOptions extends PageControlsOptions {
  /** Current sort key and order. */
  sort: { key: SortKey; descending: boolean };
}

/**
 * Renders the HTML listing of a folder. Its only script and style are the
 * constants of listing_page/, admitted by hash (listing_page/page_policy.ts).
 *
 * @param urlPath the folder's decoded URL path (ends with `/`)
 * @param entries its visible entries
 * @param options sort order, and which controls to show
 * @returns a complete HTML document
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderListingHtml } from "./listing.ts";
 *
 * const entries = [{ name: "a.txt", kind: "file" as const, size: 1, mtimeMs: 0 }];
 * const html = renderListingHtml("/docs/", entries, { sort: { key: "name", descending: false } });
 * assert(html.includes('<a href="a.txt">a.txt</a>'));
 * ```
 */
export function renderListingHtml(
  urlPath: string,
  entries: ListingEntry[],
  options: RenderListingOptions,
): string {
  const { sort } = options;
  const header = (key: SortKey, label: string) => {
    const descending = sort.key === key ? !sort.descending : key !== "name";
    const arrow = sort.key === key ? (sort.descending ? " ↓" : " ↑") : "";
    const current = sort.key === key
      ? ` aria-sort="${sort.descending ? "descending" : "ascending"}"`
      : "";
    return `<th${current}><a href="?sort=${key}&amp;order=${
      descending ? "desc" : "asc"
    }">${label}${arrow}</a></th>`;
  };
  const rows = sortEntries(entries, sort).map(renderRow);
  const up = urlPath === "/"
    ? ""
    : `<tr><td><span class="k">up</span><a href="../">../</a></td><td></td><td></td></tr>\n`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<title>Index of ${escapeHtml(urlPath)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
${renderBreadcrumbs(urlPath)}
${renderPageControls(options)}
<table id="list">
<thead><tr>${header("name", "Name")}${header("size", "Size")}${
    header("mtime", "Modified (UTC)")
  }</tr></thead>
<tbody>
${up}${rows.join("\n")}
</tbody>
</table>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** One row: type hint, name link, size (exact bytes in the title), time. */
function renderRow(entry: ListingEntry): string {
  const folder = entry.kind === "directory";
  const name = escapeHtml(entry.name) + (folder ? "/" : "");
  const size = folder ? "—" : escapeHtml(formatBytes(entry.size));
  const date = new Date(entry.mtimeMs).toISOString();
  const kind = fileKind(entry.name, entry.kind);
  return `<tr data-name="${escapeHtml(entry.name)}" data-kind="${kind}">` +
    `<td><span class="k">${kind}</span><a href="${escapeHtml(hrefFor(entry))}">${name}</a></td>` +
    `<td class="n" title="${entry.size} bytes">${size}</td>` +
    `<td class="n"><time datetime="${date}">${
      date.slice(0, 16).replace("T", " ")
    }</time></td></tr>`;
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
