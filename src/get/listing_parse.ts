/**
 * Reads a folder listing for `get --mirror`: netkit serve-http's and nginx
 * `autoindex_format json`'s JSON (`[{name, type, size, mtime}]`), and the HTML
 * pages of nginx autoindex, Apache mod_autoindex and `python -m http.server`.
 *
 * HTML is parsed by htmlparser2; the rule over it is the link structure:
 * an entry is an `<a href>` that, resolved against the page's URL, names a
 * direct child of the folder (same origin, the folder's path plus exactly one
 * segment, a trailing `/` for a folder, no query). That drops parent links
 * (`../`, Apache's absolute `/`), sort links (`?C=N;O=D`, `?sort=`), other
 * hosts and deeper paths. The `href` is authoritative, never the link text
 * (nginx and Apache truncate it); it is percent-decoded once.
 *
 * @module
 */
import { Parser } from "htmlparser2";

/** One entry of a folder listing. */
export interface ListedEntry {
  /** The decoded name (one path segment). */
  name: string;
  /** Its URL (a folder's ends with `/`). */
  url: URL;
  dir: boolean;
  /** Bytes, when the listing says (JSON listings). */
  size?: number;
  /** Modification time in ms since the epoch, when the listing says (JSON listings). */
  mtimeMs?: number;
}

/** Entries at most one listing yields (bounds a hostile page). */
export const MAX_LISTING_ENTRIES = 100_000;

/**
 * Parses a listing page.
 *
 * @param body the page's text
 * @param base the folder's URL (ends with `/`), as finally fetched
 * @returns the entries, in the page's order, without duplicates and unusable names
 * @throws {SyntaxError} for a JSON listing that is not an array of entries
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseListing } from "./listing_parse.ts";
 *
 * const base = new URL("http://h.test/pub/");
 * const html = '<a href="../">../</a><a href="a%20b.txt">a b.txt</a><a href="sub/">sub/</a><a href="?C=M">x</a>';
 * assert.deepEqual(parseListing(html, base).map((e) => [e.name, e.dir]), [["a b.txt", false], ["sub", true]]);
 * const json = '[{"name":"c.txt","type":"file","size":3,"mtime":"2026-12-01T10:00:00.000Z"}]';
 * assert(parseListing(json, base)[0].size === 3);
 * ```
 */
export function parseListing(body: string, base: URL): ListedEntry[] {
  const text = body.trimStart();
  const raw = text.startsWith("[") ? _fromJson(text, base) : _fromHtml(body, base);
  const seen = new Set<string>();
  const entries: ListedEntry[] = [];
  for (const entry of raw) {
    if (entry === undefined || seen.has(entry.name)) continue;
    seen.add(entry.name);
    entries.push(entry);
    if (entries.length >= MAX_LISTING_ENTRIES) break;
  }
  return entries;
}

/** A name that is one safe path segment here (no `/`, `\`, NUL, `.` or `..`). */
function _usable(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !/[/\\\0]/.test(name);
}

function _fromJson(text: string, base: URL): (ListedEntry | undefined)[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new ListingSyntaxError("a JSON listing must be an array");
  return parsed.map((item) => {
    if (typeof item !== "object" || item === null || typeof item.name !== "string") {
      throw new ListingSyntaxError("a JSON listing entry needs a name");
    }
    if (!_usable(item.name) || (item.type !== "file" && item.type !== "directory")) {
      return undefined;
    }
    const dir = item.type === "directory";
    const url = new URL(encodeURIComponent(item.name) + (dir ? "/" : ""), base);
    const mtimeMs = typeof item.mtime === "string" ? Date.parse(item.mtime) : NaN;
    return {
      name: item.name,
      url,
      dir,
      size: !dir && Number.isSafeInteger(item.size) ? item.size : undefined,
      mtimeMs: Number.isNaN(mtimeMs) ? undefined : mtimeMs,
    };
  });
}

function _fromHtml(body: string, base: URL): (ListedEntry | undefined)[] {
  const hrefs: string[] = [];
  const parser = new Parser({
    onopentag(name, attributes) {
      if (name === "a" && attributes.href !== undefined && hrefs.length < MAX_LISTING_ENTRIES) {
        hrefs.push(attributes.href);
      }
    },
  }, { decodeEntities: true });
  parser.end(body);
  return hrefs.map((href) => _child(href, base));
}

/** The entry an `href` names when it is a direct child of `base`. */
function _child(href: string, base: URL): ListedEntry | undefined {
  let url: URL;
  try {
    url = new URL(href, base);
  } catch {
    return undefined;
  }
  if (url.origin !== base.origin || url.search !== "" || href.startsWith("#")) return undefined;
  if (!url.pathname.startsWith(base.pathname)) return undefined;
  const rest = url.pathname.slice(base.pathname.length);
  const match = /^([^/]+)(\/?)$/.exec(rest);
  if (!match) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
  if (!_usable(name)) return undefined;
  url.hash = "";
  return { name, url, dir: match[2] === "/" };
}

/**
 * A listing whose JSON is not what a listing holds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ListingSyntaxError } from "./listing_parse.ts";
 *
 * assert(new ListingSyntaxError("bad") instanceof SyntaxError);
 * ```
 */
export class ListingSyntaxError extends SyntaxError {
  constructor(message: string) {
    super(message);
    this.name = "ListingSyntaxError";
  }
}
