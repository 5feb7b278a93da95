/**
 * A one-line download progress meter: bytes done, total, percent, rate, ETA.
 *
 * @module
 */

import { formatBytes } from "../fmt/bytes.ts";

/** How often the meter redraws at most, in milliseconds. */
const REDRAW_MS = 250;

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** A rate for people: whole bytes below 1 KiB/s, one decimal above. */
function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond < 1024 ? Math.round(bytesPerSecond) : bytesPerSecond, 1)}/s`;
}

/**
 * Tracks a transfer that may start part-way (a resume) and restart (a retry).
 * The rate counts only bytes moved in this run, so a resume never shows a
 * burst of the bytes that were already on disk. {@linkcode Progress.finish}
 * ends the line, once; whatever is printed next starts on a clean line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Progress } from "./progress.ts";
 *
 * let clock = 0;
 * const drawn: string[] = [];
 * const progress = new Progress((text) => drawn.push(text), () => clock);
 * progress.start(0, 2048);
 * clock = 1000;
 * progress.advance(1024);
 * assert(progress.line().includes(" 50%") && progress.line().includes("1.0 KiB/s"));
 * progress.finish();
 * assert(drawn.at(-1) === "\n");
 * ```
 */
export class Progress {
  #write: (text: string) => void;
  #now: () => number;
  #done = 0;
  #total?: number;
  #runStart = 0;
  #runBytes = 0;
  #lastDraw = -Infinity;
  #started = false;
  #finished = false;

  /**
   * @param write where the meter goes (standard error), without newlines
   * @param now a monotonic clock in milliseconds
   */
  constructor(write: (text: string) => void, now: () => number = () => performance.now()) {
    this.#write = write;
    this.#now = now;
  }

  /** A response started: `offset` bytes are already done, of `total` if known. */
  start(offset: number, total?: number): void {
    this.#started = true;
    this.#done = offset;
    this.#total = total;
    this.#runStart = this.#now();
    this.#runBytes = 0;
  }

  /** `n` more bytes arrived; redraws at most four times a second. */
  advance(n: number): void {
    this.#done += n;
    this.#runBytes += n;
    const now = this.#now();
    if (now - this.#lastDraw >= REDRAW_MS) {
      this.#lastDraw = now;
      this.#draw(now);
    }
  }

  /** The current line, as drawn. */
  line(now: number = this.#now()): string {
    const seconds = Math.max((now - this.#runStart) / 1000, 1e-3);
    const rate = this.#runBytes / seconds;
    const total = this.#total;
    const parts = [formatBytes(this.#done, 1).padStart(10)];
    if (total !== undefined && total > 0) {
      const percent = Math.min(100, Math.floor((this.#done / total) * 100));
      const eta = rate > 0 ? Math.max(0, total - this.#done) / rate : Infinity;
      parts[0] += ` / ${formatBytes(total, 1)}`;
      parts.push(`${String(percent).padStart(3)}%`);
      parts.push(formatRate(rate), `ETA ${formatDuration(eta)}`);
    } else {
      parts.push(formatRate(rate));
    }
    return parts.join("  ");
  }

  /** Draws the final state and ends the line; only the first call does anything. */
  finish(): void {
    if (!this.#started || this.#finished) return;
    this.#finished = true;
    this.#draw(this.#now());
    this.#write("\n");
  }

  #draw(now: number): void {
    this.#write(`\r${this.line(now)}\u001b[K`);
  }
}
