/**
 * What is at a path under the served folder, looked at once per
 * {@linkcode REVALIDATE_MS} for folders, missing paths and small files
 * (nginx's `open_file_cache_valid`), and small files' bytes with it.
 *
 * @module
 */
import { dirname, sep } from "node:path";
import type { FileInfo, FileSystem } from "../net/types.ts";
import { contentType, isCompressible } from "./content_type.ts";
import { fileValidator, type Validator } from "./conditional.ts";

/**
 * How long a look at a path is trusted, in milliseconds: a file changed on
 * disk is served fresh at most this long after the change (nginx's
 * `open_file_cache_valid` is 60 s by default).
 */
export const REVALIDATE_MS = 1000;
/** Files up to this size are kept in memory between requests. */
const SMALL_FILE = 64 * 1024;
/** Memory the small-file cache may hold. */
const SMALL_FILE_CACHE_BYTES = 16 * 1024 * 1024;
/** Paths whose symlink verdict is remembered. */
const VERDICT_CACHE_ENTRIES = 10_000;
/** Paths whose last look is remembered. */
const LOOK_CACHE_ENTRIES = 10_000;
/** Errors that mean "nothing there to serve" (404), not a failure. */
const MISSING = new Set(["ENOENT", "ENOTDIR", "ENAMETOOLONG"]);

/** What one look at a path found. */
export interface Look {
  /** When the look was made (`performance.now()`). */
  checked: number;
  /** The file or folder; null when nothing is there to serve (missing, or a symlink out of the root). */
  info: FileInfo | null;
  /** Of a file: what its responses say about it, worked out once per look. */
  file?: FileFacts;
  /** A small file's bytes, read just after the look. */
  bytes?: Uint8Array<ArrayBuffer>;
}

/** What a file's responses say about it, depending only on the file and its version. */
export interface FileFacts {
  /** Content-Type */
  type: string;
  /** Whether the type is worth compressing. */
  compressible: boolean;
  /** ETag and Last-Modified of its bytes as they are. */
  validator: Validator;
}

/** A look that found a file. */
export type FileLook = Look & { info: FileInfo; file: FileFacts };

/**
 * Whether a look found a file to serve.
 *
 * @param look a look, or null
 * @returns true for a file
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isFileLook } from "./stat_cache.ts";
 *
 * assert(!isFileLook({ checked: 0, info: null }));
 * ```
 */
export function isFileLook(look: Look | null): look is FileLook {
  return look?.file !== undefined;
}

/** Options for {@linkcode StatCache}. */
export interface StatCacheOptions {
  /** The served folder: absolute and real (symlink-free). */
  root: string;
  /** File metadata: the adapter's `fs`. */
  fs: FileSystem;
  /** Follow symlinks that lead out of the root. @default false */
  followSymlinks?: boolean;
  /** How long a look is reused, in milliseconds; 0 looks every time. @default {@linkcode REVALIDATE_MS} */
  revalidateMs?: number;
}

/**
 * Looks at paths, refusing symlinks out of the root, and remembers what it
 * saw. A stat costs more than the rest of a small-file response (on Deno it
 * is a trip to a thread pool), so a busy file is looked at once per interval,
 * not once per request. Files over 64 KiB are looked at on every request:
 * their bytes are read from disk then, and headers and bytes must describe
 * the same file. The server's own writes do not wait for the interval: the
 * write side calls {@linkcode StatCache.forget} for every path it changes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StatCache } from "./stat_cache.ts";
 * import { selectAdapter } from "../net/select.ts";
 * import { realpathSync } from "node:fs";
 * import { tmpdir } from "node:os";
 *
 * const root = realpathSync(tmpdir());
 * const cache = new StatCache({ root, fs: selectAdapter().fs });
 * const look = await cache.lookup(root);
 * assert(look.info?.isDirectory === true);
 * ```
 */
export class StatCache {
  #options: StatCacheOptions;
  #revalidateMs: number;
  #rootPrefix: string;
  // realpath costs a syscall per path component. Its verdict holds while the
  // path leads to the same file (device and inode), which the stat that every
  // look makes anyway tells: a retargeted symlink shows another inode.
  #verdicts = new Map<string, { dev: number; ino: number; inside: boolean }>();
  #looks = new Map<string, Look>();
  #lookBytes = 0;
  /** Counts forget() calls: a look begun before one is used once, not remembered. */
  #forgets = 0;

  constructor(options: StatCacheOptions) {
    this.#options = options;
    this.#revalidateMs = options.revalidateMs ?? REVALIDATE_MS;
    this.#rootPrefix = options.root.endsWith(sep) ? options.root : options.root + sep;
  }

  /**
   * Stats a path, refusing symlinks out of the root.
   *
   * @param path an absolute path under the root
   * @returns what is there, or null when it leads out of the root
   * @throws {Error} with the errno `code` of a failed stat
   */
  async examine(path: string): Promise<FileInfo | null> {
    const info = await this.#options.fs.stat(path);
    if (this.#options.followSymlinks) return info;
    const known = this.#verdicts.get(path);
    if (known && known.dev === info.dev && known.ino === info.ino) {
      return known.inside ? info : null;
    }
    const real = await this.#options.fs.realPath(path);
    const inside = real === this.#options.root || real.startsWith(this.#rootPrefix);
    if (this.#verdicts.size >= VERDICT_CACHE_ENTRIES) this.#verdicts.clear();
    this.#verdicts.set(path, { dev: info.dev, ino: info.ino, inside });
    return inside ? info : null;
  }

  /**
   * What is at a path: from a look less than `revalidateMs` old, or a new one.
   *
   * @param path an absolute path under the root
   * @returns the look (its `info` is null when nothing is there to serve)
   */
  async lookup(path: string): Promise<Look> {
    const now = performance.now();
    const last = this.#looks.get(path);
    if (last && now - last.checked < this.#revalidateMs) return last;
    const forgets = this.#forgets;
    let info: FileInfo | null;
    try {
      info = await this.examine(path);
    } catch (error) {
      if (!MISSING.has((error as { code?: string }).code ?? "")) throw error;
      info = null;
    }
    const look: Look = { checked: now, info };
    if (info?.isFile) {
      const type = contentType(path);
      look.file = { type, compressible: isCompressible(type), validator: fileValidator(info) };
      if (info.size > SMALL_FILE) return look;
      const bytes = last?.bytes && sameVersion(last.info, info)
        ? last.bytes
        : await this.#options.fs.readFile(path);
      // Changed while being read: streamed from disk this time, looked at again next time.
      if (bytes.length !== info.size) return look;
      look.bytes = bytes;
    }
    // A write meanwhile may have changed the path after this look saw it.
    if (forgets === this.#forgets) this.#remember(path, look, this.#looks.get(path));
    return look;
  }

  /**
   * Forgets what was seen at a path and in its folder, because the server
   * just changed them (an upload, a new folder, a delete): the next lookup
   * looks again instead of serving the old file, bytes or 404 for up to
   * `revalidateMs`. Looks under way are used once and not remembered.
   *
   * @param path an absolute path under the root that a write created, replaced or removed
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { StatCache } from "./stat_cache.ts";
   * import { selectAdapter } from "../net/select.ts";
   * import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
   * import { tmpdir } from "node:os";
   * import { join } from "node:path";
   *
   * const root = realpathSync(mkdtempSync(join(tmpdir(), "forget-")));
   * const cache = new StatCache({ root, fs: selectAdapter().fs });
   * const path = join(root, "new.txt");
   * assert((await cache.lookup(path)).info === null);
   * writeFileSync(path, "hi");
   * cache.forget(path);
   * assert((await cache.lookup(path)).info?.size === 2);
   * rmSync(root, { recursive: true });
   * ```
   */
  forget(path: string): void {
    this.#forgets++;
    for (const key of [path, dirname(path)]) {
      const look = this.#looks.get(key);
      if (look) this.#forget(key, look);
    }
  }

  /** Keeps a look, dropping the oldest ones beyond the entry and byte limits. */
  #remember(path: string, look: Look, last: Look | undefined): void {
    if (last) this.#forget(path, last);
    this.#looks.set(path, look);
    this.#lookBytes += look.bytes?.length ?? 0;
    for (const [key, old] of this.#looks) {
      if (this.#looks.size <= LOOK_CACHE_ENTRIES && this.#lookBytes <= SMALL_FILE_CACHE_BYTES) {
        break;
      }
      this.#forget(key, old); // oldest first: Map keeps insertion order
    }
  }

  #forget(path: string, look: Look): void {
    this.#looks.delete(path);
    this.#lookBytes -= look.bytes?.length ?? 0;
  }
}

/** Whether two looks saw the same version of a file: any change alters one of these. */
function sameVersion(a: FileInfo | null, b: FileInfo): boolean {
  return a !== null && a.dev === b.dev && a.ino === b.ino && a.size === b.size &&
    a.mtimeMs === b.mtimeMs;
}
