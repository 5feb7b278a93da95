/**
 * The members of a folder's archive: its visible files and folders, each
 * file looked at again just before it is read.
 *
 * @module
 */
import type { FileInfo, FileSystem } from "../net/types.ts";
import { memberChunks } from "./member_chunks.ts";
import type { StatCache } from "./stat_cache.ts";
import { type WalkEntry, walkFolder } from "./walk_folder.ts";

/** Members prepared ahead of the archive writer. */
const LOOKAHEAD_MEMBERS = 16;
/** Files up to this size are read whole when prepared ahead (so at most 16 MiB are held). */
const READ_AHEAD_BYTES = 1024 * 1024;

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
 * The members of an archive of a folder, lazily: a file is statted and
 * opened only when the archive writer asks for the next member, so memory
 * holds one member at a time however many files the folder has. A file that
 * vanished between the walk and its turn is left out (as if the walk had come
 * later); one that changes while it is read fails the stream.
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
  // Small files are read a few at a time ahead of the writer: the opens and
  // reads overlap (on Deno each is a trip to a thread pool), and memory holds
  // at most LOOKAHEAD_MEMBERS of them.
  const ahead: Promise<ArchiveMember | null>[] = [];
  const walk = walkFolder(folder.path, options)[Symbol.asyncIterator]();
  let walked = false;
  try {
    while (true) {
      while (!walked && ahead.length < LOOKAHEAD_MEMBERS) {
        const next = await walk.next();
        if (next.done) walked = true;
        else ahead.push(prepare(top, next.value, options));
      }
      const member = await ahead.shift();
      if (member === undefined) return;
      if (member) yield member;
    }
  } finally {
    await walk.return(undefined);
    await Promise.allSettled(ahead);
  }
}

/** A walked entry as a member: a small file already read, a large one to be streamed. */
async function prepare(
  top: string,
  entry: WalkEntry,
  options: ArchiveMembersOptions,
): Promise<ArchiveMember | null> {
  const name = top + entry.relative;
  if (entry.info.isDirectory) return { name: name + "/", info: entry.info };
  const info = await options.fs.stat(entry.path).catch(() => null);
  if (!info?.isFile) return null;
  const body = memberChunks({ path: entry.path, name, info }, options);
  if (info.size > READ_AHEAD_BYTES) return { name, info, body };
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of body) chunks.push(chunk);
  } catch (error) {
    return { name, info, body: failing(error) };
  }
  return { name, info, body: chunks };
}

/** A body that fails when it is read, so the error surfaces in its place in the archive. */
// deno-lint-ignore require-yield
async function* failing(error: unknown): AsyncGenerator<Uint8Array> {
  throw error;
}
