/**
 * Whether a response continues the bytes a sink already holds: a `206`
 * whose Content-Range starts exactly there, else the sink starts over (or,
 * on standard output, the download fails).
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";
import { parseContentRange } from "./content_range.ts";
import { DownloadError } from "./errors.ts";
import type { Sink } from "./sink.ts";

/**
 * Ask again at once, without counting a retry: the first response revealed a
 * partial file to resume, or a resume has to start over.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ResumeNow } from "./resume.ts";
 *
 * assert(new ResumeNow() instanceof Error);
 * ```
 */
export class ResumeNow extends Error {
  constructor() {
    super("Resume at once");
    this.name = "ResumeNow";
  }
}

/** Options for {@linkcode continueSink}. */
export interface ContinueSinkOptions {
  /** A line for stderr. */
  note(line: string): void;
}

/**
 * Makes `sink` ready for `response`'s body: keeps its bytes when the
 * response continues them, restarts it otherwise.
 *
 * @param sink the sink, possibly holding bytes from before
 * @param response the (non-error) response
 * @param options where notes go
 * @throws {ResumeNow} when a range does not continue the file but the sink restarted
 * @throws {DownloadError} 18 when the sink cannot take its bytes back
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { continueSink } from "./resume.ts";
 * import { StreamSink } from "./stream_sink.ts";
 *
 * const sink = new StreamSink({ write: () => {}, label: "memory" });
 * await continueSink(sink, new Response("x"), { note: () => {} }); // nothing to continue
 * assert.equal(sink.offset, 0);
 * ```
 */
export async function continueSink(
  sink: Sink,
  response: Response,
  options: ContinueSinkOptions,
): Promise<void> {
  if (sink.offset === 0) return;
  const status = response.status;
  if (status === 206) {
    const header = response.headers.get("content-range");
    const range = parseContentRange(header);
    const known = sink.validators.length;
    if (
      range && range.start === sink.offset && !(known && range.length && range.length !== known)
    ) {
      return;
    }
    await response.body?.cancel();
    if (!sink.canRestart) {
      throw new DownloadError(
        EXIT.PARTIAL_BODY,
        `Cannot resume: the server sent ${header ?? "no Content-Range"} for bytes ${sink.offset}-`,
      );
    }
    options.note(`The server's range does not continue the partial file; starting over`);
    sink.restart();
    throw new ResumeNow();
  }
  if (!sink.canRestart) {
    await response.body?.cancel();
    throw new DownloadError(
      EXIT.PARTIAL_BODY,
      `Cannot resume on standard output: the server answered ${status} to a range request`,
    );
  }
  if (status === 200) {
    options.note(`The server sent the whole file instead of a range; starting over`);
  }
  sink.restart();
}
