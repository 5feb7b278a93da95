/**
 * One progress display for a run of many downloads on a terminal: a line
 * per active transfer and a total line, redrawn in place as one write (no
 * flicker), erased at the end (nothing left behind). Lines printed during
 * the run (`saved …`, errors) go above it.
 *
 * @module
 */
import { formatBytes } from "../fmt/bytes.ts";
import { Progress } from "./progress.ts";

/** How often the display redraws at most, in milliseconds. */
const REDRAW_MS = 250;
/** Lines are cut to this many columns, so none wraps on an 80-column terminal. */
const WIDTH = 79;
/** Room for the name on a transfer's line. */
const NAME_WIDTH = 28;

/**
 * A transfer's meter: a {@linkcode Progress} (so `download()` drives it as
 * it drives the single-file meter) that reports to its display instead of
 * drawing itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultiProgress } from "./multi_progress.ts";
 *
 * const drawn: string[] = [];
 * const board = new MultiProgress((text) => drawn.push(text), { files: 1, now: () => 0 });
 * const meter = board.transfer("a.iso");
 * meter.start(0, 10);
 * meter.advance(5);
 * assert(meter.line().includes(" 50%"));
 * ```
 */
export class TransferProgress extends Progress {
  #board: MultiProgress;

  /**
   * @param board the display this transfer shows on
   * @param now a monotonic clock in milliseconds
   */
  constructor(board: MultiProgress, now: () => number) {
    super(() => {}, now);
    this.#board = board;
  }

  /** Bytes that arrived, counted for the total line too. */
  override advance(n: number): void {
    super.advance(n);
    this.#board.advanced(n);
  }

  /** The meter's own drawing is the display's job: nothing to end. */
  override finish(): void {}
}

/** Options for {@linkcode MultiProgress}. */
export interface MultiProgressOptions {
  /** How many files the run has. */
  files: number;
  /** A monotonic clock in milliseconds. */
  now: () => number;
}

/**
 * The display of a many-file run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultiProgress } from "./multi_progress.ts";
 *
 * let text = "";
 * const board = new MultiProgress((t) => (text += t), { files: 2, now: () => 0 });
 * const meter = board.transfer("a.txt");
 * meter.start(0, 4);
 * meter.advance(4);
 * board.done(meter, { ok: true });
 * board.print("netkit get: saved a.txt");
 * board.close();
 * assert(text.includes("netkit get: saved a.txt\n") && text.endsWith("\u001b[J"));
 * ```
 */
export class MultiProgress {
  #write: (text: string) => void;
  #now: () => number;
  #files: number;
  #active = new Map<TransferProgress, string>();
  #finished = 0;
  #failed = 0;
  #bytes = 0;
  #started: number;
  #drawn = 0;
  #lastDraw = -Infinity;
  #closed = false;

  /**
   * @param write standard error, as is
   * @param options the run's size and clock
   */
  constructor(write: (text: string) => void, options: MultiProgressOptions) {
    this.#write = write;
    this.#now = options.now;
    this.#files = options.files;
    this.#started = options.now();
  }

  /** A meter for a transfer that starts now, shown under `name`. */
  transfer(name: string): TransferProgress {
    const meter = new TransferProgress(this, this.#now);
    this.#active.set(meter, name);
    this.#redraw(true);
    return meter;
  }

  /** Called by a transfer's meter. */
  advanced(n: number): void {
    this.#bytes += n;
    this.#redraw(false);
  }

  /** The transfer of `meter` ended, saved (`ok`) or not. */
  done(meter: TransferProgress, outcome: { ok: boolean }): void {
    this.#active.delete(meter);
    this.#finished++;
    if (!outcome.ok) this.#failed++;
    this.#redraw(true);
  }

  /** Prints `line` above the display (after {@linkcode close}: just the line). */
  print(line: string): void {
    this.#write(`${this.#erase()}${line}\n${this.#closed ? "" : this.#frame()}`);
  }

  /** Erases the display for good; the terminal is as it was, plus the printed lines. */
  close(): void {
    this.#write(this.#erase());
    this.#closed = true;
  }

  #redraw(now: boolean): void {
    if (this.#closed) return;
    const at = this.#now();
    if (!now && at - this.#lastDraw < REDRAW_MS) return;
    this.#lastDraw = at;
    this.#write(this.#erase() + this.#frame());
  }

  /** Back to the first line of the display, clearing it and what is below. */
  #erase(): string {
    if (this.#drawn === 0) return "";
    const up = this.#drawn > 1 ? `\u001b[${this.#drawn - 1}A` : "";
    this.#drawn = 0;
    return `\r${up}\u001b[J`;
  }

  /** The lines, the cursor left at the end of the last (no line break after it). */
  #frame(): string {
    const lines = [...this.#active].map(([meter, name]) => {
      const shown = name.length > NAME_WIDTH ? `…${name.slice(-(NAME_WIDTH - 1))}` : name;
      return `${shown.padEnd(NAME_WIDTH)} ${meter.line()}`;
    });
    const seconds = Math.max((this.#now() - this.#started) / 1000, 1e-3);
    const failed = this.#failed > 0 ? `, ${this.#failed} failed` : "";
    lines.push(
      `total: ${this.#finished}/${this.#files} files${failed}, ${formatBytes(this.#bytes, 1)}, ` +
        `${formatBytes(Math.round(this.#bytes / seconds), 1)}/s`,
    );
    this.#drawn = lines.length;
    return lines.map((line) => line.slice(0, WIDTH)).join("\n");
  }
}
