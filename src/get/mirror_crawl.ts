/**
 * The crawl of `get --mirror`: reads the start folder's listing and those of
 * its subfolders, breadth first, and returns the files to mirror.
 *
 * Rules: only links to direct children count ({@linkcode parseListing}), so
 * the crawl stays on the start URL's host and under its path; a redirect
 * that leaves them is not followed. Names that start with `.` are neither
 * fetched nor crawled. A server-side symlink loop looks like an endless
 * chain of ordinary folders, so two bounds hold: a folder whose entries are
 * the same as one of its ancestors' is a loop and is not entered, and no
 * folder deeper than `maxDepth` is read. Each folder URL is read once.
 *
 * @module
 */
import { type ChecksumEntry, parseChecksumList } from "./checksum_list.ts";
import { type ListedEntry, parseListing } from "./listing_parse.ts";

/** How deep a mirror goes by default (folders below the start folder). */
export const MIRROR_MAX_DEPTH = 32;

/** One file the crawl found. */
export interface MirrorFile {
  url: URL;
  /** Its path below the start folder, `/`-separated, each segment decoded. */
  path: string;
  size?: number;
  mtimeMs?: number;
}

/** What a crawl found. */
export interface CrawlResult {
  files: MirrorFile[];
  /** Folder paths (`""` is the start folder). */
  folders: string[];
  /** Lines of served SHA256SUMS files, by file path. */
  sums: Map<string, ChecksumEntry>;
  /** Folders that could not be read, with the error. */
  failures: { url: URL; error: unknown }[];
}

/** Options for {@linkcode crawlMirror}. */
export interface CrawlMirrorOptions {
  /** Fetches a page: its text and the URL it came from after redirects. */
  fetchText(url: URL): Promise<{ text: string; finalUrl: URL }>;
  /** Folders read at once. */
  parallel: number;
  maxDepth?: number;
  note(line: string): void;
}

interface Folder {
  url: URL;
  path: string;
  depth: number;
  /** The entry fingerprints of the folder's ancestors, itself last once read. */
  lineage: string[];
}

/**
 * Crawls the folder tree at `start`.
 *
 * @param start the folder's URL (a missing trailing `/` is added)
 * @param options how to fetch, how wide and how deep
 * @returns the files, folders, served checksums and unreadable folders
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crawlMirror } from "./mirror_crawl.ts";
 *
 * const pages: Record<string, string> = {
 *   "/p/": '<a href="a.txt">a</a><a href="sub/">sub/</a><a href=".hidden">h</a>',
 *   "/p/sub/": '<a href="b.txt">b</a><a href="loop/">loop/</a>',
 *   "/p/sub/loop/": '<a href="b.txt">b</a><a href="loop/">loop/</a>',
 * };
 * const result = await crawlMirror(new URL("http://h.test/p/"), {
 *   fetchText: (url) => Promise.resolve({ text: pages[url.pathname] ?? "", finalUrl: url }),
 *   parallel: 2,
 *   note: () => {},
 * });
 * assert.deepEqual(result.files.map((f) => f.path), ["a.txt", "sub/b.txt"]);
 * ```
 */
export async function crawlMirror(start: URL, options: CrawlMirrorOptions): Promise<CrawlResult> {
  const root = new URL(start.href.endsWith("/") ? start.href : `${start.href}/`);
  root.search = "";
  root.hash = "";
  const result: CrawlResult = { files: [], folders: [], sums: new Map(), failures: [] };
  const seen = new Set<string>([root.href]);
  let level: Folder[] = [{ url: root, path: "", depth: 0, lineage: [] }];
  while (level.length > 0) {
    const next: Folder[] = [];
    for (let i = 0; i < level.length; i += options.parallel) {
      const batch = level.slice(i, i + options.parallel);
      const read = await Promise.all(batch.map((folder) => _read(folder, { root, options })));
      batch.forEach((folder, index) => {
        const entries = read[index];
        if (entries instanceof Error || !Array.isArray(entries)) {
          if (entries !== undefined) result.failures.push({ url: folder.url, error: entries });
          return;
        }
        next.push(..._take(folder, { entries, result, seen, options }));
      });
    }
    level = next;
  }
  await _loadSums(result, options);
  return result;
}

/** A folder's entries; undefined when it is a loop or leaves the start path. */
async function _read(
  folder: Folder,
  at: { root: URL; options: CrawlMirrorOptions },
): Promise<ListedEntry[] | Error | undefined> {
  try {
    const { text, finalUrl } = await at.options.fetchText(folder.url);
    if (finalUrl.origin !== at.root.origin || !finalUrl.pathname.startsWith(at.root.pathname)) {
      at.options.note(
        `${folder.url.href} redirects to ${finalUrl.href}, outside the mirror: skipped`,
      );
      return undefined;
    }
    const entries = parseListing(text, folder.url);
    const print = _fingerprint(entries);
    if (folder.lineage.includes(print)) {
      at.options.note(`${folder.url.href} lists what a folder above it lists (a loop): skipped`);
      return undefined;
    }
    folder.lineage = [...folder.lineage, print];
    return entries;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** The files of a read folder go into `result`; its subfolders are returned. */
function _take(
  folder: Folder,
  at: {
    entries: ListedEntry[];
    result: CrawlResult;
    seen: Set<string>;
    options: CrawlMirrorOptions;
  },
): Folder[] {
  const { entries, result, seen, options } = at;
  result.folders.push(folder.path);
  const subfolders: Folder[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const path = folder.path === "" ? entry.name : `${folder.path}/${entry.name}`;
    if (!entry.dir) {
      result.files.push({ url: entry.url, path, size: entry.size, mtimeMs: entry.mtimeMs });
      continue;
    }
    if (seen.has(entry.url.href)) continue;
    seen.add(entry.url.href);
    if (folder.depth + 1 > (options.maxDepth ?? MIRROR_MAX_DEPTH)) {
      options.note(
        `${entry.url.href} is deeper than ${options.maxDepth ?? MIRROR_MAX_DEPTH} folders: skipped`,
      );
      continue;
    }
    subfolders.push({ url: entry.url, path, depth: folder.depth + 1, lineage: folder.lineage });
  }
  return subfolders;
}

/** What identifies a folder's contents, whatever URL shows them. */
function _fingerprint(entries: ListedEntry[]): string {
  return JSON.stringify(entries.map((e) => [e.name, e.dir, e.size, e.mtimeMs]).sort());
}

/** Reads the served SHA256SUMS files; their lines are keyed by file path. */
async function _loadSums(result: CrawlResult, options: CrawlMirrorOptions): Promise<void> {
  for (const file of result.files.filter((f) => /(^|\/)SHA256SUMS$/.test(f.path))) {
    const folder = file.path.slice(0, file.path.lastIndexOf("/") + 1);
    try {
      const { text } = await options.fetchText(file.url);
      for (const [name, entry] of parseChecksumList(text).entries) {
        if (name.split("/").some((s) => s === ".." || s === "")) continue;
        result.sums.set(folder + name, entry);
      }
    } catch (error) {
      options.note(`cannot read ${file.url.href} (${(error as Error).message}): files unchecked`);
    }
  }
}
