/**
 * What a folder shows: its names, minus dotfiles (unless allowed) and minus
 * whatever the stat cache refuses (symlinks out of the root), each with what
 * a stat found. The listing, the archives and SHA256SUMS all see a folder
 * through this one rule.
 *
 * @module
 */
import { join } from "node:path";
import type { FileInfo, FileSystem } from "../net/types.ts";
import type { StatCache } from "./stat_cache.ts";

/** One visible entry of a folder: a file or a folder (never a socket, a device or a dead link). */
export interface FolderEntry {
  /** Its name in the folder. */
  name: string;
  /** Its path on disk. */
  path: string;
  /** What the stat found (symlinks followed). */
  info: FileInfo;
}

/** Options for {@linkcode folderEntries}. */
export interface FolderEntriesOptions {
  /** Folder names: the adapter's `fs`. */
  fs: FileSystem;
  /** Stats entries and refuses symlinks out of the root. */
  cache: StatCache;
  /** Show dotfiles and dot-folders. */
  dotfiles: boolean;
}

/**
 * The visible entries of a folder, in the order the file system gives them.
 * The folder must be one the cache let through (inside the root): then an
 * entry that is not a symlink is inside the root as well, and only symlinks
 * cost the cache's `realPath` (a walk of 10,000 files made 10,000 of them).
 *
 * @param path the folder's path on disk, inside the root
 * @param options the file system, the cache and the dotfile policy
 * @returns its files and folders
 * @throws {Error} with the errno `code` when the folder itself cannot be read
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { folderEntries } from "./folder_entries.ts";
 * import { StatCache } from "./stat_cache.ts";
 * import { selectAdapter } from "../net/select.ts";
 * import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const fs = selectAdapter().fs;
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "entries-")));
 * writeFileSync(join(root, "a.txt"), "a");
 * writeFileSync(join(root, ".hidden"), "h");
 * const entries = await folderEntries(root, { fs, cache: new StatCache({ root, fs }), dotfiles: false });
 * assert.deepEqual(entries.map((e) => e.name), ["a.txt"]);
 * rmSync(root, { recursive: true });
 * ```
 */
export async function folderEntries(
  path: string,
  options: FolderEntriesOptions,
): Promise<FolderEntry[]> {
  const entries: FolderEntry[] = [];
  for (const { name, kind } of await options.fs.readDirEntries(path)) {
    if (name.startsWith(".") && !options.dotfiles) continue;
    const entryPath = join(path, name);
    const plain = kind === "file" || kind === "directory";
    const look = plain ? options.fs.stat(entryPath) : options.cache.examine(entryPath);
    const info = await look.catch(() => null);
    if (!info || !(info.isFile || info.isDirectory)) continue;
    entries.push({ name, path: entryPath, info });
  }
  return entries;
}
