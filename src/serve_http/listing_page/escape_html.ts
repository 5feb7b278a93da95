/**
 * HTML escaping for the listing page.
 *
 * @module
 */

/**
 * Escapes text for HTML element content and quoted attributes.
 *
 * @param text any text
 * @returns the text with `&<>"'` as character references
 * @example
 * ```ts
 * import { escapeHtml } from "./escape_html.ts";
 *
 * console.assert(escapeHtml("<b>") === "&#60;b&#62;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
