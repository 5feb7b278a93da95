/**
 * An upload's bytes in a hidden temporary file beside their target, put in
 * place whole or not at all.
 *
 * @module
 */
import { nodeCrypto } from "../../lazy_node.ts";
import { type FileHandle, link, lstat, open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { fsFailure, UploadError } from "./upload_error.ts";
import { TEMP_PREFIX } from "./upload_name.ts";

/** The end of every upload temporary's name. */
export const TEMP_SUFFIX = ".part";
/** File systems without hard links answer `link()` with these. */
const NO_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EMLINK", "EXDEV"]);

/** Options for {@linkcode AtomicFile.publish}. */
export interface PublishOptions {
  /** Replace an existing file of the name (`--overwrite`). @default false */
  overwrite?: boolean;
}

/**
 * A temporary file in the target's folder (so the rename stays on one file
 * system: no copy, no `EXDEV`), named `.netkit-upload-<uuid>.part`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { AtomicFile } from "./atomic_file.ts";
 *
 * const dir = mkdtempSync(join(tmpdir(), "netkit-doc-"));
 * const file = await AtomicFile.create(dir);
 * await file.write(new TextEncoder().encode("hello"));
 * assert((await file.publish(join(dir, "a.txt"))) === "created");
 * assert(readFileSync(join(dir, "a.txt"), "utf8") === "hello");
 * assert(readdirSync(dir).length === 1);
 * rmSync(dir, { recursive: true });
 * ```
 */
export class AtomicFile {
  /** Where the bytes are until they are published. */
  readonly path: string;
  #handle: FileHandle | undefined;
  #size: number;

  private constructor(path: string, handle: FileHandle, size: number) {
    this.path = path;
    this.#handle = handle;
    this.#size = size;
  }

  /**
   * Creates an empty temporary in `dir` (exclusively: `O_EXCL`).
   *
   * @param dir the target's folder
   * @returns the open file
   * @throws {UploadError} for a file system refusal (507, 403, 409…)
   */
  static async create(dir: string): Promise<AtomicFile> {
    const path = join(dir, `${TEMP_PREFIX}${nodeCrypto().randomUUID()}${TEMP_SUFFIX}`);
    try {
      return new AtomicFile(path, await open(path, "wx", 0o644), 0);
    } catch (error) {
      throw fsFailure(error);
    }
  }

  /**
   * Opens an existing temporary again to append to it (a resumed upload).
   *
   * @param path the temporary's path
   * @param size the bytes it holds that count
   * @returns the open file
   */
  static async reopen(path: string, size: number): Promise<AtomicFile> {
    try {
      return new AtomicFile(path, await open(path, "r+"), size);
    } catch (error) {
      throw fsFailure(error);
    }
  }

  /** Bytes written so far. */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends bytes.
   *
   * @param chunk the bytes
   * @throws {UploadError} 507 when the disk is full
   */
  async write(chunk: Uint8Array): Promise<void> {
    const handle = this.#handle;
    if (!handle) throw new TypeError("Cannot write to an upload that was closed");
    try {
      let done = 0;
      while (done < chunk.length) {
        const { bytesWritten } = await handle.write(
          chunk,
          done,
          chunk.length - done,
          this.#size + done,
        );
        done += bytesWritten;
      }
    } catch (error) {
      throw fsFailure(error);
    }
    this.#size += chunk.length;
  }

  /** Closes the file and keeps it (a resumable upload waits for more). */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  /**
   * Puts the bytes at `target`. Without `overwrite` this is `link()` then
   * `unlink()` of the temporary: of two uploads of one new name, exactly one
   * wins and the other gets 409 (where the file system has no hard links,
   * a check then `rename()`, which leaves a short race). With `overwrite`,
   * `rename()` replaces the old file in one step.
   *
   * @param target the final path
   * @param options whether an existing file may be replaced
   * @returns "created", or "replaced" when a file of the name was replaced
   * @throws {UploadError} 409 when the name exists (or is a folder)
   */
  async publish(target: string, options: PublishOptions = {}): Promise<"created" | "replaced"> {
    await this.close();
    try {
      if (options.overwrite) {
        const existed = await lstat(target).then((s) => s.isDirectory() ? "dir" : "file", () => "");
        if (existed === "dir") throw new UploadError(409, "a folder has that name");
        await rename(this.path, target);
        return existed ? "replaced" : "created";
      }
      if (await linkNoClobber(this.path, target)) await unlink(this.path);
      return "created";
    } catch (error) {
      await this.discard();
      const failure = fsFailure(error);
      if (failure instanceof UploadError && failure.status === 409) {
        throw new UploadError(409, `${failure.message} (--overwrite replaces files)`);
      }
      throw failure;
    }
  }

  /** Removes the temporary (after a failure); never throws. */
  async discard(): Promise<void> {
    await this.close().catch(() => {});
    await unlink(this.path).catch(() => {});
  }
}

/** Links `to` to `from`, never replacing; true when `from` still needs unlinking. */
async function linkNoClobber(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    if (!NO_LINKS.has((error as { code?: string }).code ?? "")) throw error;
    const exists = await lstat(to).then(() => true, () => false);
    if (exists) throw new UploadError(409, "the name exists already");
    await rename(from, to);
    return false;
  }
}
