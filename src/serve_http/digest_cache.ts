/**
 * SHA-256 digests of files, computed on demand, at most a few at a time,
 * and remembered per version of a file: (device, inode, size, mtime).
 *
 * @module
 */
import { nodeCrypto } from "../lazy_node.ts";
import type { FileBodyOptions, FileInfo, FileSystem } from "../net/types.ts";
import { memberChunks } from "./member_chunks.ts";

/** Digests remembered; beyond this the oldest are forgotten (each costs ~150 bytes). */
const DIGEST_CACHE_ENTRIES = 100_000;
/** Files hashed at the same time, whatever the number of requests asking. */
const CONCURRENT_HASHES = 2;

/** Options for {@linkcode DigestCache}. */
export interface DigestCacheOptions {
  /** File metadata: the adapter's `fs`. */
  fs: FileSystem;
  /** Reads a file's bytes: the adapter's `fileBody`. */
  fileBody(path: string, options: FileBodyOptions): Promise<BodyInit>;
}

/**
 * SHA-256 (FIPS 180-4) digests by file version. A digest is computed only
 * when asked for, once per version however many requests ask at the same
 * time, and by at most {@linkcode CONCURRENT_HASHES} reads at once (others
 * wait their turn). A file that changes while it is hashed yields an error,
 * not a digest of torn bytes, and nothing is remembered for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DigestCache } from "./digest_cache.ts";
 * import { selectAdapter } from "../net/select.ts";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const { fs, fileBody } = selectAdapter();
 * const dir = mkdtempSync(join(tmpdir(), "digest-"));
 * const path = join(dir, "a.txt");
 * writeFileSync(path, "abc");
 * const info = await fs.stat(path);
 * const digests = new DigestCache({ fs, fileBody });
 * assert(digests.known(info) === undefined);
 * const digest = await digests.digest(path, info);
 * assert(Buffer.from(digest).toString("hex").startsWith("ba7816bf"));
 * assert(digests.known(info) === digest);
 * rmSync(dir, { recursive: true });
 * ```
 */
export class DigestCache {
  #options: DigestCacheOptions;
  #digests = new Map<string, Uint8Array>();
  #pending = new Map<string, Promise<Uint8Array>>();
  #running = 0;
  #waiting: (() => void)[] = [];

  constructor(options: DigestCacheOptions) {
    this.#options = options;
  }

  /**
   * The digest of this version of a file, if it was computed before.
   *
   * @param info a stat of the file
   * @returns the 32-byte digest, or undefined
   */
  known(info: FileInfo): Uint8Array | undefined {
    return this.#digests.get(versionKey(info));
  }

  /**
   * The digest of this version of a file: remembered, or computed now.
   *
   * @param path the file
   * @param info a stat of it, taken just before
   * @returns the 32-byte digest
   * @throws {MemberChangedError} when the file changed while it was read
   */
  digest(path: string, info: FileInfo): Promise<Uint8Array> {
    const key = versionKey(info);
    const done = this.#digests.get(key);
    if (done) return Promise.resolve(done);
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#compute(path, info).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #compute(path: string, info: FileInfo): Promise<Uint8Array> {
    if (this.#running >= CONCURRENT_HASHES) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#running++;
    try {
      const hash = nodeCrypto().createHash("sha256");
      for await (const chunk of memberChunks({ path, name: path, info }, this.#options)) {
        hash.update(chunk);
      }
      const digest = new Uint8Array(hash.digest());
      if (this.#digests.size >= DIGEST_CACHE_ENTRIES) {
        this.#digests.delete(this.#digests.keys().next().value!);
      }
      this.#digests.set(versionKey(info), digest);
      return digest;
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}

/** What identifies one version of a file: any write changes the size or the mtime. */
function versionKey(info: FileInfo): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`;
}
