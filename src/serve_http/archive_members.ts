/**
 * The members of a folder's archive: its visible files and folders, each
 * file opened and read when its turn comes.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import type { FileInfo, FileSystem } from "../net/types.ts";
import { memberChunks } from "./member_chunks.ts";
import { readSmallFile } from "./read_small_file.ts";
import type { StatCache } from "./stat_cache.ts";
import { type WalkEntry, walkFolder } from "./walk_folder.ts";

/** Files up to this size are read whole (synchronously) when their turn comes; larger ones stream. */
const READ_WHOLE_BYTES = 1024 * 1024;
/**
 * Bytes read synchronously before the event loop gets a turn: other
 * requests wait at most this long behind an archive (a few ms from the page
 * cache; on a slow disk, what it takes to read this much).
 */
const TURN_BYTES = 1024 * 1024;
/** Errors that mean the file went away since the walk: it is left out, as if walked later. */
const GONE = new Set(["ENOENT", "ENOTDIR"]);

/** One member of an archive. */
export interface ArchiveMember {
  /** Its name in the archive (`photos/sub/a.jpg`; a folder's ends in `/`). */
  name: string;
  /** What the stat just before reading found. */
  info: FileInfo;
  /** A file's bytes, exactly `info.size` of them or an error (absent for a folder). */
  body?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/** Options for {@linkcode archiveMembers}. */
export interface ArchiveMembersOptions {
  /** File metadata: the adapter's `fs`. */
  fs: FileSystem;
  /** Stats entries and refuses symlinks out of the root. */
  cache: StatCache;
  /** Include dotfiles and dot-folders. */
  dotfiles: boolean;
}

/**
 * The members of an archive of a folder, lazily: a file is opened and read
 * only when the archive writer asks for the next member, so memory holds one
 * member at a time however many files the folder has. A file up to 1 MiB is
 * read whole, through one open file and with synchronous calls, before its
 * member is handed out (its stat is that of the bytes read); a larger one is
 * streamed. A file that vanished between the walk and its turn is left out
 * (as if the walk had come later); one that changes while it is read fails
 * the stream.
 *
 * @param folder the folder's path on disk and the name its members go under
 * @param options the file system, the cache and the dotfile policy
 * @returns the folder itself, then everything below it
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { archiveMembers } from "./archive_members.ts";
 * import { StatCache } from "./stat_cache.ts";
 * import { selectAdapter } from "../net/select.ts";
 * import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const { fs } = selectAdapter();
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "members-")));
 * writeFileSync(join(root, "a.txt"), "abc");
 * const names = [];
 * const options = { fs, cache: new StatCache({ root, fs }), dotfiles: false };
 * for await (const member of archiveMembers({ path: root, name: "docs" }, options)) {
 *   names.push(member.name);
 * }
 * assert.deepEqual(names, ["docs/", "docs/a.txt"]);
 * rmSync(root, { recursive: true });
 * ```
 */
export async function* archiveMembers(
  folder: { path: string; name: string },
  options: ArchiveMembersOptions,
): AsyncGenerator<ArchiveMember> {
  const top = folder.name + "/";
  yield { name: top, info: await options.fs.stat(folder.path) };
  let unturned = 0;
  for await (const entry of walkFolder(folder.path, options)) {
    const name = top + entry.relative;
    if (entry.info?.isDirectory) {
      yield { name: name + "/", info: entry.info };
      continue;
    }
    const member = await fileMember(entry, name, options);
    if (!member) continue;
    yield member;
    unturned += member.info.size;
    if (unturned >= TURN_BYTES) {
      unturned = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/** A walked file as a member: read whole when small, to be streamed when large. */
async function fileMember(
  entry: WalkEntry,
  name: string,
  options: ArchiveMembersOptions,
): Promise<ArchiveMember | null> {
  let small;
  try {
    small = readSmallFile(entry.path, { fs: options.fs, name, maxBytes: READ_WHOLE_BYTES });
  } catch (error) {
    if (GONE.has((error as { code?: string }).code ?? "")) return null;
    const info = entry.info ??
      { isFile: true, isDirectory: false, size: 0, mtimeMs: 0, dev: 0, ino: 0 };
    return { name, info, body: failing(error) };
  }
  const { info, bytes } = small;
  if (!info.isFile) return null;
  if (entry.info && (info.dev !== entry.info.dev || info.ino !== entry.info.ino)) {
    // Reached through a symlink that leads elsewhere since the walk: the cache looks again.
    if (!(await options.cache.examine(entry.path).catch(() => null))?.isFile) return null;
  }
  if (bytes) return { name, info, body: [bytes] };
  return { name, info, body: memberChunks({ path: entry.path, name, info }, options) };
}

/** A body that fails when it is read, so the error surfaces in its place in the archive. */
// deno-lint-ignore require-yield
async function* failing(error: unknown): AsyncGenerator<Uint8Array> {
  throw error;
}
