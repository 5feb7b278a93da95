/**
 * What a many-file run tells the user: a line (or with `--json` an object)
 * per file as it finishes, the terminal display while it runs, and the
 * totals at the end. Private to `src/get`.
 *
 * @module
 */
import type { CommandContext } from "../cli/context.ts";
import { formatBytes } from "../fmt/bytes.ts";
import type { DownloadResult } from "./download.ts";
import type { FileOutcome } from "./first_failure.ts";
import type { MultiProgress, TransferProgress } from "./multi_progress.ts";

/** How one file of the run ended, for the totals. */
export interface ManyOutcome extends FileOutcome {
  url: URL;
  bytes: number;
}

interface Base {
  url: URL;
  index: number;
  meter?: TransferProgress;
}

/** The plan's output settings. */
export interface ManyReportPlan {
  json: boolean;
  quiet: boolean;
}

/**
 * Reports a many-file run on the command's context.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManyReport } from "./_many_report.ts";
 * import { memoryContext } from "../cli/context.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const { context, output } = memoryContext({} as NetAdapter);
 * const report = new ManyReport({ json: true, quiet: true }, { context });
 * const outcome = report.failed({ url: new URL("http://h.test/a"), index: 0, code: 22, message: "HTTP 404" });
 * assert(report.close([outcome], 22) === 22);
 * assert(JSON.parse(output.out[1]).exit === 22);
 * ```
 */
export class ManyReport {
  #plan: ManyReportPlan;
  #context: CommandContext;
  #board?: MultiProgress;
  #started: number;

  /**
   * @param plan `--json`, `-s`
   * @param options the context, and the terminal display if there is one
   */
  constructor(
    plan: ManyReportPlan,
    options: { context: CommandContext; board?: MultiProgress },
  ) {
    this.#plan = plan;
    this.#context = options.context;
    this.#board = options.board;
    this.#started = options.context.monotonicNow();
  }

  /** A meter for a transfer that starts now (on a terminal only). */
  meter(name: string): TransferProgress | undefined {
    return this.#board?.transfer(name);
  }

  /** A note on stderr (not with `-s`). */
  note(line: string): void {
    if (!this.#plan.quiet) this.error(line);
  }

  /** A file was saved. */
  saved(
    file: Base & { result: DownloadResult; seconds: number },
  ): ManyOutcome {
    const { result } = file;
    const path = result.sink?.path ?? "";
    this.#end(file.meter, true);
    if (!this.#plan.quiet) this.note(`saved ${path} (${formatBytes(result.bytes)})`);
    this.#json({
      url: file.url.href,
      ok: true,
      final_url: result.finalUrl.href,
      status: result.status,
      bytes: result.bytes,
      path,
      sha256: result.digests.get("sha256"),
      seconds: Number(file.seconds.toFixed(3)),
      resumed_from: result.resumedFrom,
    });
    return { url: file.url, code: 0, bytes: result.bytes };
  }

  /** A file failed: always said, even with `-s`. */
  failed(file: Base & { code: number; message: string; path?: string }): ManyOutcome {
    this.#end(file.meter, false);
    this.error(`${file.url.href}: ${file.message}`);
    this.#json({
      url: file.url.href,
      ok: false,
      exit: file.code,
      error: file.message,
      path: file.path,
    });
    return { url: file.url, code: file.code, bytes: 0 };
  }

  /** `--fail-fast` stopped a file (or it never started). */
  cancelled(file: Base & { started: boolean; path?: string }): ManyOutcome {
    this.#end(file.meter, false);
    if (file.started) {
      const kept = file.path === undefined ? "" : ` (${file.path}.part kept for -C)`;
      this.note(`${file.url.href}: cancelled by --fail-fast${kept}`);
    }
    this.#json({ url: file.url.href, ok: false, cancelled: true, path: file.path });
    return { url: file.url, code: 1, cancelled: true, bytes: 0 };
  }

  /** Ends the display and says the totals; returns `exit`. */
  close(outcomes: ManyOutcome[], exit: number): number {
    this.#board?.close();
    const saved = outcomes.filter((o) => o.code === 0).length;
    const cancelled = outcomes.filter((o) => o.cancelled).length;
    const failed = outcomes.length - saved - cancelled;
    const bytes = outcomes.reduce((n, o) => n + o.bytes, 0);
    const seconds = Number(((this.#context.monotonicNow() - this.#started) / 1000).toFixed(3));
    if (this.#plan.json) {
      this.#context.out(JSON.stringify({
        files: outcomes.length,
        saved,
        failed,
        cancelled,
        bytes,
        seconds,
        exit,
      }));
    } else if (outcomes.length > 1) {
      const rest = [failed && `${failed} failed`, cancelled && `${cancelled} cancelled`]
        .filter(Boolean).join(", ");
      const first = outcomes.find((o) => o.code === exit && !o.cancelled);
      this.note(
        `${saved} of ${outcomes.length} files saved (${formatBytes(bytes)}) in ${seconds} s` +
          (rest ? `; ${rest}; exit ${exit}, from ${first?.url.href}` : ""),
      );
    }
    return exit;
  }

  #end(meter: TransferProgress | undefined, ok: boolean): void {
    if (meter) this.#board?.done(meter, { ok });
  }

  /** An error line on stderr (`netkit get: …`), even with `-s`. */
  error(line: string): void {
    this.text(`netkit get: ${line}`);
  }

  /** A line on stderr as it is (`--fail-with-body`), even with `-s`, above the display. */
  text(line: string): void {
    if (this.#board) this.#board.print(line);
    else this.#context.err(line);
  }

  #json(summary: Record<string, unknown>): void {
    if (this.#plan.json) this.#context.out(JSON.stringify(summary));
  }
}
