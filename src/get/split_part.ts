/**
 * The `.part` of a `--split` download: sized to the complete length at
 * once, written at each range's position, with the validators in
 * `FILE.part.json` (as a one-stream `.part` has) and the ranges' progress in
 * `FILE.part.ranges.json`. Renamed into place only when every range is done.
 *
 * @module
 */
import { closeSync, ftruncateSync, openSync, readSync, renameSync, writeFileSync } from "node:fs";
import type { Hash } from "node:crypto";
import { SplitState } from "./split_state.ts";
import type { Sink } from "./sink.ts";
import type { Validators } from "./validators.ts";
import {
  digestsOf,
  hashers,
  type HashFactory,
  type HashName,
  writeAllToFd,
  writeError,
} from "./_sink_helpers.ts";

/** The sidecar that holds a split download's ranges, for the target `path`. */
export const rangesPath = (path: string): string => `${path}.part.ranges.json`;

/** How often the ranges' progress is written down while bytes flow. */
const SAVE_EVERY_MS = 250;

/** Options for {@linkcode SplitPart.open}. */
export interface SplitPartOptions {
  /** The ranges (fresh, or read back from the sidecar). */
  state: SplitState;
  /** The validators of the response the bytes come from. */
  validators: Validators;
  /** The state comes from an earlier run: keep the `.part`'s bytes. */
  resumed: boolean;
  hashNames: HashName[];
  createHash?: HashFactory;
  /** A monotonic clock in milliseconds (how often the state is saved). */
  now(): number;
}

/**
 * A preallocated `.part` written by range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SplitPart } from "./split_part.ts";
 * import { SplitState } from "./split_state.ts";
 * import { mkdtempSync, readFileSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = mkdtempSync(join(tmpdir(), "netkit-doc-"));
 * try {
 *   const state = SplitState.plan(4, 2, { minRangeBytes: 1 });
 *   const part = SplitPart.open(join(dir, "f"), {
 *     state, validators: {}, resumed: false, hashNames: [], now: () => 0,
 *   });
 *   part.writeAt(state.ranges[1], new TextEncoder().encode("cd"));
 *   part.writeAt(state.ranges[0], new TextEncoder().encode("ab"));
 *   part.commit();
 *   assert(readFileSync(join(dir, "f"), "utf8") === "abcd");
 * } finally {
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export class SplitPart implements Sink {
  readonly path: string;
  readonly partPath: string;
  readonly resumedFrom: number;
  readonly state: SplitState;
  validators: Validators;
  readonly canRestart = false;
  #fd: number;
  #options: SplitPartOptions;
  #savedAt = -Infinity;
  #saved = true;
  #timer?: ReturnType<typeof setInterval>;
  #hashes: Map<HashName, Hash>;
  /** Bytes from 0 already hashed: the hash follows the written prefix. */
  #hashed = 0;
  #buffer?: Uint8Array;

  private constructor(path: string, fd: number, options: SplitPartOptions) {
    this.path = path;
    this.partPath = `${path}.part`;
    this.#fd = fd;
    this.#options = options;
    this.state = options.state;
    this.validators = options.validators;
    this.resumedFrom = options.state.doneBytes();
    this.#hashes = hashers(options.hashNames, options.createHash);
  }

  /**
   * Opens (or creates) `path.part` at the complete length and writes both sidecars.
   *
   * @throws {DownloadError} WRITE_ERROR when the folder is not writable
   */
  static open(path: string, options: SplitPartOptions): SplitPart {
    const partPath = `${path}.part`;
    try {
      const fd = openSync(partPath, options.resumed ? "r+" : "w+", 0o644);
      const part = new SplitPart(path, fd, options);
      // Sized at once (sparse where the filesystem allows): every range writes in place.
      ftruncateSync(fd, options.state.length);
      part.saveValidators(options.validators);
      part.save();
      // Bytes come in bursts (a rate-limited server sleeps between them): the
      // state is saved on a clock too, so a kill between bursts loses little.
      part.#timer = setInterval(() => part.#saveIfBehind(), SAVE_EVERY_MS);
      (part.#timer as { unref?: () => void }).unref?.();
      return part;
    } catch (error) {
      throw writeError(error, partPath);
    }
  }

  /** Bytes written in all ranges, this run's and earlier runs'. */
  get offset(): number {
    return this.state.doneBytes();
  }

  /** Writes the next bytes of `range` (what lies past its end is dropped); returns how many. */
  writeAt(range: { start: number; end: number; done: number }, chunk: Uint8Array): number {
    const n = Math.min(chunk.length, range.end - range.done);
    try {
      writeAllToFd(this.#fd, chunk.subarray(0, n), range.done);
    } catch (error) {
      throw writeError(error, this.partPath);
    }
    range.done += n;
    this.#saved = false;
    if (this.#options.now() - this.#savedAt >= SAVE_EVERY_MS) this.save();
    return n;
  }

  #saveIfBehind(): void {
    try {
      if (!this.#saved) this.save();
      this.hashWritten();
    } catch {
      // The next write reports a folder that went away.
    }
  }

  /**
   * Hashes what is written from where the hash stands, in file order (at
   * most `limit` bytes). Ranges are
   * fetched in file order, so the written prefix, and the hash behind it,
   * grow while the download runs.
   */
  hashWritten(limit: number = Infinity): void {
    if (this.#hashes.size === 0 || this.#fd < 0) return;
    const stop = Math.min(this.state.prefix(), this.#hashed + limit);
    const buffer = this.#buffer ??= new Uint8Array(1 << 20);
    while (this.#hashed < stop) {
      const n = readSync(
        this.#fd,
        buffer,
        0,
        Math.min(buffer.length, stop - this.#hashed),
        this.#hashed,
      );
      if (n === 0) break;
      for (const hash of this.#hashes.values()) hash.update(buffer.subarray(0, n));
      this.#hashed += n;
    }
  }

  /** Writes the ranges' progress down now. */
  save(): void {
    this.#savedAt = this.#options.now();
    this.#saved = true;
    try {
      this.state.save(rangesPath(this.path));
    } catch (error) {
      throw writeError(error, rangesPath(this.path));
    }
  }

  write(): void {
    throw new TypeError("Cannot append to a split .part: write by range (writeAt)");
  }

  restart(): void {
    throw new TypeError("Cannot restart a split .part: discard it and open a new one");
  }

  saveValidators(validators: Validators): void {
    this.validators = validators;
    try {
      writeFileSync(`${this.partPath}.json`, JSON.stringify(validators) + "\n");
    } catch (error) {
      throw writeError(error, `${this.partPath}.json`);
    }
  }

  /**
   * Digests of the assembled file: the bytes on disk, read back in order
   * (earlier runs' ranges included), most of them while later ranges were
   * still arriving.
   */
  digests(): Map<HashName, string> {
    this.hashWritten(Infinity);
    return digestsOf(this.#hashes);
  }

  commit(): void {
    try {
      this.close();
      renameSync(this.partPath, this.path);
    } catch (error) {
      throw writeError(error, this.path);
    }
    SplitState.remove(`${this.partPath}.json`);
    SplitState.remove(rangesPath(this.path));
  }

  discard(): void {
    this.close();
    for (const file of [this.partPath, `${this.partPath}.json`, rangesPath(this.path)]) {
      SplitState.remove(file);
    }
  }

  close(): void {
    clearInterval(this.#timer);
    if (this.#fd < 0) return;
    try {
      if (!this.state.complete()) this.save();
      closeSync(this.#fd);
    } catch {
      // Already closed, or the folder went away: nothing more to keep.
    }
    this.#fd = -1;
  }
}
