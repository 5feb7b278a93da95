/**
 * Every visible file and folder under a folder, depth first, by the
 * listing's rules: what an archive of the folder holds.
 *
 * @module
 */
import { join } from "node:path";
import type { FileInfo } from "../net/types.ts";
import type { FolderEntriesOptions } from "./folder_entries.ts";

/** One member of a walk: an entry and its path relative to the walked folder. */
export interface WalkEntry {
  /** Its name in its folder. */
  name: string;
  /** Its path on disk. */
  path: string;
  /** Its path below the walked folder, `/`-separated, without a leading `/` (`sub/a.txt`). */
  relative: string;
  /**
   * What a stat found (symlinks followed): for every folder, and for a file
   * reached through a symlink. A plain file is not statted: whoever reads
   * it opens it and asks the open file (one call fewer per file).
   */
  info?: FileInfo;
}

/**
 * Walks a folder: each folder is yielded before what it holds, names in code
 * point order (so an archive lists the same way every time). It sees what
 * {@linkcode folderEntries} sees (no dotfiles unless allowed; symlinks only
 * where the cache lets them through; files and folders only), but a plain
 * file (not a symlink) is yielded without a stat. A folder met again below
 * itself (a symlink to an ancestor folder) is left out: it would hold itself
 * without end.
 *
 * @param path the folder's path on disk, one the cache let through
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
  const names = await options.fs.readDirEntries(path);
  const entries = options.dotfiles ? names : names.filter((entry) => !entry.name.startsWith("."));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { name, kind } of entries) {
    const entryPath = join(path, name);
    const relative = options.prefix + name;
    if (kind === "file") {
      yield { name, path: entryPath, relative };
      continue;
    }
    // Only a symlink (or what the folder did not say) needs the cache's verdict.
    const look = kind === "directory"
      ? options.fs.stat(entryPath)
      : options.cache.examine(entryPath);
    const info = await look.catch(() => null);
    if (!info || !(info.isFile || info.isDirectory)) continue;
    const id = folderId(info);
    if (info.isDirectory && options.ancestors.has(id)) continue;
    yield { name, path: entryPath, relative, info };
    if (!info.isDirectory) continue;
    options.ancestors.add(id);
    yield* walkBelow(entryPath, { ...options, prefix: relative + "/" });
    options.ancestors.delete(id);
  }
}

function folderId(info: FileInfo): string {
  return `${info.dev}:${info.ino}`;
}
