/**
 * The progress of a `--split` download, kept beside its `.part` in
 * `FILE.part.ranges.json`: the complete length and, per range, where it
 * starts, ends and how far it got. A later `-C` continues each range there.
 * Bytes are written before the state that counts them, so the state never
 * claims more than the `.part` holds.
 *
 * @module
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";

/** One range of a split download: bytes `[start, end)`, of which `[start, done)` are written. */
export interface SplitRange {
  start: number;
  end: number;
  done: number;
}

/** Options for {@linkcode SplitState.plan}. */
export interface SplitPlanOptions {
  /** Bytes `[0, prefix)` are already in the `.part` (a one-stream download's). */
  prefix?: number;
  /** The smallest range worth its own connection. */
  minRangeBytes: number;
}

/**
 * The ranges of one split download, and their sidecar file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SplitState } from "./split_state.ts";
 *
 * const state = SplitState.plan(1000, 4, { minRangeBytes: 100 });
 * assert.deepEqual(state.ranges.map((r) => r.start), [0, 250, 500, 750]);
 * state.ranges[0].done = 250;
 * assert(state.prefix() === 250 && state.doneBytes() === 250 && !state.complete());
 * ```
 */
export class SplitState {
  readonly length: number;
  readonly ranges: SplitRange[];

  /**
   * @param length the complete length of the body
   * @param ranges the ranges, in order, covering `[0, length)`
   */
  constructor(length: number, ranges: SplitRange[]) {
    this.length = length;
    this.ranges = ranges;
  }

  /**
   * Splits `[prefix, length)` into at most `count` ranges of at least
   * `minRangeBytes` each (a done range `[0, prefix)` comes first).
   *
   * @param length the complete length
   * @param count the most ranges wanted
   * @param options the done prefix and the smallest range
   * @returns the new state
   * @throws {RangeError} for a negative length or a count below 1
   */
  static plan(length: number, count: number, options: SplitPlanOptions): SplitState {
    if (!(length >= 0) || !(count >= 1)) {
      throw new RangeError(`Cannot split ${length} bytes into ${count} ranges`);
    }
    const prefix = Math.min(options.prefix ?? 0, length);
    const rest = length - prefix;
    const n = Math.max(1, Math.min(count, Math.floor(rest / options.minRangeBytes)));
    const ranges: SplitRange[] = prefix > 0 ? [{ start: 0, end: prefix, done: prefix }] : [];
    for (let i = 0; i < n; i++) {
      const start = prefix + Math.floor((rest * i) / n);
      const end = prefix + Math.floor((rest * (i + 1)) / n);
      ranges.push({ start, end, done: start });
    }
    return new SplitState(length, ranges);
  }

  /**
   * Reads a sidecar; anything unreadable or inconsistent is no state at all
   * (the download then starts over, never trusting a torn file).
   *
   * @param path the sidecar (`FILE.part.ranges.json`)
   * @returns the state, or undefined
   */
  static read(path: string): SplitState | undefined {
    try {
      const parsed = JSON.parse(readFileSync(path, "utf8"));
      const length = parsed.length;
      const ranges: SplitRange[] = parsed.ranges;
      if (!Number.isSafeInteger(length) || !Array.isArray(ranges)) return undefined;
      let next = 0;
      for (const r of ranges) {
        const ok = [r.start, r.end, r.done].every(Number.isSafeInteger) && r.start === next &&
          r.start <= r.done && r.done <= r.end;
        if (!ok) return undefined;
        next = r.end;
      }
      if (next !== length) return undefined;
      return new SplitState(
        length,
        ranges.map((r) => ({ start: r.start, end: r.end, done: r.done })),
      );
    } catch {
      return undefined;
    }
  }

  /**
   * Writes the sidecar atomically (a temporary file renamed over it), so a
   * kill leaves the old state or the new one, never half of one.
   *
   * @param path the sidecar
   */
  save(path: string): void {
    const temporary = `${path}.tmp`;
    writeFileSync(temporary, JSON.stringify({ length: this.length, ranges: this.ranges }) + "\n");
    renameSync(temporary, path);
  }

  /** Removes the sidecar at `path`, if there is one. */
  static remove(path: string): void {
    try {
      unlinkSync(path);
    } catch {
      // Not there: nothing to remove.
    }
  }

  /** Bytes written in all ranges together. */
  doneBytes(): number {
    return this.ranges.reduce((sum, r) => sum + (r.done - r.start), 0);
  }

  /** The bytes from 0 that are all written: where a one-stream resume may continue. */
  prefix(): number {
    for (const r of this.ranges) if (r.done < r.end) return r.done;
    return this.length;
  }

  /** Whether every range is written to its end. */
  complete(): boolean {
    return this.ranges.every((r) => r.done === r.end);
  }
}
