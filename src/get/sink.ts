/**
 * A download's file written atomically through `FILE.part` (renamed into
 * place only when the whole body arrived and its checksum matched). The
 * `.part` and a small `FILE.part.json` with the validators of the response
 * it came from stay behind after a failure, so a retry or a later `-C`
 * resumes instead of starting over.
 *
 * A fresh body is first held in memory: one that ends within
 * {@linkcode SPILL_BYTES} and {@linkcode SPILL_MS} is written to its `.part`
 * in one go and renamed at once, with no `.part.json` at any time (a killed
 * run leaves nothing, and the next one fetches those few bytes again). A
 * longer one goes to disk as soon as it passes either bound, its `.part.json`
 * written before the `.part` gets its first byte, so any `.part` netkit
 * leaves has its validators beside it.
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
  writeAllToFd,
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

/**
 * A fresh body stays in memory until it holds more than this many bytes
 * (then it goes to `FILE.part`, with its `.part.json`). Below it, a killed
 * run costs at most this much to fetch again; `--parallel` 8 holds 2 MiB.
 */
export const SPILL_BYTES = 256 * 1024;

/** ... or until it has been arriving for this long (a slow body is kept on disk early). */
export const SPILL_MS = 1000;

/** Options for {@linkcode FileSink.open}. */
export interface FileSinkOptions {
  /** Replace an existing target. */
  force: boolean;
  /** Continue from `FILE.part`, or from FILE itself when there is no `.part`. */
  resume: boolean;
  hashNames: HashName[];
  createHash?: HashFactory;
  /** A monotonic clock in milliseconds ({@linkcode SPILL_MS}); `performance.now` by default. */
  now?: () => number;
  /**
   * The folder was made by this run a moment ago: nothing of an earlier run
   * (target, `.part`, sidecar) can be in it, so none is looked for.
   */
  fresh?: boolean;
}

/**
 * Writes the body to `FILE.part`, renamed to FILE when complete; a small
 * body is held in memory and reaches the disk only at {@linkcode FileSink.commit}
 * (or at `close()` after a failure, kept for a resume).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FileSink } from "./sink.ts";
 * import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = mkdtempSync(join(tmpdir(), "netkit-doc-"));
 * try {
 *   const sink = FileSink.open(join(dir, "f.txt"), { force: false, resume: false, hashNames: [] });
 *   sink.saveValidators({ etag: '"v1"', length: 4 });
 *   sink.write(new TextEncoder().encode("body"));
 *   assert(!existsSync(join(dir, "f.txt.part")) && !existsSync(join(dir, "f.txt.part.json")));
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
  /** The open `.part`, or -1: in memory (before the spill), or closed. */
  #fd = -1;
  #offset: number;
  #hashNames: HashName[];
  #createHash?: HashFactory;
  #hashes: Map<HashName, Hash>;
  #now: () => number;
  /** Copies of the chunks not yet on disk; undefined once the body is on disk. */
  #held?: Uint8Array[];
  #openedAt: number;
  /** Validators given while in memory, written at the spill. */
  #unsaved = false;

  private constructor(
    path: string,
    fd: number,
    run: { offset: number; options: FileSinkOptions },
  ) {
    const { offset, options } = run;
    this.path = path;
    this.partPath = `${path}.part`;
    this.metaPath = `${path}.part.json`;
    this.#fd = fd;
    this.#held = fd < 0 ? [] : undefined;
    this.#offset = offset;
    this.resumedFrom = offset;
    this.#hashNames = options.hashNames;
    this.#createHash = options.createHash;
    this.#hashes = hashers(options.hashNames, options.createHash);
    this.#now = options.now ?? (() => performance.now());
    this.#openedAt = this.#now();
    this.validators = offset > 0 ? readValidators(this.metaPath) : {};
    if (offset > 0 && options.hashNames.length > 0) this.#hashPrefix();
  }

  /**
   * Prepares the `.part` beside `path`: continues it with `resume` (opened
   * at once), else starts in memory. Refuses an existing `path` unless
   * `force` or `resume`.
   *
   * @throws {DownloadError} FILE_EXISTS, or WRITE_ERROR when the folder is not writable
   */
  static open(path: string, options: FileSinkOptions): FileSink {
    if (options.fresh && !options.resume) return new FileSink(path, -1, { offset: 0, options });
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
      removeQuietly(rangesPath(path));
      if (offset === 0) {
        // What an earlier run left describes bytes this sink does not keep:
        // a .part must never outlive its own .part.json.
        removeQuietly(part);
        removeQuietly(`${path}.part.json`);
        return new FileSink(path, -1, { offset, options });
      }
      const fd = openSync(part, "r+", 0o644);
      ftruncateSync(fd, offset);
      return new FileSink(path, fd, { offset, options });
    } catch (error) {
      throw writeError(error, part);
    }
  }

  get offset(): number {
    return this.#offset;
  }
  readonly canRestart = true;

  /** Whether the body is still held in memory only (nothing of it on disk yet). */
  get inMemory(): boolean {
    return this.#held !== undefined;
  }

  write(chunk: Uint8Array): void {
    if (this.#held) {
      // A copy: the caller may reuse its buffer once write() returns.
      this.#held.push(chunk.slice());
    } else {
      this.#writeOut(chunk, this.#offset);
    }
    for (const hash of this.#hashes.values()) hash.update(chunk);
    this.#offset += chunk.length;
    if (this.#held && (this.#offset > SPILL_BYTES || this.#now() - this.#openedAt > SPILL_MS)) {
      this.#spill();
    }
  }

  restart(): void {
    if (this.#held) {
      this.#held = [];
    } else {
      try {
        ftruncateSync(this.#fd, 0);
      } catch (error) {
        throw writeError(error, this.partPath);
      }
    }
    this.#offset = 0;
    this.#hashes = hashers(this.#hashNames, this.#createHash);
    this.validators = {};
    this.#unsaved = false;
    removeQuietly(this.metaPath);
  }

  saveValidators(validators: Validators): void {
    this.validators = validators;
    this.#unsaved = true;
    // A body declared longer than the bound would spill soon anyway: on disk from the start.
    if (this.#held && (validators.length ?? 0) > SPILL_BYTES) this.#spill();
    else if (!this.#held) this.#writeValidators();
  }

  digests(): Map<HashName, string> {
    return digestsOf(this.#hashes);
  }

  commit(): void {
    try {
      if (this.#held) {
        this.#writePart({ keepOpen: false });
      } else {
        ftruncateSync(this.#fd, this.#offset);
        this.close();
      }
      renameSync(this.partPath, this.path);
    } catch (error) {
      throw error instanceof DownloadError ? error : writeError(error, this.path);
    }
    // Only a body that went to disk early had a .part.json (open() removed older ones).
    if (!this.#held) removeQuietly(this.metaPath);
    this.#held = undefined;
  }

  discard(): void {
    this.#held = undefined;
    this.close();
    removeQuietly(this.partPath);
    removeQuietly(this.metaPath);
  }

  /** Releases the file; bytes still in memory go to the `.part` first, kept for a resume. */
  close(): void {
    if (this.#held && this.#offset > 0) {
      try {
        this.#spill();
      } catch {
        // Could not keep them: the next run fetches them again.
      }
    }
    this.#held = undefined;
    if (this.#fd < 0) return;
    try {
      closeSync(this.#fd);
    } catch {
      // Already closed: nothing to release.
    }
    this.#fd = -1;
  }

  /** Moves the body to disk: the validators first, then the `.part` with what was held. */
  #spill(): void {
    if (this.#unsaved) this.#writeValidators();
    this.#fd = this.#writePart({ keepOpen: true });
    this.#held = undefined;
  }

  /** Writes the held chunks to a new `.part`; returns it open, or -1 once closed. */
  #writePart(how: { keepOpen: boolean }): number {
    let fd = -1;
    try {
      fd = openSync(this.partPath, "w", 0o644);
      let position = 0;
      for (const chunk of this.#held ?? []) {
        writeAllToFd(fd, chunk, position);
        position += chunk.length;
      }
    } catch (error) {
      if (fd >= 0) closeSync(fd);
      throw writeError(error, this.partPath);
    }
    if (how.keepOpen) return fd;
    closeSync(fd);
    return -1;
  }

  #writeOut(chunk: Uint8Array, position: number): void {
    try {
      writeAllToFd(this.#fd, chunk, position);
    } catch (error) {
      throw writeError(error, this.partPath);
    }
  }

  #writeValidators(): void {
    try {
      writeFileSync(this.metaPath, JSON.stringify(this.validators) + "\n");
    } catch (error) {
      throw writeError(error, this.metaPath);
    }
    this.#unsaved = false;
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
    // Looked for first: a failed unlink throws, and a thrown error costs Deno ~50 µs.
    if (existsSync(path)) unlinkSync(path);
  } catch {
    // Not there: nothing to remove.
  }
}
