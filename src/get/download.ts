/**
 * The download engine behind `netkit get`: follows redirects by its own
 * rules, bounds every wait, retries with backoff, resumes with `Range` and
 * `If-Range`, checks `Content-Range` before appending, and never writes an
 * error page into the output.
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";
import type { FetchExtras, NetAdapter } from "../net/types.ts";
import { bodyError, connectError, DownloadError, TimeoutReason } from "./errors.ts";
import type { HashName, Sink, Validators } from "./sink.ts";
import type { Progress } from "./progress.ts";

/** Statuses that redirect, and the Location they carry. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Options for {@linkcode download}. */
export interface DownloadOptions {
  url: URL;
  method: string;
  /** Request headers: the user's, User-Agent, Authorization. */
  headers: Headers;
  body?: Uint8Array<ArrayBuffer>;
  /** Follow redirects (default true), at most `maxRedirects`. */
  follow: boolean;
  maxRedirects: number;
  allowDowngrade: boolean;
  insecure: boolean;
  /** Decode gzip/br (stdout); files keep the server's bytes. */
  decompress: boolean;
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
  /** Checksums to verify, lower-case hex. */
  expect: Partial<Record<HashName, string>>;
}

/** Where the body goes, decided when the final response's head is known. */
export interface SinkProvider {
  /** The sink already chosen (after the first response), if any. */
  current?: Sink;
  /**
   * Chooses the sink for this response; the name may depend on the final
   * URL or on Content-Disposition.
   */
  open(finalUrl: URL, response: Response): Sink;
  /** Whether a sink for `response` would already hold bytes to resume from. */
  wouldResume(finalUrl: URL, response: Response): boolean;
}

/** What a download reports on stderr and in its summary. */
export interface DownloadHooks {
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
  now(): number;
}

/** The outcome of a finished download. */
export interface DownloadResult {
  finalUrl: URL;
  status: number;
  /** Bytes in the output (resumed ones included). */
  bytes: number;
  resumedFrom: number;
  digests: Map<HashName, string>;
  /** Where the body went (none for HEAD). */
  sink?: Sink;
}

/** One attempt's cancellation: a timeout names its reason. */
class Attempt {
  readonly controller = new AbortController();
  timeout?: TimeoutReason;
  #timer?: ReturnType<typeof setTimeout>;
  #deadline?: ReturnType<typeof setTimeout>;

  constructor(deadlineAt: number | undefined, now: number, maxTimeMs?: number) {
    if (deadlineAt !== undefined) {
      this.#deadline = setTimeout(
        () => this.#fire(`Operation timed out after ${(maxTimeMs ?? 0) / 1000} s (--max-time)`),
        Math.max(0, deadlineAt - now),
      );
    }
  }

  /** (Re)arms the phase timer: connect or idle. */
  arm(ms: number, message: string): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#fire(message), ms);
  }

  disarm(): void {
    clearTimeout(this.#timer);
    clearTimeout(this.#deadline);
  }

  #fire(message: string): void {
    if (this.timeout) return;
    this.timeout = new TimeoutReason(message);
    this.controller.abort(this.timeout);
  }
}

/**
 * Downloads `options.url` into the sink `sinks` provides, retrying and
 * resuming as configured.
 *
 * @param net the adapter (its fetch)
 * @param options what to fetch and how
 * @param sinks where the body goes
 * @param hooks output and clocks
 * @returns what arrived
 * @throws {DownloadError} with the exit code of the failure
 */
export async function download(
  net: NetAdapter,
  options: DownloadOptions,
  sinks: SinkProvider,
  hooks: DownloadHooks,
): Promise<DownloadResult> {
  const deadlineAt = options.maxTimeMs === undefined ? undefined : hooks.now() + options.maxTimeMs;
  let again = 0;
  for (let attempt = 0;; attempt++) {
    try {
      return await attemptOnce(net, options, sinks, hooks, deadlineAt);
    } catch (error) {
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
      if (!(error instanceof DownloadError) || !error.retryable || attempt >= options.retries) {
        throw error;
      }
      const backoff = options.retryDelayMs * 2 ** attempt;
      // Jitter (50–100 %) spreads retries of many clients that failed together.
      let wait = Math.min(backoff * (0.5 + hooks.random() / 2), 600_000);
      if (error.retryAfterSeconds !== undefined) wait = error.retryAfterSeconds * 1000;
      if (deadlineAt !== undefined && hooks.now() + wait >= deadlineAt) throw error;
      const from = sinks.current && sinks.current.offset > 0
        ? `, resuming at byte ${sinks.current.offset}`
        : "";
      hooks.note(
        `${error.message}; retry ${attempt + 1} of ${options.retries} in ` +
          `${(wait / 1000).toFixed(wait < 10_000 ? 1 : 0)} s${from}`,
      );
      await hooks.sleep(wait);
    }
  }
}

/**
 * Ask again at once, without counting a retry: the first response revealed a
 * partial file to resume, or a resume has to start over.
 */
class ResumeNow extends Error {}

async function attemptOnce(
  net: NetAdapter,
  options: DownloadOptions,
  sinks: SinkProvider,
  hooks: DownloadHooks,
  deadlineAt: number | undefined,
): Promise<DownloadResult> {
  const attempt = new Attempt(deadlineAt, hooks.now(), options.maxTimeMs);
  try {
    const sink = sinks.current;
    const offset = sink?.offset ?? 0;
    const headers = new Headers(options.headers);
    if (sink && offset > 0) {
      headers.set("range", `bytes=${offset}-`);
      const validator = ifRangeValidator(sink.validators);
      if (validator) headers.set("if-range", validator);
    }
    const { response, url } = await fetchFollowing(net, options, headers, attempt, hooks);
    const status = response.status;

    if (status >= 400) {
      const complete = status === 416 && sink && offset > 0 &&
        completeLength(response.headers.get("content-range")) === offset;
      if (complete) {
        await response.body?.cancel();
        hooks.note(`Already complete: the server has ${offset} bytes, all of them here`);
        return {
          finalUrl: url,
          status,
          bytes: offset,
          resumedFrom: sink.resumedFrom,
          digests: sink.digests(),
          sink,
        };
      }
      throw await httpError(response, options, hooks);
    }

    if (options.method === "HEAD") {
      hooks.head?.(response);
      return { finalUrl: url, status, bytes: 0, resumedFrom: 0, digests: new Map() };
    }
    if (!sink) {
      // The name may come from the final URL or Content-Disposition: only now is it known.
      if (sinks.wouldResume(url, response) && status === 200) {
        await response.body?.cancel();
        sinks.current = sinks.open(url, response);
        throw new ResumeNow();
      }
      sinks.current = sinks.open(url, response);
    }
    const out = sinks.current!;
    const validators = validatorsOf(url, response);

    if (out.offset > 0) {
      if (status === 206) {
        const range = parseContentRange(response.headers.get("content-range"));
        const known = out.validators.length;
        if (
          !range || range.start !== out.offset || (known && range.length && range.length !== known)
        ) {
          await response.body?.cancel();
          if (!out.canRestart) {
            throw new DownloadError(
              EXIT.PARTIAL_BODY,
              `Cannot resume: the server sent ${
                response.headers.get("content-range") ?? "no Content-Range"
              } for bytes ${out.offset}-`,
            );
          }
          hooks.note(`The server's range does not continue the partial file; starting over`);
          out.restart();
          throw new ResumeNow();
        }
        validators.length = range.length ?? known;
      } else if (out.canRestart) {
        if (status === 200) {
          hooks.note(`The server sent the whole file instead of a range; starting over`);
        }
        out.restart();
      } else {
        await response.body?.cancel();
        throw new DownloadError(
          EXIT.PARTIAL_BODY,
          `Cannot resume on standard output: the server answered ${status} to a range request`,
        );
      }
    }
    if (out.offset === 0 || status !== 206) out.saveValidators(validators);

    hooks.head?.(response);
    const decoded = response.headers.has("content-encoding") && options.decompress;
    const declared = decoded ? undefined : contentLength(response);
    const startOffset = out.offset;
    hooks.progress?.start(startOffset, declared === undefined ? undefined : startOffset + declared);

    const received = response.body
      ? await pump(response.body, out, attempt, options.idleTimeoutMs, hooks.progress)
      : 0;
    if (declared !== undefined && received !== declared) {
      throw new DownloadError(
        EXIT.PARTIAL_BODY,
        `Transfer closed with ${declared - received} bytes remaining of ${declared}`,
        { retryable: true },
      );
    }
    return {
      finalUrl: url,
      status,
      bytes: out.offset,
      resumedFrom: out.resumedFrom,
      digests: out.digests(),
      sink: out,
    };
  } catch (error) {
    if (error instanceof DownloadError || error instanceof ResumeNow) throw error;
    throw connectError(error, options.url, attempt.timeout);
  } finally {
    attempt.disarm();
  }
}

/** Copies the body to the sink, re-arming the idle timer per chunk. */
async function pump(
  body: ReadableStream<Uint8Array>,
  sink: Sink,
  attempt: Attempt,
  idleTimeoutMs: number,
  progress?: Progress,
): Promise<number> {
  const idleMessage = `No data for ${idleTimeoutMs / 1000} s (--idle-timeout)`;
  const reader = body.getReader();
  let received = 0;
  try {
    for (;;) {
      attempt.arm(idleTimeoutMs, idleMessage);
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw bodyError(error, received, attempt.timeout);
      }
      if (chunk.done) return received;
      sink.write(chunk.value);
      received += chunk.value.length;
      progress?.advance(chunk.value.length);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** Sends the request, following redirects by netkit's rules. */
async function fetchFollowing(
  net: NetAdapter,
  options: DownloadOptions,
  headers: Headers,
  attempt: Attempt,
  hooks: DownloadHooks,
): Promise<{ response: Response; url: URL }> {
  let url = options.url;
  let method = options.method;
  let body: Uint8Array<ArrayBuffer> | undefined = options.body;
  const extras: FetchExtras = { insecure: options.insecure };
  for (let hops = 0;; hops++) {
    attempt.arm(
      options.connectTimeoutMs,
      `No response from ${url.host} within ${
        options.connectTimeoutMs / 1000
      } s (--connect-timeout)`,
    );
    if (hooks.verbose) showRequest(hooks.verbose, method, url, headers);
    let response: Response;
    try {
      response = await net.fetch(url, {
        method,
        headers,
        body,
        redirect: "manual",
        signal: attempt.controller.signal,
      }, extras);
    } catch (error) {
      throw connectError(error, url, attempt.timeout);
    }
    if (hooks.verbose) showResponse(hooks.verbose, response);
    const location = response.headers.get("location");
    if (!options.follow || !REDIRECTS.has(response.status) || location === null) {
      return { response, url };
    }
    await response.body?.cancel().catch(() => {});
    if (hops >= options.maxRedirects) {
      throw new DownloadError(
        EXIT.TOO_MANY_REDIRECTS,
        `Too many redirects: stopped after ${options.maxRedirects} (--max-redirects)`,
      );
    }
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new DownloadError(
        EXIT.FAILURE,
        `Bad redirect location from ${url.host}: ${location}`,
      );
    }
    if (next.protocol !== "http:" && next.protocol !== "https:") {
      throw new DownloadError(
        EXIT.FAILURE,
        `Refusing redirect to ${next.protocol} URL: ${next.href}`,
      );
    }
    if (url.protocol === "https:" && next.protocol === "http:" && !options.allowDowngrade) {
      throw new DownloadError(
        EXIT.DOWNGRADE_REFUSED,
        `Refusing redirect from HTTPS to HTTP (${next.href}); --allow-downgrade permits it`,
      );
    }
    if (next.host !== url.host || next.protocol !== url.protocol) {
      // Credentials are for the host the user named, never for wherever it sends us.
      headers.delete("authorization");
      headers.delete("cookie");
    }
    if (response.status === 303 || (response.status <= 302 && method === "POST")) {
      method = method === "HEAD" ? "HEAD" : "GET";
      body = undefined;
      headers.delete("content-type");
    }
    url = next;
  }
}

/** An HTTP error status as a DownloadError, reading the body only for --fail-with-body. */
async function httpError(
  response: Response,
  options: DownloadOptions,
  hooks: DownloadHooks,
): Promise<DownloadError> {
  const status = response.status;
  if (options.failWithBody && hooks.errorBody) {
    try {
      hooks.errorBody(await response.text());
    } catch {
      // A body that breaks off adds nothing to the error itself.
    }
  } else {
    await response.body?.cancel().catch(() => {});
  }
  const retryable = status === 408 || status === 429 || status >= 500;
  const retryAfter = retryable ? parseRetryAfter(response.headers.get("retry-after")) : undefined;
  const reason = response.statusText || STATUS_TEXT[status] || "";
  return new DownloadError(EXIT.HTTP_ERROR, `HTTP ${status}${reason ? " " + reason : ""}`, {
    retryable,
    retryAfterSeconds: retryAfter,
  });
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  416: "Range Not Satisfiable",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * `Retry-After` as seconds: a delay or an HTTP date; capped at 10 minutes.
 *
 * @param value the header
 * @returns seconds to wait, or undefined when absent or unreadable
 */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  let seconds: number;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    seconds = Math.max(0, (at - now) / 1000);
  }
  return Math.min(seconds, 600);
}

/**
 * Parses `Content-Range: bytes START-END/LENGTH` (LENGTH may be `*`).
 *
 * @param value the header
 * @returns the range, or undefined when it is not a byte range
 */
export function parseContentRange(
  value: string | null,
): { start: number; end: number; length?: number } | undefined {
  const match = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value ?? "");
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  const length = match[3] === "*" ? undefined : Number(match[3]);
  if (end < start || (length !== undefined && end >= length)) return undefined;
  return { start, end, length };
}

/** `Content-Range: bytes *\/LENGTH` of a 416: the complete length. */
function completeLength(value: string | null): number | undefined {
  const match = /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(value ?? "");
  return match ? Number(match[1]) : undefined;
}

function contentLength(response: Response): number | undefined {
  const value = response.headers.get("content-length");
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

function validatorsOf(url: URL, response: Response): Validators {
  const v: Validators = { url: url.href };
  const etag = response.headers.get("etag");
  const lastModified = response.headers.get("last-modified");
  if (etag) v.etag = etag;
  if (lastModified) v.lastModified = lastModified;
  const length = response.status === 200 ? contentLength(response) : undefined;
  if (length !== undefined && !response.headers.has("content-encoding")) v.length = length;
  return v;
}

/** RFC 9110 13.1.5: If-Range takes a strong ETag or a Last-Modified date. */
function ifRangeValidator(v: Validators): string | undefined {
  if (v.etag && !v.etag.startsWith("W/")) return v.etag;
  return v.lastModified;
}

function showRequest(
  write: (line: string) => void,
  method: string,
  url: URL,
  headers: Headers,
): void {
  write(`> ${method} ${url.pathname}${url.search} HTTP/1.1`);
  write(`> Host: ${url.host}`);
  for (const [name, value] of headers) {
    write(`> ${name}: ${name === "authorization" ? value.split(" ")[0] + " [hidden]" : value}`);
  }
  write(">");
}

function showResponse(write: (line: string) => void, response: Response): void {
  write(`< HTTP/1.1 ${response.status} ${response.statusText}`);
  for (const [name, value] of response.headers) write(`< ${name}: ${value}`);
  write("<");
}
