/**
 * `get --split N`: one file fetched as up to N byte ranges at once into one
 * preallocated `.part`. The first response (an ordinary GET) tells whether
 * the server can do it (`Accept-Ranges: bytes`, a length, a validator) and
 * carries the first range itself; N-1 more connections fetch the others
 * with `Range` and `If-Range`. Every `206` must belong to the version the
 * first response described, or the download starts over: the `.part` never
 * mixes two versions. A server that cannot do ranges gets one stream, and
 * the user is told.
 *
 * @module
 */
import { existsSync, lstatSync, realpathSync, statSync } from "node:fs";
import { EXIT } from "../cli/exit_codes.ts";
import { Attempt } from "./attempt.ts";
import {
  download,
  type DownloadOptions,
  type DownloadResult,
  type FirstResponse,
} from "./download.ts";
import { DownloadError } from "./errors.ts";
import { fetchFollowing } from "./fetch_following.ts";
import { fileNameFromDisposition, fileNameFromUrl } from "./file_name.ts";
import { type HashFactory, type HashName, refuseToReplace } from "./sink.ts";
import { fileSinks } from "./sink_provider.ts";
import { rangesPath, SplitPart } from "./split_part.ts";
import { type SplitRange, SplitState } from "./split_state.ts";
import { fetchRange, type RangeRun, RangesIgnored, VersionChanged } from "./_split_range.ts";
import type { DownloadRequest } from "./download.ts";
import { contentLength, readValidators, type Validators, validatorsOf } from "./validators.ts";

/** The most ranges (and connections) one split download uses, as aria2's `-x` allows. */
export const MAX_SPLIT = 16;

/** Below this a range is not worth its own connection (aria2's `-k` is 20 MiB). */
const MIN_RANGE_BYTES = 1 << 20;

/**
 * Ranges planned per connection. Fetched in file order, several smaller
 * ranges keep the written prefix growing at the speed of all connections
 * together, so the checksum follows it during the download instead of
 * reading most of the file after the last byte.
 */
const RANGES_PER_CONNECTION = 4;

/** A running range is split for an idle connection only if each half has this much left. */
const STEAL_MIN_BYTES = 256 * 1024;

/** Times a download starts over because the file changed, before it gives up. */
const MAX_RESTARTS = 3;

/** Where a split download goes, and how. */
export interface SplitTarget {
  /** Connections (and ranges) at most, 2 to {@linkcode MAX_SPLIT}. */
  connections: number;
  /** `-o FILE`; undefined with `-O` (named after the response). */
  path?: string;
  force: boolean;
  resume: boolean;
  fromHeader: boolean;
  hashNames: HashName[];
  createHash?: HashFactory;
  /** The smallest range worth a connection (default 1 MiB). */
  minRangeBytes?: number;
}

/** Options for {@linkcode splitDownload}: those of a download, and the split's target. */
export interface SplitDownloadOptions extends DownloadOptions {
  split: SplitTarget;
}

/**
 * Downloads `request.url` in ranges over up to `split.connections`
 * connections, or in one stream when the server cannot serve ranges.
 * `options.sinks.current` is the sink in use, for the caller to close or
 * discard after a failure.
 *
 * @param request what to fetch (a GET)
 * @param options the adapter, output, clocks and the split's target
 * @returns what arrived; its sink is committed by the caller after the checksums
 * @throws {DownloadError} with the exit code of the failure
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitDownload } from "./split.ts";
 * import type { DownloadRequest } from "./download.ts";
 * import { mkdtempSync, readFileSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const body = "0123456789";
 * const net = { fetch: (_: URL, init: RequestInit) => {
 *   const range = new Headers(init.headers).get("range");
 *   const headers = { "accept-ranges": "bytes", etag: '"v1"' };
 *   if (!range) return Promise.resolve(new Response(body, { headers: { ...headers, "content-length": "10" } }));
 *   const [from, to] = range.slice(6).split("-").map(Number);
 *   return Promise.resolve(new Response(body.slice(from, to + 1), {
 *     status: 206, headers: { ...headers, "content-range": `bytes ${from}-${to}/10` },
 *   }));
 * } } as unknown as NetAdapter;
 * const request: DownloadRequest = {
 *   url: new URL("http://example.test/f"), method: "GET", headers: new Headers(), follow: true,
 *   maxRedirects: 10, allowDowngrade: false, insecure: false, decode: false, connectTimeoutMs: 1000,
 *   idleTimeoutMs: 1000, retries: 0, retryDelayMs: 1000, failWithBody: false,
 * };
 * const dir = mkdtempSync(join(tmpdir(), "netkit-doc-"));
 * try {
 *   const path = join(dir, "f");
 *   const result = await splitDownload(request, {
 *     net, sinks: { open: () => { throw new Error(); }, wouldResume: () => false }, note: () => {},
 *     sleep: () => Promise.resolve(), random: Math.random, now: () => performance.now(),
 *     split: { connections: 2, path, force: false, resume: false, fromHeader: false, hashNames: [], minRangeBytes: 1 },
 *   });
 *   result.sink!.commit();
 *   assert(readFileSync(path, "utf8") === body);
 * } finally {
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export async function splitDownload(
  request: DownloadRequest,
  options: SplitDownloadOptions,
): Promise<DownloadResult> {
  const deadlineAt = request.maxTimeMs === undefined
    ? undefined
    : options.now() + request.maxTimeMs;
  for (let restarts = 0;; restarts++) {
    const attempt = new Attempt({ deadlineAt, now: options.now(), maxTimeMs: request.maxTimeMs });
    let first: FirstResponse;
    try {
      const { response, url } = await fetchFollowing(
        { url: request.url, method: request.method, headers: request.headers },
        { ...request, net: options.net, attempt, verbose: options.verbose },
      );
      first = { response, url, attempt };
    } catch {
      // A connection error: one stream says it, and retries as --retry allows.
      attempt.disarm();
      return await oneStream(request, options);
    }
    const why = whyNotSplit(first.response, options.split);
    if (why !== undefined) {
      if (why) options.note(`--split: ${why}; downloading in one stream`);
      return await oneStream(request, options, { first });
    }
    try {
      return await splitOnce(first, { request, options, deadlineAt });
    } catch (error) {
      if (error instanceof RangesIgnored) {
        options.note(`--split: ${error.message}; downloading in one stream`);
        discard(options);
        return await oneStream(request, options);
      }
      if (!(error instanceof VersionChanged)) throw error;
      discard(options);
      if (restarts + 1 >= MAX_RESTARTS) {
        throw new DownloadError(EXIT.PARTIAL_BODY, `${error.message}, ${MAX_RESTARTS} times`);
      }
      options.note(`${error.message}; starting over`);
    } finally {
      attempt.disarm();
    }
  }
}

/**
 * Why `response` cannot be split: a reason to tell the user, `""` for one
 * not worth telling (an error status, a small file), undefined when it can.
 */
function whyNotSplit(response: Response, target: SplitTarget): string | undefined {
  const length = contentLength(response);
  const minRange = target.minRangeBytes ?? MIN_RANGE_BYTES;
  if (response.status !== 200) return "";
  if (!/\bbytes\b/i.test(response.headers.get("accept-ranges") ?? "")) {
    return "the server does not offer byte ranges (no Accept-Ranges: bytes)";
  }
  if (response.headers.has("content-encoding")) return "the body has a content coding";
  if (length === undefined) return "the server did not say the length";
  const etag = response.headers.get("etag");
  if (!response.headers.has("last-modified") && (!etag || etag.startsWith("W/"))) {
    return "no strong ETag or Last-Modified ties the ranges to one version of the file";
  }
  return length < 2 * minRange ? "" : undefined;
}

/** One split download of the version `first` describes. */
async function splitOnce(
  first: FirstResponse,
  run: { request: DownloadRequest; options: SplitDownloadOptions; deadlineAt?: number },
): Promise<DownloadResult> {
  const { request, options } = run;
  const target = options.split;
  const path = targetPath(first, target);
  const length = contentLength(first.response)!;
  const validators = validatorsOf(first.url, first.response);
  const { state, resumed } = startState(path, { length, validators, target, note: options.note });
  const part = SplitPart.open(path, {
    state,
    validators,
    resumed,
    hashNames: target.hashNames,
    createHash: target.createHash,
    now: options.now,
  });
  options.sinks.current = part;
  options.head?.(first.response);
  // The first response carries range 0 from byte 0; after a resume it is not needed.
  const fresh = state.ranges[0].done === 0;
  if (!fresh) await first.response.body?.cancel().catch(() => {});
  options.progress?.start(part.offset, length);
  const ranges: RangeRun = {
    request,
    url: first.url,
    part,
    net: options.net,
    deadlineAt: run.deadlineAt,
    retriesLeft: request.retries,
    attempts: new Set(),
    failed: false,
    progress: options.progress,
    note: options.note,
    verbose: options.verbose,
    sleep: options.sleep,
    random: options.random,
    now: options.now,
  };
  await fetchAll(ranges, {
    connections: target.connections,
    first: fresh ? first : undefined,
    minRangeBytes: STEAL_MIN_BYTES,
  });
  part.save();
  return {
    finalUrl: first.url,
    status: first.response.status,
    bytes: length,
    resumedFrom: part.resumedFrom,
    digests: part.digests(),
    sink: part,
  };
}

/**
 * Runs the unfinished ranges on at most `connections` connections; the
 * first failure stops all. A connection whose range is done takes half of
 * the largest range still running (as aria2 does), so a slow connection
 * does not hold up the end.
 */
async function fetchAll(
  run: RangeRun,
  how: { connections: number; first?: FirstResponse; minRangeBytes: number },
): Promise<void> {
  const state = run.part.state;
  const queue = state.ranges.filter((r) => r.done < r.end);
  const active = new Set<SplitRange>();
  let failure: { error: unknown } | undefined;
  let first = how.first;
  const next = () => queue.shift() ?? steal(state, { active, minRangeBytes: how.minRangeBytes });
  const worker = async () => {
    for (let range = next(); range && !failure; range = next()) {
      const carried = first;
      first = undefined;
      active.add(range);
      try {
        await fetchRange(range, run, { first: carried });
      } catch (error) {
        if (failure) return;
        failure = { error };
        run.failed = true;
        for (const attempt of run.attempts) attempt.controller.abort(error);
      } finally {
        active.delete(range);
      }
      if (!failure) run.part.hashWritten();
    }
  };
  const count = Math.max(1, Math.min(how.connections, queue.length));
  await Promise.all(Array.from({ length: count }, worker));
  await first?.response.body?.cancel().catch(() => {});
  if (failure) throw failure.error;
}

/** Splits the running range with the most left in two and returns the second half, if worth it. */
function steal(
  state: SplitState,
  run: { active: Set<SplitRange>; minRangeBytes: number },
): SplitRange | undefined {
  let largest: SplitRange | undefined;
  for (const r of run.active) {
    if (!largest || r.end - r.done > largest.end - largest.done) largest = r;
  }
  if (!largest || largest.end - largest.done < 2 * run.minRangeBytes) return undefined;
  const middle = largest.done + Math.floor((largest.end - largest.done) / 2);
  const half: SplitRange = { start: middle, end: largest.end, done: middle };
  // The running request stops at the new end; the state stays in order.
  largest.end = middle;
  state.ranges.splice(state.ranges.indexOf(largest) + 1, 0, half);
  return half;
}

/** The file the download lands in: `-o`'s (a symlink's target), or named after the response. */
function targetPath(first: FirstResponse, target: SplitTarget): string {
  let path = target.path;
  if (path === undefined) {
    const disposition = first.response.headers.get("content-disposition");
    const named = target.fromHeader && disposition
      ? fileNameFromDisposition(disposition)
      : undefined;
    path = named ?? fileNameFromUrl(first.url);
  }
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) {
      throw new DownloadError(EXIT.WRITE_ERROR, `Cannot write ${path}: it is a folder`);
    }
    refuseToReplace(path, target);
    if (lstatSync(path).isSymbolicLink()) path = realpathSync(path);
  }
  return path;
}

/** The ranges to fetch: an earlier run's, when they are of this version, else new ones. */
function startState(
  path: string,
  run: { length: number; validators: Validators; target: SplitTarget; note(line: string): void },
): { state: SplitState; resumed: boolean } {
  const { length, target } = run;
  const plan = (prefix = 0) =>
    SplitState.plan(length, target.connections * RANGES_PER_CONNECTION, {
      prefix,
      minRangeBytes: target.minRangeBytes ?? MIN_RANGE_BYTES,
    });
  const partPath = `${path}.part`;
  if (!target.resume || !existsSync(partPath)) return { state: plan(), resumed: false };
  const saved = readValidators(`${partPath}.json`);
  const same = saved.length === length &&
    (saved.etag !== undefined || saved.lastModified !== undefined) &&
    saved.etag === run.validators.etag && saved.lastModified === run.validators.lastModified;
  const ranges = SplitState.read(rangesPath(path));
  if (same && ranges?.length === length) return { state: ranges, resumed: true };
  // A one-stream .part of this version: its bytes are the first range.
  if (same && !ranges) return { state: plan(statSync(partPath).size), resumed: true };
  run.note(`${partPath} is of another version of the file; starting over`);
  return { state: plan(), resumed: false };
}

/** Throws away the split `.part` and its sidecars before starting over or falling back. */
function discard(options: SplitDownloadOptions): void {
  options.sinks.current?.discard();
  options.sinks.current = undefined;
}

/** The one-stream download, into the sinks a plain `get` uses. */
async function oneStream(
  request: DownloadRequest,
  options: SplitDownloadOptions,
  given: { first?: FirstResponse } = {},
): Promise<DownloadResult> {
  let first = given.first;
  const sinks = fileSinks(options.split.path, options.split);
  // With a partial file to continue, the first response (no Range) is of no use.
  if (first && sinks.current) {
    await first.response.body?.cancel().catch(() => {});
    first.attempt.disarm();
    first = undefined;
  }
  try {
    return await download(request, { ...options, sinks, first });
  } finally {
    options.sinks.current = sinks.current;
  }
}
