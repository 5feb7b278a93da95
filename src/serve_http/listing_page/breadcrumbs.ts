/**
 * The listing page's heading: one link per folder of the path.
 *
 * @module
 */
import { escapeHtml } from "./escape_html.ts";

/**
 * Renders `Index of /a/b/` with `/`, `a` and `b` as links. The links are
 * relative (`../../`, `../`, `./`), so the page also works under a prefix.
 *
 * @param urlPath the folder's decoded URL path (starts and ends with `/`)
 * @returns the `<h1>` inside a breadcrumb `<nav>`
 * @example
 * ```ts
 * import { renderBreadcrumbs } from "./breadcrumbs.ts";
 *
 * const html = renderBreadcrumbs("/a/b#c/");
 * console.assert(html.includes('<a href="../">a</a>'));
 * console.assert(html.includes('<a href="./" aria-current="page">b#c</a>'));
 * ```
 */
export function renderBreadcrumbs(urlPath: string): string {
  const segments = urlPath.split("/").filter(Boolean);
  const up = (depth: number) => "../".repeat(segments.length - depth) || "./";
  const current = (depth: number) => depth === segments.length ? ' aria-current="page"' : "";
  const links = [`<a href="${up(0)}"${current(0)} aria-label="top folder">/</a>`];
  segments.forEach((segment, i) => {
    links.push(`<a href="${up(i + 1)}"${current(i + 1)}>${escapeHtml(segment)}</a>/`);
  });
  return `<nav aria-label="Breadcrumb"><h1>Index of ${links.join("")}</h1></nav>`;
}
