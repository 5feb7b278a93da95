/**
 * One range of a `--split` download: its request (`Range` + `If-Range`),
 * the checks that its `206` belongs to the same version of the file, its
 * body written in place, and its retries (backing off on 429 and 503).
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";
import type { NetAdapter } from "../net/types.ts";
import { Attempt } from "./attempt.ts";
import { parseContentRange } from "./content_range.ts";
import type { DownloadRequest, FirstResponse } from "./download.ts";
import { connectError, DownloadError } from "./errors.ts";
import { fetchFollowing } from "./fetch_following.ts";
import { httpError } from "./http_error.ts";
import type { Progress } from "./progress.ts";
import { pump } from "./pump.ts";
import { parseRetryAfter } from "./retry_after.ts";
import type { SplitPart } from "./split_part.ts";
import type { SplitRange } from "./split_state.ts";
import { ifRangeValidator, type Validators } from "./validators.ts";

/**
 * The server answered a range with another version of the file: start over.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VersionChanged } from "./_split_range.ts";
 *
 * assert.match(new VersionChanged('ETag "a" became "b"').message, /changed on the server/);
 * ```
 */
export class VersionChanged extends Error {
  constructor(what: string) {
    super(`The file changed on the server during the download (${what})`);
    this.name = "VersionChanged";
  }
}

/**
 * The server answered a range request with the whole file: ranges do not work there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RangesIgnored } from "./_split_range.ts";
 *
 * assert.match(new RangesIgnored().message, /whole file/);
 * ```
 */
export class RangesIgnored extends Error {
  constructor() {
    super("The server answered a range request with the whole file");
    this.name = "RangesIgnored";
  }
}

/** 429 or 503: the server asks for fewer requests; wait, then ask again. */
class Busy extends Error {
  readonly retryAfterSeconds?: number;
  constructor(status: number, retryAfterSeconds?: number) {
    super(`HTTP ${status}`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Most waits for one range after 429/503 before the run fails. */
const MAX_BUSY_WAITS = 8;
/** The longest wait after 429/503 without a Retry-After. */
const MAX_BUSY_WAIT_MS = 30_000;

/** Everything the ranges of one split download share. */
export interface RangeRun {
  request: DownloadRequest;
  /** The final URL the first response came from. */
  url: URL;
  part: SplitPart;
  net: NetAdapter;
  deadlineAt?: number;
  /** Retries left for connection errors and broken bodies, shared by all ranges (--retry). */
  retriesLeft: number;
  /** The attempts in flight, so a failure can stop them all. */
  attempts: Set<Attempt>;
  /** Set once one range failed for good: the others stop. */
  failed: boolean;
  progress?: Progress;
  note(line: string): void;
  verbose?(line: string): void;
  sleep(ms: number): Promise<void>;
  random(): number;
  now(): number;
}

/** Marks a range written to its end inside the body loop. */
const RANGE_DONE = Symbol("range done");

/**
 * Fetches `range` from where it stopped to its end, retrying as allowed.
 *
 * @param range the range (its `done` moves as bytes are written)
 * @param run what all ranges share
 * @param options `first`: the first response, when it carries this range from byte 0
 * @throws {VersionChanged} {RangesIgnored} {DownloadError}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fetchRange } from "./_split_range.ts";
 * import { SplitPart } from "./split_part.ts";
 * import { SplitState } from "./split_state.ts";
 * import type { DownloadRequest } from "./download.ts";
 * import type { NetAdapter } from "../net/types.ts";
 * import { mkdtempSync, readFileSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const net = { fetch: () => Promise.resolve(new Response("cd", {
 *   status: 206, headers: { "content-range": "bytes 2-3/4", etag: '"v1"' },
 * })) } as unknown as NetAdapter;
 * const request: DownloadRequest = {
 *   url: new URL("http://example.test/f"), method: "GET", headers: new Headers(), follow: true,
 *   maxRedirects: 10, allowDowngrade: false, insecure: false, decode: false, connectTimeoutMs: 1000,
 *   idleTimeoutMs: 1000, retries: 0, retryDelayMs: 1000, failWithBody: false,
 * };
 * const dir = mkdtempSync(join(tmpdir(), "netkit-doc-"));
 * try {
 *   const state = SplitState.plan(4, 2, { minRangeBytes: 1 });
 *   const part = SplitPart.open(join(dir, "f"), {
 *     state, validators: { etag: '"v1"' }, resumed: false, hashNames: [], now: () => 0,
 *   });
 *   await fetchRange(state.ranges[1], {
 *     request, url: request.url, part, net, retriesLeft: 0, attempts: new Set(), failed: false,
 *     note: () => {}, sleep: () => Promise.resolve(), random: Math.random, now: () => 0,
 *   });
 *   part.close();
 *   assert(readFileSync(join(dir, "f.part"), "utf8").slice(2) === "cd");
 * } finally {
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export async function fetchRange(
  range: SplitRange,
  run: RangeRun,
  options: { first?: FirstResponse } = {},
): Promise<void> {
  let first = options.first;
  let busyWaits = 0;
  while (range.done < range.end && !run.failed) {
    const attempt = first?.attempt ?? newAttempt(run);
    run.attempts.add(attempt);
    try {
      const response = first?.response ?? await requestRange(range, run, attempt);
      await readRange(response, { range, run, attempt });
    } catch (error) {
      if (run.failed || error instanceof VersionChanged || error instanceof RangesIgnored) {
        throw error;
      }
      if (error instanceof Busy && busyWaits++ < MAX_BUSY_WAITS) {
        const wait = error.retryAfterSeconds !== undefined
          ? error.retryAfterSeconds * 1000
          : Math.min(1000 * 2 ** busyWaits, MAX_BUSY_WAIT_MS) * (0.5 + run.random() / 2);
        run.note(
          `${error.message} for bytes ${range.done}-: waiting ${(wait / 1000).toFixed(1)} s`,
        );
        await run.sleep(wait);
        continue;
      }
      const final = error instanceof Busy
        ? new DownloadError(EXIT.HTTP_ERROR, error.message)
        : error;
      if (!(final instanceof DownloadError) || !final.retryable || run.retriesLeft-- <= 0) {
        throw final;
      }
      run.note(`${final.message}; retrying bytes ${range.done}-${range.end - 1}`);
      await run.sleep(run.request.retryDelayMs * (0.5 + run.random() / 2));
    } finally {
      attempt.disarm();
      run.attempts.delete(attempt);
      first = undefined;
    }
  }
}

function newAttempt(run: RangeRun): Attempt {
  const maxTimeMs = run.request.maxTimeMs;
  return new Attempt({ deadlineAt: run.deadlineAt, now: run.now(), maxTimeMs });
}

/** Sends the range request and checks the answer continues this version at `range.done`. */
async function requestRange(range: SplitRange, run: RangeRun, attempt: Attempt) {
  const headers = new Headers(run.request.headers);
  // The conditions of -N were the first request's; a range asks for bytes of that version.
  headers.delete("if-none-match");
  headers.delete("if-modified-since");
  headers.set("range", `bytes=${range.done}-${range.end - 1}`);
  const validator = ifRangeValidator(run.part.validators);
  if (validator) headers.set("if-range", validator);
  const { response } = await fetchFollowing(
    { url: run.url, method: "GET", headers },
    { ...run.request, net: run.net, attempt, verbose: run.verbose },
  );
  const status = response.status;
  if (status === 429 || status === 503) {
    await response.body?.cancel().catch(() => {});
    throw new Busy(status, parseRetryAfter(response.headers.get("retry-after")));
  }
  if (status >= 400) throw await httpError(response);
  if (status === 200) {
    await response.body?.cancel().catch(() => {});
    const what = differs(run.part.validators, response);
    throw what ? new VersionChanged(what) : new RangesIgnored();
  }
  const got = parseContentRange(response.headers.get("content-range"));
  const what = response.status !== 206
    ? `HTTP ${status}`
    : !got || got.start !== range.done || got.length !== run.part.state.length
    ? `Content-Range ${response.headers.get("content-range")} for bytes ${range.done}-`
    : differs(run.part.validators, response);
  if (what) {
    await response.body?.cancel().catch(() => {});
    throw new VersionChanged(what);
  }
  return response;
}

/** Which validator of `response` differs from the first response's, if any. */
function differs(saved: Validators, response: Response): string | undefined {
  const etag = response.headers.get("etag");
  const lastModified = response.headers.get("last-modified");
  if (etag !== null && etag !== (saved.etag ?? null)) return `ETag ${saved.etag} became ${etag}`;
  if (lastModified !== null && lastModified !== (saved.lastModified ?? null)) {
    return `Last-Modified ${saved.lastModified} became ${lastModified}`;
  }
  return undefined;
}

/** Writes the body into the range; a body that ends early is a retryable error. */
async function readRange(
  response: Response,
  job: { range: SplitRange; run: RangeRun; attempt: Attempt },
): Promise<void> {
  const { range, run, attempt } = job;
  if (!response.body) throw partial(range);
  const output = {
    decoded: false,
    write: (chunk: Uint8Array) => {
      const written = run.part.writeAt(range, chunk);
      run.progress?.advance(written);
      if (range.done >= range.end) throw RANGE_DONE;
    },
    end: () => Promise.resolve(),
  };
  try {
    await pump(response.body, { output, attempt, idleTimeoutMs: run.request.idleTimeoutMs });
  } catch (error) {
    if (error === RANGE_DONE) return;
    if (error instanceof DownloadError) throw error;
    throw connectError(error, { url: run.url, timeout: attempt.timeout });
  }
  if (range.done < range.end) throw partial(range);
}

function partial(range: SplitRange): DownloadError {
  return new DownloadError(
    EXIT.PARTIAL_BODY,
    `Transfer closed with ${range.end - range.done} bytes of a range remaining`,
    { retryable: true },
  );
}
