/**
 * A download's file written atomically through `FILE.part` (renamed into
 * place only when the whole body arrived and its checksum matched). The
 * `.part` and a small `FILE.part.json` with the validators of the response
 * it came from stay behind after a failure, so a retry or a later `-C`
 * resumes instead of starting over.
 *
 * @module
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  ftruncateSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import type { Hash } from "node:crypto";
import { EXIT } from "../cli/exit_codes.ts";
import { DownloadError } from "./errors.ts";
import { rangesPath } from "./split_part.ts";
import { SplitState } from "./split_state.ts";
import { readValidators, type Validators } from "./validators.ts";
import {
  digestsOf,
  hashers,
  type HashFactory,
  type HashName,
  writeAll,
  writeError,
} from "./_sink_helpers.ts";

export type { HashFactory, HashName };

/** A destination for a body. */
export interface Sink {
  /** Bytes already delivered (and hashed): where a resumed request starts. */
  readonly offset: number;
  /** Bytes this sink held before this run (a `.part` or file from before). */
  readonly resumedFrom: number;
  /** Validators of the response the delivered bytes came from. */
  validators: Validators;
  /** Whether delivered bytes can be taken back (a 200 to a range request restarts). */
  readonly canRestart: boolean;
  /** The file the result lands in, if it is a renamed `.part` (for messages and `--json`). */
  readonly path?: string;
  write(chunk: Uint8Array): void;
  /** Forgets the delivered bytes. */
  restart(): void;
  /** Remembers the validators beside the partial file. */
  saveValidators(validators: Validators): void;
  /** Hex digests of everything delivered. */
  digests(): Map<HashName, string>;
  /** Makes the result final (renames the `.part` into place). */
  commit(): void;
  /** Throws away the partial result (checksum mismatch). */
  discard(): void;
  /** Releases the file; keeps the `.part` for a later resume. */
  close(): void;
}

/** Options for {@linkcode FileSink.open}. */
export interface FileSinkOptions {
  /** Replace an existing target. */
  force: boolean;
  /** Continue from `FILE.part`, or from FILE itself when there is no `.part`. */
  resume: boolean;
  hashNames: HashName[];
  createHash?: HashFactory;
}

/**
 * Writes the body to `FILE.part`, renamed to FILE when complete.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FileSink } from "./sink.ts";
 * import { mkdtempSync, readFileSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = mkdtempSync(join(tmpdir(), "netkit-doc-"));
 * try {
 *   const sink = FileSink.open(join(dir, "f.txt"), { force: false, resume: false, hashNames: [] });
 *   sink.write(new TextEncoder().encode("body"));
 *   sink.commit();
 *   assert(readFileSync(join(dir, "f.txt"), "utf8") === "body");
 * } finally {
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export class FileSink implements Sink {
  readonly path: string;
  readonly partPath: string;
  readonly metaPath: string;
  readonly resumedFrom: number;
  validators: Validators;
  #fd: number;
  #offset: number;
  #hashNames: HashName[];
  #createHash?: HashFactory;
  #hashes: Map<HashName, Hash>;

  private constructor(path: string, fd: number, offset: number, options: FileSinkOptions) {
    this.path = path;
    this.partPath = `${path}.part`;
    this.metaPath = `${path}.part.json`;
    this.#fd = fd;
    this.#offset = offset;
    this.resumedFrom = offset;
    this.#hashNames = options.hashNames;
    this.#createHash = options.createHash;
    this.#hashes = hashers(options.hashNames, options.createHash);
    this.validators = offset > 0 ? readValidators(this.metaPath) : {};
    if (offset > 0 && options.hashNames.length > 0) this.#hashPrefix();
  }

  /**
   * Opens the `.part` beside `path`: continues it with `resume`, else starts
   * it empty. Refuses an existing `path` unless `force` or `resume`.
   *
   * @throws {DownloadError} FILE_EXISTS, or WRITE_ERROR when the folder is not writable
   */
  static open(path: string, options: FileSinkOptions): FileSink {
    const part = `${path}.part`;
    const targetExists = existsSync(path);
    if (targetExists && statSync(path).isDirectory()) {
      throw new DownloadError(EXIT.WRITE_ERROR, `Cannot write ${path}: it is a folder`);
    }
    if (targetExists) refuseToReplace(path, options);
    try {
      let offset = 0;
      if (options.resume) {
        // A file from an earlier, interrupted run (ours or another tool's) is the prefix.
        if (!existsSync(part) && targetExists) copyFileSync(path, part);
        offset = existsSync(part) ? statSync(part).size : 0;
        // A --split .part has its full length at once: only its written prefix counts.
        const split = offset > 0 ? SplitState.read(rangesPath(path)) : undefined;
        if (split) offset = Math.min(offset, split.prefix());
      }
      const fd = openSync(part, offset > 0 ? "r+" : "w", 0o644);
      if (offset > 0) ftruncateSync(fd, offset);
      if (offset === 0) removeQuietly(`${path}.part.json`);
      removeQuietly(rangesPath(path));
      return new FileSink(path, fd, offset, options);
    } catch (error) {
      throw writeError(error, part);
    }
  }

  get offset(): number {
    return this.#offset;
  }
  readonly canRestart = true;

  write(chunk: Uint8Array): void {
    try {
      writeAll(this.#fd, chunk, this.#offset);
    } catch (error) {
      throw writeError(error, this.partPath);
    }
    for (const hash of this.#hashes.values()) hash.update(chunk);
    this.#offset += chunk.length;
  }

  restart(): void {
    try {
      ftruncateSync(this.#fd, 0);
    } catch (error) {
      throw writeError(error, this.partPath);
    }
    this.#offset = 0;
    this.#hashes = hashers(this.#hashNames, this.#createHash);
    this.validators = {};
    removeQuietly(this.metaPath);
  }

  saveValidators(validators: Validators): void {
    this.validators = validators;
    try {
      writeFileSync(this.metaPath, JSON.stringify(validators) + "\n");
    } catch (error) {
      throw writeError(error, this.metaPath);
    }
  }

  digests(): Map<HashName, string> {
    return digestsOf(this.#hashes);
  }

  commit(): void {
    try {
      ftruncateSync(this.#fd, this.#offset);
      this.close();
      renameSync(this.partPath, this.path);
    } catch (error) {
      throw writeError(error, this.path);
    }
    removeQuietly(this.metaPath);
  }

  discard(): void {
    this.close();
    removeQuietly(this.partPath);
    removeQuietly(this.metaPath);
  }

  close(): void {
    if (this.#fd < 0) return;
    try {
      closeSync(this.#fd);
    } catch {
      // Already closed: nothing to release.
    }
    this.#fd = -1;
  }

  /** Hashes the bytes a previous run left in the `.part`. */
  #hashPrefix(): void {
    const buffer = new Uint8Array(1 << 20);
    let position = 0;
    while (position < this.#offset) {
      const n = readSync(
        this.#fd,
        buffer,
        0,
        Math.min(buffer.length, this.#offset - position),
        position,
      );
      if (n === 0) break;
      for (const hash of this.#hashes.values()) hash.update(buffer.subarray(0, n));
      position += n;
    }
  }
}

/**
 * Refuses to replace an existing `path` unless told to (`--force`, or `-C`
 * to continue it).
 *
 * @param path the target
 * @param options whether replacing (or continuing) it was asked for
 * @throws {DownloadError} FILE_EXISTS
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { refuseToReplace } from "./sink.ts";
 * import { DownloadError } from "./errors.ts";
 * import { EXIT } from "../cli/exit_codes.ts";
 *
 * refuseToReplace("any.txt", { force: true, resume: false }); // --force: allowed
 * assert.throws(
 *   () => refuseToReplace("any.txt", { force: false, resume: false }),
 *   (e) => e instanceof DownloadError && e.exitCode === EXIT.FILE_EXISTS,
 * );
 * ```
 */
export function refuseToReplace(path: string, options: { force: boolean; resume: boolean }): void {
  if (options.force || options.resume) return;
  throw new DownloadError(
    EXIT.FILE_EXISTS,
    `${path} exists: use --force to replace it, or -C to resume it`,
  );
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Not there: nothing to remove.
  }
}
