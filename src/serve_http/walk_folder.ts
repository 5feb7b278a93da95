/**
 * Every visible file and folder under a folder, depth first, by the
 * listing's rules: what an archive of the folder holds.
 *
 * @module
 */
import type { FileInfo } from "../net/types.ts";
import { folderEntries, type FolderEntriesOptions, type FolderEntry } from "./folder_entries.ts";

/** One member of a walk: an entry and its path relative to the walked folder. */
export interface WalkEntry extends FolderEntry {
  /** Its path below the walked folder, `/`-separated, without a leading `/` (`sub/a.txt`). */
  relative: string;
}

/**
 * Walks a folder: each folder is yielded before what it holds, names in code
 * point order (so an archive lists the same way every time). A folder met
 * again below itself (a symlink to an ancestor folder) is left out: it would
 * hold itself without end.
 *
 * @param path the folder's path on disk
 * @param options the file system, the cache and the dotfile policy
 * @returns the entries below the folder (not the folder itself)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { walkFolder } from "./walk_folder.ts";
 * import { StatCache } from "./stat_cache.ts";
 * import { selectAdapter } from "../net/select.ts";
 * import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const fs = selectAdapter().fs;
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "walk-")));
 * mkdirSync(join(root, "sub"));
 * writeFileSync(join(root, "sub", "a.txt"), "a");
 * const names = [];
 * for await (const entry of walkFolder(root, { fs, cache: new StatCache({ root, fs }), dotfiles: false })) {
 *   names.push(entry.relative);
 * }
 * assert.deepEqual(names, ["sub", "sub/a.txt"]);
 * rmSync(root, { recursive: true });
 * ```
 */
export async function* walkFolder(
  path: string,
  options: FolderEntriesOptions,
): AsyncGenerator<WalkEntry> {
  const top = await options.fs.stat(path);
  yield* walkBelow(path, { ...options, prefix: "", ancestors: new Set([folderId(top)]) });
}

async function* walkBelow(
  path: string,
  options: FolderEntriesOptions & { prefix: string; ancestors: Set<string> },
): AsyncGenerator<WalkEntry> {
  const entries = await folderEntries(path, options);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const relative = options.prefix + entry.name;
    const id = folderId(entry.info);
    if (entry.info.isDirectory && options.ancestors.has(id)) continue;
    yield { ...entry, relative };
    if (!entry.info.isDirectory) continue;
    options.ancestors.add(id);
    yield* walkBelow(entry.path, { ...options, prefix: relative + "/" });
    options.ancestors.delete(id);
  }
}

function folderId(info: FileInfo): string {
  return `${info.dev}:${info.ino}`;
}
