/**
 * The download engine behind `netkit get`: the request, redirect and retry
 * loop. It follows redirects by its own rules, bounds every wait, retries
 * with backoff, resumes with `Range` and `If-Range`, checks `Content-Range`
 * before appending, and never writes an error page into the output.
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";
import type { NetAdapter } from "../net/types.ts";
import { Attempt } from "./attempt.ts";
import { type BodyOutput, decodingOutput, parseContentCodings } from "./content_decoding.ts";
import { unsatisfiedLength } from "./content_range.ts";
import { connectError, DownloadError } from "./errors.ts";
import { fetchFollowing } from "./fetch_following.ts";
import { httpError } from "./http_error.ts";
import type { Progress } from "./progress.ts";
import { pump } from "./pump.ts";
import { continueSink, ResumeNow } from "./resume.ts";
import type { HashName, Sink } from "./sink.ts";
import type { SinkProvider } from "./sink_provider.ts";
import { contentLength, ifRangeValidator, validatorsOf } from "./validators.ts";

/** What to fetch, and the rules for it. */
export interface DownloadRequest {
  url: URL;
  method: string;
  /** Request headers: the user's, User-Agent, Authorization, Accept-Encoding. */
  headers: Headers;
  body?: Uint8Array<ArrayBuffer>;
  /** Follow redirects, at most `maxRedirects`. */
  follow: boolean;
  maxRedirects: number;
  allowDowngrade: boolean;
  insecure: boolean;
  /**
   * Undo the response's content codings (standard output, when the user set
   * no Accept-Encoding); otherwise the output gets the server's bytes.
   */
  decode: boolean;
  /** Until the response head arrives (DNS, connect, TLS, server think time). */
  connectTimeoutMs: number;
  /** Longest silence while the body flows. */
  idleTimeoutMs: number;
  /** The whole run, retries included. */
  maxTimeMs?: number;
  /** Extra attempts after the first. */
  retries: number;
  /** The first retry's delay; doubles each time. */
  retryDelayMs: number;
  /** Print the response body of an HTTP error on stderr. */
  failWithBody: boolean;
}

/** Options for {@linkcode download}: the adapter, the sinks, output and clocks. */
export interface DownloadOptions {
  net: NetAdapter;
  sinks: SinkProvider;
  /** A line for stderr (warnings, retries). */
  note(line: string): void;
  /** `-v`: request and response heads. */
  verbose?(line: string): void;
  /** `-i`: the final response head, before the body. */
  head?(response: Response): void;
  progress?: Progress;
  /** The body of an HTTP error, for --fail-with-body. */
  errorBody?(text: string): void;
  sleep(ms: number): Promise<void>;
  random(): number;
  /** A monotonic clock in milliseconds (the --max-time deadline). */
  now(): number;
  /**
   * A response already fetched for this request (`--split`'s first one, when
   * it goes on as one stream): the first attempt reads it instead of asking.
   */
  first?: FirstResponse;
}

/** A response fetched before {@linkcode download} was called, with the attempt that bounds its body. */
export interface FirstResponse {
  response: Response;
  url: URL;
  attempt: Attempt;
}

/** The outcome of a finished download. */
export interface DownloadResult {
  finalUrl: URL;
  status: number;
  /** Bytes in the output (resumed ones included). */
  bytes: number;
  resumedFrom: number;
  digests: Map<HashName, string>;
  /** Where the body went (none for HEAD, or a 304). */
  sink?: Sink;
  /** A conditional request (`-N`, or the user's own If-None-Match/If-Modified-Since) got 304. */
  unchanged?: boolean;
}

/**
 * Downloads `request.url` into the sink `options.sinks` provides, retrying
 * and resuming as configured.
 *
 * @param request what to fetch and how
 * @param options the adapter, the sinks, output and clocks
 * @returns what arrived
 * @throws {DownloadError} with the exit code of the failure
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { download, type DownloadRequest } from "./download.ts";
 * import { stdoutSinks } from "./sink_provider.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const net = { fetch: () => Promise.resolve(new Response("hello")) } as unknown as NetAdapter;
 * const chunks: Uint8Array[] = [];
 * const request: DownloadRequest = {
 *   url: new URL("http://example.test/"), method: "GET", headers: new Headers(), follow: true,
 *   maxRedirects: 10, allowDowngrade: false, insecure: false, decode: false, connectTimeoutMs: 1000,
 *   idleTimeoutMs: 1000, retries: 0, retryDelayMs: 1000, failWithBody: false,
 * };
 * const result = await download(request, {
 *   net, sinks: stdoutSinks((c) => void chunks.push(c), { hashNames: [] }), note: () => {},
 *   sleep: () => Promise.resolve(), random: Math.random, now: () => performance.now(),
 * });
 * assert(result.bytes === 5 && result.status === 200);
 * ```
 */
export async function download(
  request: DownloadRequest,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const deadlineAt = request.maxTimeMs === undefined
    ? undefined
    : options.now() + request.maxTimeMs;
  let again = 0;
  let first = options.first;
  for (let attempt = 0;; attempt++) {
    try {
      return await attemptOnce(request, options, { deadlineAt, first });
    } catch (error) {
      first = undefined;
      if (error instanceof ResumeNow && again++ < 3) {
        attempt--; // not a retry: the same request, now with (or without) Range
        continue;
      }
      if (error instanceof ResumeNow) {
        throw new DownloadError(
          EXIT.PARTIAL_BODY,
          "Cannot resume: the server keeps changing its answer",
        );
      }
      if (!(error instanceof DownloadError) || !error.retryable || attempt >= request.retries) {
        throw error;
      }
      await waitToRetry(error, attempt, { request, options, deadlineAt });
    }
  }
}

/** Sleeps before retry `attempt + 1`, or rethrows when the deadline comes first. */
async function waitToRetry(
  error: DownloadError,
  attempt: number,
  run: { request: DownloadRequest; options: DownloadOptions; deadlineAt?: number },
): Promise<void> {
  const { request, options, deadlineAt } = run;
  const backoff = request.retryDelayMs * 2 ** attempt;
  // Jitter (50–100 %) spreads retries of many clients that failed together.
  let wait = Math.min(backoff * (0.5 + options.random() / 2), 600_000);
  if (error.retryAfterSeconds !== undefined) wait = error.retryAfterSeconds * 1000;
  if (deadlineAt !== undefined && options.now() + wait >= deadlineAt) throw error;
  const offset = options.sinks.current?.offset ?? 0;
  const from = offset > 0 ? `, resuming at byte ${offset}` : "";
  options.note(
    `${error.message}; retry ${attempt + 1} of ${request.retries} in ` +
      `${(wait / 1000).toFixed(wait < 10_000 ? 1 : 0)} s${from}`,
  );
  await options.sleep(wait);
}

async function attemptOnce(
  request: DownloadRequest,
  options: DownloadOptions,
  run: { deadlineAt?: number; first?: FirstResponse },
): Promise<DownloadResult> {
  const attempt = run.first?.attempt ??
    new Attempt({ deadlineAt: run.deadlineAt, now: options.now(), maxTimeMs: request.maxTimeMs });
  try {
    const sink = options.sinks.current;
    const headers = new Headers(request.headers);
    if (sink && sink.offset > 0) {
      headers.set("range", `bytes=${sink.offset}-`);
      const validator = ifRangeValidator(sink.validators);
      if (validator) headers.set("if-range", validator);
    }
    const { response, url } = run.first ?? await fetchFollowing(
      { url: request.url, method: request.method, headers, body: request.body },
      { ...request, net: options.net, attempt, verbose: options.verbose },
    );
    if (response.status === 304 && isConditional(headers)) {
      await response.body?.cancel();
      return { ...emptyResult(url, response), unchanged: true };
    }
    if (response.status >= 400) return await failedStatus(response, { request, options, url });
    if (request.method === "HEAD") {
      options.head?.(response);
      return emptyResult(url, response);
    }
    const out = await sinkFor(response, url, options);
    await continueSink(out, response, options);
    if (out.offset === 0 || response.status !== 206) {
      out.saveValidators(validatorsOf(url, response));
    }
    options.head?.(response);
    await receive(response, out, { request, options, attempt });
    return {
      finalUrl: url,
      status: response.status,
      bytes: out.offset,
      resumedFrom: out.resumedFrom,
      digests: out.digests(),
      sink: out,
    };
  } catch (error) {
    if (error instanceof DownloadError || error instanceof ResumeNow) throw error;
    throw connectError(error, { url: request.url, timeout: attempt.timeout });
  } finally {
    attempt.disarm();
  }
}

/** RFC 9110 §13.1.2, §13.1.3: the request asks for a 304 when nothing changed. */
function isConditional(headers: Headers): boolean {
  return headers.has("if-none-match") || headers.has("if-modified-since");
}

/** The result of a response without a body to keep (HEAD, 304). */
function emptyResult(url: URL, response: Response): DownloadResult {
  return { finalUrl: url, status: response.status, bytes: 0, resumedFrom: 0, digests: new Map() };
}

/** A status of 400 or more: a 416 on a complete file is success, anything else an error. */
async function failedStatus(
  response: Response,
  run: { request: DownloadRequest; options: DownloadOptions; url: URL },
): Promise<DownloadResult> {
  const sink = run.options.sinks.current;
  const offset = sink?.offset ?? 0;
  const complete = response.status === 416 && sink && offset > 0 &&
    unsatisfiedLength(response.headers.get("content-range")) === offset;
  if (!complete) {
    const errorBody = run.request.failWithBody ? run.options.errorBody : undefined;
    throw await httpError(response, { errorBody });
  }
  await response.body?.cancel();
  run.options.note(`Already complete: the server has ${offset} bytes, all of them here`);
  return {
    finalUrl: run.url,
    status: response.status,
    bytes: offset,
    resumedFrom: sink.resumedFrom,
    digests: sink.digests(),
    sink,
  };
}

/** The sink for this response; the name may come from the final URL or Content-Disposition. */
async function sinkFor(response: Response, url: URL, options: DownloadOptions): Promise<Sink> {
  const sinks = options.sinks;
  if (sinks.current) return sinks.current;
  const resume = sinks.wouldResume(url, response) && response.status === 200;
  sinks.current = sinks.open(url, response);
  if (resume) {
    await response.body?.cancel();
    throw new ResumeNow();
  }
  return sinks.current;
}

/** Reads the body into `out`, decoding where asked; Content-Length counts wire bytes. */
async function receive(
  response: Response,
  out: Sink,
  run: { request: DownloadRequest; options: DownloadOptions; attempt: Attempt },
): Promise<void> {
  const declared = contentLength(response);
  const start = out.offset;
  run.options.progress?.start(start, declared === undefined ? undefined : start + declared);
  if (!response.body) return;
  const output = outputFor(response, out, run.request.decode, run.options.note);
  try {
    const received = await pump(response.body, {
      output,
      attempt: run.attempt,
      idleTimeoutMs: run.request.idleTimeoutMs,
      progress: run.options.progress,
    });
    checkLength(received, declared);
  } catch (error) {
    throw output.decoded && out.offset > 0 ? notResumable(error) : error;
  }
  await output.end();
}

/** A body shorter or longer than its Content-Length is an error; both count wire bytes. */
function checkLength(received: number, declared: number | undefined): void {
  if (declared !== undefined && received < declared) {
    throw new DownloadError(
      EXIT.PARTIAL_BODY,
      `Transfer closed with ${declared - received} bytes remaining of ${declared}`,
      { retryable: true },
    );
  }
  if (declared !== undefined && received > declared) {
    throw new DownloadError(
      EXIT.RECEIVE_ERROR,
      `The server sent ${received} bytes, more than its Content-Length of ${declared}`,
    );
  }
}

/**
 * A retry resumes with `Range` over the server's bytes, but decoded output
 * counts decoded bytes: once some are out, a broken decoded body is final.
 */
function notResumable(error: unknown): unknown {
  if (!(error instanceof DownloadError) || !error.retryable) return error;
  return new DownloadError(
    error.exitCode,
    `${error.message} (a decoded body cannot be resumed: its bytes are already written)`,
    { cause: error },
  );
}

/** The sink itself, or a decoder in front of it. */
function outputFor(
  response: Response,
  out: Sink,
  decode: boolean,
  note: (line: string) => void,
): BodyOutput {
  const direct: BodyOutput = {
    decoded: false,
    write: (chunk) => out.write(chunk),
    end: () => Promise.resolve(),
  };
  const header = response.headers.get("content-encoding");
  if (!decode || header === null) return direct;
  const codings = parseContentCodings(header);
  if (codings === undefined) {
    note(`the body stays ${header}-encoded: netkit decodes only gzip, deflate and br`);
    return direct;
  }
  return codings.length === 0 ? direct : decodingOutput(codings, (chunk) => out.write(chunk));
}
