/**
 * `netkit get`: download a URL over HTTP(S), never leaving a corrupt file.
 * {@linkcode parseGetArgs} turns the command line into a plan (pure);
 * {@linkcode runGet} carries it out with only its CommandContext.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { parseCommandArgs, parseHeader, parseNumber, UsageError } from "../cli/args.ts";
import type { Command, CommandContext } from "../cli/context.ts";
import { stopAtFirstFailure } from "../cli/stop_at_first_failure.ts";
import { parseCredentials } from "../cli/credentials.ts";
import { EXIT } from "../cli/exit_codes.ts";
import { VERSION } from "../build_info.ts";
import { formatBytes } from "../fmt/bytes.ts";
import {
  download,
  type DownloadOptions,
  type DownloadRequest,
  type DownloadResult,
} from "../get/download.ts";
import { readCaCerts } from "../get/ca_certs.ts";
import { downloadUrl } from "../get/download_url.ts";
import { failure } from "../get/failure.ts";
import { type GetManyPlan, runMany } from "../get/many.ts";
import type { GetMirrorPlan } from "../get/mirror.ts";
import { releaseSink } from "../get/release_sink.ts";
import { runNet } from "../get/run_net.ts";
import { formatHead } from "../get/head_lines.ts";
import { Progress } from "../get/progress.ts";
import { type BodySource, bodySource, readBody } from "../get/request_body.ts";
import { fileNameFromUrl } from "../get/file_name.ts";
import { IfChanged } from "../get/if_changed.ts";
import type { HashFactory, HashName } from "../get/sink.ts";
import { MAX_SPLIT, splitDownload } from "../get/split.ts";
import { fileSinks, type SinkProvider, stdoutSinks } from "../get/sink_provider.ts";

/** Environment variable `-u USER` reads the password from. */
export const GET_PASSWORD_ENV = "NETKIT_GET_PASSWORD";

const USAGE = `Usage: netkit get URL [options]
       netkit get -O URL URL... | -i FILE [-P DIR] [options]

Download URL (http or https). The body goes to standard output, or with -o/-O
to a file that is written as FILE.part and renamed into place only when the
whole body arrived (and its checksum matched). A failed download never
touches FILE; the .part stays for -C or a retry to resume. A file gets the
server's bytes as sent; standard output gets gzip, deflate and br decoded,
unless you set Accept-Encoding yourself (-H).

Output:
  -o, --output FILE          write to FILE ("-" for standard output)
  -O, --remote-name          name the file after the final URL's last segment
      --remote-name-from-header
                             with -O: prefer the server's Content-Disposition
                             name (filename*, then filename; basename only)
      --force                replace an existing FILE (refused by default)
  -C, --continue             resume FILE.part (or FILE) with Range + If-Range;
                             a file the server says is complete exits 0
      --sha256 HEX           verify the body; on a mismatch nothing is saved
      --sha512 HEX           the same with SHA-512
      --split N              fetch the file in byte ranges over N connections
                             at once (2-16); -C resumes every range
  -N, --if-changed           download only if the server's file changed since
                             the last download (ETag, Last-Modified, else the
                             file's mtime); a 304 leaves FILE untouched
      --exit-unchanged CODE  with -N: exit CODE when FILE was unchanged
      --json                 print a JSON summary line for the file (also when
                             it fails: "ok": false, the exit code, the error)
      --fail-with-body       on an HTTP error, print the body on stderr
  -s, --silent               no progress, no notes (errors are still printed)
      --progress             show progress even when stderr is not a terminal
      --include              print the status line and headers before the body
  -I, --head                 send HEAD; print the status line and headers
  -v, --verbose              request and response headers on stderr

Many files (several URLs, -i, -P or --checksums):
  -i, --input-file FILE      one URL per line ("-": standard input); an
                             indented "out=NAME" or "dir=DIR" line below a
                             URL names its file, as aria2 reads it
  -P, --output-dir DIR       save the files in DIR (made if missing)
      --parallel N           downloads at once (default 4, at most 64)
      --keep-going           on a failure, fetch the rest (the default)
      --fail-fast            on a failure, cancel the rest (their .part stays
                             for -C)
      --checksums SOURCE     verify each file against its line of a
                             SHA256SUMS/SHA512SUMS file or URL (GNU or BSD
                             lines); a mismatch saves nothing (exit 110)
      --checksums-optional   save a file the list has no line for (else 110)
  With --json: one object per file as it finishes, then the totals. Exit
  status: 0 when every file was saved, else the code of the first failed
  URL in input order (files --fail-fast cancelled do not count).

Whole folders:
      --mirror URL DIR       copy the folder tree at URL into DIR: reads
                             netkit serve-http's JSON listings and the HTML
                             ones of nginx, Apache and python http.server;
                             stays under URL, skips dotfiles and files that
                             did not change since the last run, verifies a
                             served SHA256SUMS; uses --parallel, -s, --json
      --delete               with --mirror: remove files in DIR the server
                             no longer lists (never dotfiles, never outside DIR)

Request:
  -H, --header "N: V"        add a request header (repeatable)
  -A, --user-agent TEXT      User-Agent (default: netkit/${VERSION})
  -u, --user USER[:PW]       HTTP Basic credentials; with USER alone the
                             password comes from $${GET_PASSWORD_ENV}
  -X, --method METHOD        request method (default GET; POST with -d)
  -d, --data TEXT|@FILE      send TEXT (or FILE without line breaks) as a
                             form body
      --data-binary @FILE    send FILE as is
  -k, --insecure             do not verify the TLS certificate (warns)
      --cacert FILE          trust the CA certificates in FILE (PEM) too

Redirects and timeouts (seconds):
      --no-follow            do not follow redirects
      --max-redirects N      follow at most N redirects (default 10)
      --allow-downgrade      follow a redirect from HTTPS to HTTP
      --connect-timeout S    until the response head arrives (default 30)
      --idle-timeout S       longest pause in the body (default 60)
      --max-time S           the whole run, retries included (default none)
      --retry N              try again N times on connection errors, timeouts,
                             408, 429 and 5xx; waits 1, 2, 4 ... s with jitter,
                             or what Retry-After says; a file download resumes
      --retry-delay S        the first wait (default 1)

Proxies: HTTP_PROXY, HTTPS_PROXY and NO_PROXY are honoured (on Deno, not
for a request with your own Accept-Encoding).

Exit codes:
    0  success (also: -C on a file that was already complete)
    1  other failure          2  usage error, bad URL
    6  host did not resolve   7  connection refused or failed
   18  body incomplete        22  HTTP status 400 or above
   23  cannot write output    26  cannot read --data, -i or --checksums file
   28  timeout               35  TLS handshake failed
   47  too many redirects     56  connection failed before the response
   60  certificate not trusted
   61  a gzip, deflate or br body that does not decode
   77  --cacert FILE unreadable, or without a certificate
  110  checksum mismatch, or no --checksums line for the file (nothing saved)
  111  FILE exists (use --force or -C)
  112  HTTPS to HTTP redirect refused`;

const OPTIONS = {
  output: { type: "string", short: "o" },
  "remote-name": { type: "boolean", short: "O" },
  "remote-name-from-header": { type: "boolean" },
  force: { type: "boolean" },
  continue: { type: "boolean", short: "C" },
  sha256: { type: "string" },
  sha512: { type: "string" },
  split: { type: "string" },
  "if-changed": { type: "boolean", short: "N" },
  "exit-unchanged": { type: "string" },
  json: { type: "boolean" },
  silent: { type: "boolean", short: "s" },
  progress: { type: "boolean" },
  include: { type: "boolean" },
  head: { type: "boolean", short: "I" },
  verbose: { type: "boolean", short: "v" },
  header: { type: "string", short: "H", multiple: true },
  "user-agent": { type: "string", short: "A" },
  user: { type: "string", short: "u" },
  method: { type: "string", short: "X" },
  data: { type: "string", short: "d" },
  "data-binary": { type: "string" },
  insecure: { type: "boolean", short: "k" },
  "no-follow": { type: "boolean" },
  "max-redirects": { type: "string" },
  "allow-downgrade": { type: "boolean" },
  "connect-timeout": { type: "string" },
  "idle-timeout": { type: "string" },
  "max-time": { type: "string" },
  retry: { type: "string" },
  "retry-delay": { type: "string" },
  "fail-with-body": { type: "boolean" },
  "input-file": { type: "string", short: "i" },
  "output-dir": { type: "string", short: "P" },
  parallel: { type: "string" },
  "keep-going": { type: "boolean" },
  "fail-fast": { type: "boolean" },
  checksums: { type: "string" },
  "checksums-optional": { type: "boolean" },
  cacert: { type: "string" },
  mirror: { type: "boolean" },
  delete: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>["values"];

/** Where the body goes. */
export type GetOutput =
  | { to: "stdout" }
  /** `-o FILE` (`path`), or `-O` (`path` undefined: named after the response). */
  | { to: "file"; path?: string; force: boolean; resume: boolean; fromHeader: boolean };

/** A download `get` was asked for: everything the command line said, checked. */
export interface GetDownloadPlan {
  kind: "download";
  /** The request and its rules; its body is read from `body` when the command runs. */
  request: DownloadRequest;
  body?: BodySource;
  output: GetOutput;
  /** Checksums to verify, lower-case hex. */
  expect: Partial<Record<HashName, string>>;
  /** Checksums to compute (those to verify, and SHA-256 for `--json`). */
  hashNames: HashName[];
  json: boolean;
  /** `-s`: no progress, no notes. */
  quiet: boolean;
  /** `--progress`: a meter even when stderr is not a terminal. */
  forceProgress: boolean;
  /** `-i`/`-I`: the response head on standard output. */
  showHead: boolean;
  verbose: boolean;
  /** `--cacert FILE`: PEM certificates to trust for this run. */
  caCertFile?: string;
  /** `--split N`: ranges (and connections) at most; 1 is one stream. */
  split: number;
  /** `-N`: ask only for a newer version than the file holds. */
  ifChanged: boolean;
  /** `--exit-unchanged CODE`: the exit code when -N found the file unchanged. */
  exitUnchanged: number;
}

/** What `get` was asked to do: print its help, download one URL, many, or mirror a folder. */
export type GetPlan = { kind: "help" } | GetDownloadPlan | GetManyPlan | GetMirrorPlan;

/**
 * Reads `get`'s command line into a plan. Pure: every usage error is found
 * here, before any network or file access.
 *
 * @param args the arguments after `get`
 * @param env the environment (`-u USER` reads $NETKIT_GET_PASSWORD)
 * @returns the plan
 * @throws {UsageError} for a bad flag, value, URL or combination of flags
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseGetArgs } from "./get.ts";
 *
 * const plan = parseGetArgs(["http://example.com/a.txt", "-O", "-u", "ann"], { NETKIT_GET_PASSWORD: "pw" });
 * assert(plan.kind === "download" && plan.output.to === "file");
 * if (plan.kind === "download") assert(plan.request.headers.get("authorization") === `Basic ${btoa("ann:pw")}`);
 * ```
 */
export function parseGetArgs(
  args: string[],
  env: Readonly<Record<string, string | undefined>>,
): GetPlan {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  if (values.help) return { kind: "help" };
  // curl spells resume "-C -": accept the dash.
  const urls = values.continue ? positionals.filter((p) => p !== "-") : positionals;
  if (values.mirror) return _parseMirror(values, { urls, env });
  if (values.delete) throw new UsageError("--delete goes with --mirror");
  if (_isMany(values, urls)) return _parseMany(values, { urls, env });
  if (urls.length !== 1) throw new UsageError("give a URL");
  const url = downloadUrl(urls[0]);
  const output = parseOutput(values);
  const body = bodySource(values.data, values["data-binary"]);
  if (values.head && body) {
    throw new UsageError(
      `-I sends no body: drop ${values.data !== undefined ? "-d" : "--data-binary"}`,
    );
  }
  const expect: Partial<Record<HashName, string>> = {};
  if (values.sha256 !== undefined) expect.sha256 = parseHex(values.sha256, "--sha256", 64);
  if (values.sha512 !== undefined) expect.sha512 = parseHex(values.sha512, "--sha512", 128);
  const hashNames = Object.keys(expect) as HashName[];
  if (values.json && !hashNames.includes("sha256")) hashNames.push("sha256");
  const headers = requestHeaders(values, { env, form: values.data !== undefined });
  const method = values.head ? "HEAD" : values.method?.toUpperCase() ?? (body ? "POST" : "GET");
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`-X must be a method name (got '${method}')`);
  // Ask for the bytes themselves, as curl does without --compressed: a file keeps
  // what was sent, so Content-Length and checksums count it. (Asking for gzip
  // would also cost Deno its own fetch and so the proxy settings: src/net/deno/fetch.ts.)
  // A body compressed all the same is decoded on standard output, unless the
  // user chose an encoding and so asked for the server's bytes.
  const decode = output.to === "stdout" && !headers.has("accept-encoding");
  if (!headers.has("accept-encoding")) headers.set("accept-encoding", "identity");
  return {
    kind: "download",
    request: { url, method, headers, decode, ...requestRules(values) },
    body,
    output,
    expect,
    hashNames,
    json: Boolean(values.json),
    quiet: Boolean(values.silent),
    forceProgress: Boolean(values.progress),
    showHead: Boolean(values.include || values.head),
    verbose: Boolean(values.verbose),
    caCertFile: values.cacert,
    ...parseFreshness(values, { output, method, body }),
  };
}

/** Many URLs, an input file, an output folder or a checksum list make a many-file run. */
function _isMany(values: Values, urls: string[]): boolean {
  return urls.length > 1 || values["input-file"] !== undefined ||
    values["output-dir"] !== undefined || values.checksums !== undefined;
}

const NOT_WITH_MANY = [
  ["sha256", "--sha256 (use --checksums)"],
  ["sha512", "--sha512 (use --checksums)"],
  ["include", "--include"],
  ["head", "-I"],
  ["data", "-d"],
  ["data-binary", "--data-binary"],
  ["remote-name-from-header", "--remote-name-from-header"],
  ["split", "--split"],
  ["if-changed", "-N"],
  ["exit-unchanged", "--exit-unchanged"],
] as const;

/** The plan of a many-file run (`-O URL URL …`, `-i FILE`, `-P DIR`, `--checksums`). */
function _parseMany(
  values: Values,
  options: { urls: string[]; env: Readonly<Record<string, string | undefined>> },
): GetManyPlan {
  const { urls, env } = options;
  for (const [name, flag] of NOT_WITH_MANY) {
    if (values[name] !== undefined) throw new UsageError(`${flag} goes with one URL`);
  }
  if (values.output !== undefined && (urls.length !== 1 || values["input-file"] !== undefined)) {
    throw new UsageError("-o names one file: with many URLs use -O, -P DIR or out= in -i FILE");
  }
  if (
    values.output === undefined && !values["remote-name"] && values["output-dir"] === undefined &&
    values["input-file"] === undefined
  ) {
    throw new UsageError("several URLs need -O (or -P DIR) to name their files");
  }
  if (values["fail-fast"] && values["keep-going"]) {
    throw new UsageError("--fail-fast and --keep-going go separately: pick one");
  }
  if (values["checksums-optional"] && values.checksums === undefined) {
    throw new UsageError("--checksums-optional goes with --checksums SOURCE");
  }
  if (values.output === "" || values.output === "-") throw new UsageError("-o needs a file name");
  return {
    ..._manyRules(values, env),
    items: urls.map((text) => ({ url: downloadUrl(text), out: values.output })),
    inputFile: values["input-file"],
    outputDir: values["output-dir"],
    resume: Boolean(values.continue),
    checksums: values.checksums,
    checksumsOptional: Boolean(values["checksums-optional"]),
  };
}

/** What a many-file run and a mirror share: the request and how files are fetched. */
function _manyRules(
  values: Values,
  env: Readonly<Record<string, string | undefined>>,
): Omit<GetManyPlan, "items" | "outputDir"> {
  const headers = requestHeaders(values, { env, form: false });
  if (!headers.has("accept-encoding")) headers.set("accept-encoding", "identity");
  const method = values.method?.toUpperCase() ?? "GET";
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`-X must be a method name (got '${method}')`);
  return {
    kind: "many",
    request: { method, headers, decode: false, ...requestRules(values) },
    parallel: values.parallel === undefined
      ? 4
      : parseNumber(values.parallel, "--parallel", { min: 1, max: 64, integer: true }),
    failFast: Boolean(values["fail-fast"]),
    force: Boolean(values.force),
    resume: false,
    fromHeader: false,
    checksumsOptional: false,
    json: Boolean(values.json),
    quiet: Boolean(values.silent),
    forceProgress: Boolean(values.progress),
    verbose: Boolean(values.verbose),
    caCertFile: values.cacert,
  };
}

const NOT_WITH_MIRROR = [
  ["output", "-o"],
  ["remote-name", "-O"],
  ["input-file", "-i"],
  ["output-dir", "-P (give DIR after the URL)"],
  ["continue", "-C (a mirror resumes what an interrupted run left)"],
  ["checksums", "--checksums (a mirror verifies against a served SHA256SUMS)"],
  ["checksums-optional", "--checksums-optional"],
  ["method", "-X"],
] as const;

/** `--mirror URL DIR [--delete]`. */
function _parseMirror(
  values: Values,
  options: { urls: string[]; env: Readonly<Record<string, string | undefined>> },
): GetMirrorPlan {
  for (const [name, flag] of [...NOT_WITH_MANY, ...NOT_WITH_MIRROR]) {
    if (values[name] !== undefined) throw new UsageError(`${flag} does not go with --mirror`);
  }
  if (options.urls.length !== 2) throw new UsageError("--mirror takes a folder URL and a DIR");
  const [url, dir] = options.urls;
  if (dir === "") throw new UsageError("--mirror needs a DIR");
  if (values["fail-fast"] && values["keep-going"]) {
    throw new UsageError("--fail-fast and --keep-going go separately: pick one");
  }
  return {
    kind: "mirror",
    url: downloadUrl(url),
    dir,
    // A changed file replaces the old one (atomically); checksums are optional
    // because not every folder serves a SHA256SUMS.
    many: { ..._manyRules(values, options.env), force: true, checksumsOptional: true },
    delete: Boolean(values.delete),
  };
}

/** `--split`, `-N` and `--exit-unchanged`, and the flags they cannot go with. */
function parseFreshness(
  values: Values,
  plan: { output: GetOutput; method: string; body?: BodySource },
): { split: number; ifChanged: boolean; exitUnchanged: number } {
  const toFile = plan.output.to === "file";
  const split = values.split === undefined
    ? 1
    : parseNumber(values.split, "--split", { min: 1, max: MAX_SPLIT, integer: true });
  if (split > 1 && !toFile) throw new UsageError("--split needs a file: -o FILE or -O");
  if (split > 1 && (plan.method !== "GET" || plan.body)) {
    throw new UsageError("--split fetches with GET: drop -X, -d, --data-binary and -I");
  }
  const ifChanged = Boolean(values["if-changed"]);
  if (ifChanged && !toFile) throw new UsageError("-N needs a file: -o FILE or -O");
  if (ifChanged && values.continue) {
    throw new UsageError(
      "-N replaces a changed file whole, -C continues a partial one: choose one",
    );
  }
  if (ifChanged && values["remote-name-from-header"]) {
    throw new UsageError("-N needs the file's name before asking: drop --remote-name-from-header");
  }
  const exitText = values["exit-unchanged"];
  if (exitText !== undefined && !ifChanged) throw new UsageError("--exit-unchanged goes with -N");
  const exitUnchanged = exitText === undefined
    ? EXIT.OK
    : parseNumber(exitText, "--exit-unchanged", { min: 0, max: 255, integer: true });
  return { split, ifChanged, exitUnchanged };
}

function parseOutput(values: Values): GetOutput {
  if (values.output !== undefined && values["remote-name"]) {
    throw new UsageError("-o and -O go separately: name the file, or let the URL name it");
  }
  if (values.output === "") throw new UsageError("-o needs a file name");
  if (values["remote-name-from-header"] && !values["remote-name"]) {
    throw new UsageError("--remote-name-from-header goes with -O");
  }
  const toStdout = values.output === undefined ? !values["remote-name"] : values.output === "-";
  if (toStdout) {
    if (values.json) throw new UsageError("--json needs a file: -o FILE or -O");
    if (values.continue) throw new UsageError("-C needs a file: -o FILE or -O");
    if (values.force) throw new UsageError("--force goes with a file: -o FILE or -O");
    return { to: "stdout" };
  }
  return {
    to: "file",
    path: values.output,
    // -N replaces the file when the server has a newer one.
    force: Boolean(values.force || values["if-changed"]),
    resume: Boolean(values.continue),
    fromHeader: Boolean(values["remote-name-from-header"]),
  };
}

function requestHeaders(
  values: Values,
  options: { env: Readonly<Record<string, string | undefined>>; form: boolean },
): Headers {
  const headers = new Headers();
  headers.set("user-agent", values["user-agent"] ?? `netkit/${VERSION}`);
  if (values.user !== undefined) {
    const { user, password } = parseCredentials(values.user, {
      flag: "-u",
      envName: GET_PASSWORD_ENV,
      env: options.env,
    });
    const bytes = new TextEncoder().encode(`${user}:${password}`);
    headers.set("authorization", `Basic ${btoa(String.fromCharCode(...bytes))}`);
  }
  if (options.form) headers.set("content-type", "application/x-www-form-urlencoded");
  for (const text of values.header ?? []) {
    const [name, value] = parseHeader(text);
    headers.set(name, value);
  }
  return headers;
}

function requestRules(values: Values) {
  const seconds = (flag: string, text: string | undefined) =>
    text === undefined
      ? undefined
      : parseNumber(text, flag, { min: 0, max: 86_400 * 7, exclusiveMin: true }) * 1000;
  const count = (flag: string, text: string | undefined, max: number) =>
    text === undefined ? undefined : parseNumber(text, flag, { min: 0, max, integer: true });
  const retryDelay = values["retry-delay"];
  return {
    follow: !values["no-follow"],
    maxRedirects: count("--max-redirects", values["max-redirects"], 1000) ?? 10,
    allowDowngrade: Boolean(values["allow-downgrade"]),
    insecure: Boolean(values.insecure),
    connectTimeoutMs: seconds("--connect-timeout", values["connect-timeout"]) ?? 30_000,
    idleTimeoutMs: seconds("--idle-timeout", values["idle-timeout"]) ?? 60_000,
    maxTimeMs: seconds("--max-time", values["max-time"]),
    retries: count("--retry", values.retry, 100) ?? 0,
    retryDelayMs: retryDelay === undefined
      ? 1000
      : parseNumber(retryDelay, "--retry-delay", { min: 0, max: 600 }) * 1000,
    failWithBody: Boolean(values["fail-with-body"]),
  };
}

function parseHex(text: string, flag: string, length: number): string {
  const hex = text.trim().toLowerCase();
  if (!new RegExp(`^[0-9a-f]{${length}}$`).test(hex)) {
    throw new UsageError(`${flag} needs ${length} hex digits (got '${text}')`);
  }
  return hex;
}

/**
 * Carries out a plan from {@linkcode parseGetArgs}: the body on
 * `context.writeOut` or in a file, notes and the meter on stderr.
 *
 * @param plan what to do
 * @param context the command's only I/O
 * @returns the exit code
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseGetArgs, runGet } from "./get.ts";
 * import { memoryContext } from "../cli/context.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const net = { insecureTls: true, insecureTlsHint: "", fetch: () => Promise.resolve(new Response("hi")) } as unknown as NetAdapter;
 * const { context, output } = memoryContext(net);
 * const code = await runGet(parseGetArgs(["http://example.test/"], {}), context);
 * assert(code === 0 && new TextDecoder().decode(output.bytes()) === "hi");
 * ```
 */
export async function runGet(plan: GetPlan, given: CommandContext): Promise<number> {
  if (plan.kind === "help") {
    given.out(USAGE);
    return EXIT.OK;
  }
  let context = given;
  const caCertFile = plan.kind === "mirror" ? plan.many.caCertFile : plan.caCertFile;
  if (caCertFile !== undefined) {
    try {
      context = { ...given, net: runNet(given.net, { caCerts: readCaCerts(caCertFile) }) };
    } catch (error) {
      return failed(error, given, plan.kind === "download" ? plan : undefined);
    }
  }
  if (plan.kind === "many") return await runMany(plan, context);
  if (plan.kind === "mirror") {
    // Loaded for --mirror only: loading its HTML parser cost `bun main.ts get` ~35 ms.
    const { runMirror } = await import("../get/mirror.ts");
    return await runMirror(plan, context);
  }
  const note = (line: string) => {
    if (!plan.quiet) context.err(`netkit get: ${line}`);
  };
  if (plan.request.insecure) {
    note(
      context.net.insecureTls
        ? "warning: TLS certificates are not verified (-k)"
        : `warning: -k has no effect here (${context.net.insecureTlsHint})`,
    );
  }
  let sinks: SinkProvider;
  let body: Uint8Array<ArrayBuffer> | undefined;
  let hashing: { hashNames: HashName[]; createHash?: HashFactory };
  try {
    body = plan.body && readBody(plan.body);
    hashing = await hashingFor(plan);
    sinks = plan.split > 1 ? { open: noSink, wouldResume: () => false } : openSinks(plan, {
      context,
      hashing,
    });
  } catch (error) {
    return failed(error, context, plan);
  }
  const request = { ...plan.request, body, headers: conditionalHeaders(plan) };
  const progress = plan.output.to === "file" && !plan.quiet &&
      (plan.forceProgress || context.stderrIsTerminal)
    // A meter stderr no longer takes is dropped; the download goes on.
    ? new Progress(
      stopAtFirstFailure((text) => context.writeErr(text)),
      () => context.monotonicNow(),
    )
    : undefined;
  const started = context.monotonicNow();
  let result: DownloadResult;
  try {
    const options: DownloadOptions = {
      net: context.net,
      sinks,
      note,
      verbose: plan.verbose ? (line) => context.err(line) : undefined,
      head: plan.showHead
        ? (r) => context.writeOut(new TextEncoder().encode(formatHead(r)))
        : undefined,
      errorBody: (text) => context.writeErr(text.endsWith("\n") ? text : text + "\n"),
      progress,
      sleep: (ms) => context.sleep(ms),
      random: Math.random,
      now: () => context.monotonicNow(),
    };
    result = plan.split > 1 && plan.output.to === "file"
      ? await splitDownload(request, {
        ...options,
        split: { ...plan.output, ...hashing, connections: plan.split },
      })
      : await download(request, options);
  } catch (error) {
    progress?.finish();
    releaseSink(sinks.current);
    return failed(error, context, plan);
  }
  // The meter's last line ends before anything else is said.
  progress?.finish();
  return finish(result, {
    plan,
    context,
    note,
    seconds: (context.monotonicNow() - started) / 1000,
  });
}

/** The checksums to compute; node:crypto is loaded only when one is wanted. */
async function hashingFor(
  plan: GetDownloadPlan,
): Promise<{ hashNames: HashName[]; createHash?: HashFactory }> {
  // node:crypto alone costs Bun a few ms of start-up.
  const createHash = plan.hashNames.length > 0
    ? (await import("node:crypto")).createHash
    : undefined;
  return { hashNames: plan.hashNames, createHash };
}

/** A split download opens its own `.part`: the provider only holds it. */
function noSink(): never {
  throw new TypeError("Cannot open a sink here: --split opens its own");
}

/** The request headers, with -N's conditions for the file a previous run saved. */
function conditionalHeaders(plan: GetDownloadPlan): Headers {
  const headers = new Headers(plan.request.headers);
  if (!plan.ifChanged || plan.output.to !== "file") return headers;
  const path = plan.output.path ?? fileNameFromUrl(plan.request.url);
  for (const [name, value] of Object.entries(IfChanged.load(path, plan.request.url.href).headers)) {
    headers.set(name, value);
  }
  return headers;
}

/** Sinks for the plan's output. */
function openSinks(
  plan: GetDownloadPlan,
  run: {
    context: CommandContext;
    hashing: { hashNames: HashName[]; createHash?: HashFactory };
  },
): SinkProvider {
  const { context, hashing } = run;
  return plan.output.to === "stdout"
    ? stdoutSinks((chunk) => context.writeOut(chunk), hashing)
    : fileSinks(plan.output.path, { ...plan.output, ...hashing });
}

/** Verifies the checksums, then makes the result final (or discards it). */
function finish(
  result: DownloadResult,
  run: {
    plan: GetDownloadPlan;
    context: CommandContext;
    note(line: string): void;
    seconds: number;
  },
): number {
  const { plan, context } = run;
  if (result.unchanged) return unchanged(result, run);
  const sink = result.sink;
  for (const [name, wanted] of Object.entries(plan.expect) as [HashName, string][]) {
    const got = result.digests.get(name);
    if (got === wanted) continue;
    sink?.discard();
    // Nothing reached the path: an earlier file there is as it was, a new one never appeared.
    const where = sink?.path === undefined
      ? ""
      : existsSync(sink.path)
      ? `; ${sink.path} left untouched, nothing saved`
      : "; nothing saved";
    const message = `${name.toUpperCase()} mismatch: expected ${wanted}, got ${got}`;
    context.err(`netkit get: ${message}${where}`);
    if (plan.json) failureRow(plan, context, EXIT.CHECKSUM_MISMATCH, message);
    return EXIT.CHECKSUM_MISMATCH;
  }
  try {
    sink?.commit();
  } catch (error) {
    return failed(error, context, plan);
  }
  if (sink?.path === undefined) return EXIT.OK;
  if (plan.ifChanged) {
    try {
      IfChanged.record(sink.path, { ...sink.validators, url: plan.request.url.href });
    } catch (error) {
      run.note(`warning: cannot keep ${sink.path}'s validators for -N: ${error}`);
    }
  }
  run.note(`saved ${sink.path} (${formatBytes(result.bytes)})`);
  if (plan.json) {
    context.out(JSON.stringify({
      url: plan.request.url.href,
      ok: true,
      final_url: result.finalUrl.href,
      status: result.status,
      bytes: result.bytes,
      path: sink.path,
      sha256: result.digests.get("sha256"),
      seconds: Number(run.seconds.toFixed(3)),
      resumed_from: result.resumedFrom,
      ...(plan.ifChanged ? { unchanged: false } : {}),
    }));
  }
  return EXIT.OK;
}

/** A 304 to -N: the file stays as it is (contents and mtime); exit --exit-unchanged's code. */
function unchanged(
  result: DownloadResult,
  run: { plan: GetDownloadPlan; context: CommandContext; note(line: string): void },
): number {
  const { plan } = run;
  const path = plan.output.to === "file"
    ? plan.output.path ?? fileNameFromUrl(plan.request.url)
    : "-";
  run.note(`${path} unchanged (the server answered ${result.status} Not Modified)`);
  if (plan.json) {
    run.context.out(JSON.stringify({
      url: plan.request.url.href,
      ok: true,
      final_url: result.finalUrl.href,
      status: result.status,
      bytes: 0,
      path,
      unchanged: true,
    }));
  }
  return plan.exitUnchanged;
}

/**
 * An expected failure as one line and its exit code (anything else is a
 * bug); with `--json`, also the download's row, as `-i` prints a failed file's.
 */
function failed(error: unknown, context: CommandContext, plan?: GetDownloadPlan): number {
  const { code, message } = failure(error, context.net);
  context.err(`netkit get: ${message}`);
  if (plan?.json) failureRow(plan, context, code, message);
  return code;
}

/** `--json`'s row for a download that failed: `"ok": false`, the exit code and the error. */
function failureRow(plan: GetDownloadPlan, context: CommandContext, code: number, error: string) {
  context.out(JSON.stringify({ url: plan.request.url.href, ok: false, exit: code, error }));
}

/** The `get` command. */
export const getCommand: Command = {
  usage: USAGE,
  run: (args, context) => runGet(parseGetArgs(args, context.env), context),
};
