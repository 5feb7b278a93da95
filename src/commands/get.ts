/**
 * `netkit get`: download a URL over HTTP(S), never leaving a corrupt file.
 *
 * @module
 */
import { existsSync, openSync, readFileSync, realpathSync, statSync } from "node:fs";
import process from "node:process";
import { parseCommandArgs, parseHeader, parseNumber, UsageError } from "../cli/args.ts";
import type { Command, CommandContext } from "../cli/context.ts";
import { VERSION } from "../build_info.ts";
import { download, type DownloadOptions, type SinkProvider } from "../get/download.ts";
import { EXIT } from "../cli/exit_codes.ts";
import { DownloadError } from "../get/errors.ts";
import {
  FileSink,
  type FileSinkOptions,
  type HashName,
  refuseToReplace,
  type Sink,
  StreamSink,
  writeAll,
} from "../get/sink.ts";
import { fileNameFromDisposition, fileNameFromUrl } from "../get/file_name.ts";
import { formatBytes } from "../fmt/bytes.ts";
import { Progress } from "../get/progress.ts";

/** Environment variable `-u USER` reads the password from. */
export const GET_PASSWORD_ENV = "NETKIT_GET_PASSWORD";

const USAGE = `Usage: netkit get URL [options]

Download URL (http or https). The body goes to standard output, or with -o/-O
to a file that is written as FILE.part and renamed into place only when the
whole body arrived (and its checksum matched). A failed download never
touches FILE; the .part stays for -C or a retry to resume.

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
      --json                 after a file download, print a JSON summary line
      --fail-with-body       on an HTTP error, print the body on stderr
  -s, --silent               no progress, no notes (errors are still printed)
      --progress             show progress even when stderr is not a terminal
  -i, --include              print the status line and headers before the body
  -I, --head                 send HEAD; print the status line and headers
  -v, --verbose              request and response headers on stderr

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

Proxies: HTTP_PROXY, HTTPS_PROXY and NO_PROXY are honoured.

Exit codes:
    0  success (also: -C on a file that was already complete)
    1  other failure          2  usage error, bad URL
    6  host did not resolve   7  connection refused or failed
   18  body incomplete        22  HTTP status 400 or above
   23  cannot write output    26  cannot read --data file
   28  timeout               35  TLS handshake failed
   47  too many redirects     56  connection failed before the response
   60  certificate not trusted
  110  checksum mismatch (nothing saved)
  111  FILE exists (use --force or -C)
  112  HTTPS to HTTP redirect refused`;

function writeOut(fd: number, text: string): void {
  writeAll(fd, new TextEncoder().encode(text));
}

async function run(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    output: { type: "string", short: "o" },
    "remote-name": { type: "boolean", short: "O" },
    "remote-name-from-header": { type: "boolean" },
    force: { type: "boolean" },
    continue: { type: "boolean", short: "C" },
    sha256: { type: "string" },
    sha512: { type: "string" },
    json: { type: "boolean" },
    silent: { type: "boolean", short: "s" },
    progress: { type: "boolean" },
    include: { type: "boolean", short: "i" },
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
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    context.out(USAGE);
    return EXIT.OK;
  }
  // curl spells resume "-C -": accept the dash.
  const urls = values.continue ? positionals.filter((p) => p !== "-") : positionals;
  if (urls.length !== 1) throw new UsageError(urls.length === 0 ? "give a URL" : "give one URL");
  const url = parseUrl(urls[0]);

  const toStdout = values.output === undefined ? !values["remote-name"] : values.output === "-";
  if (values.output !== undefined && values["remote-name"]) {
    throw new UsageError("-o and -O go separately: name the file, or let the URL name it");
  }
  if (values.output === "") throw new UsageError("-o needs a file name");
  if (values["remote-name-from-header"] && !values["remote-name"]) {
    throw new UsageError("--remote-name-from-header goes with -O");
  }
  if (values.json && toStdout) throw new UsageError("--json needs a file: -o FILE or -O");
  if (values.continue && toStdout) throw new UsageError("-C needs a file: -o FILE or -O");
  if (values.head && (values.data !== undefined || values["data-binary"] !== undefined)) {
    throw new UsageError("-I sends no body: drop -d");
  }

  const expect: Partial<Record<HashName, string>> = {};
  if (values.sha256 !== undefined) expect.sha256 = parseHex(values.sha256, "--sha256", 64);
  if (values.sha512 !== undefined) expect.sha512 = parseHex(values.sha512, "--sha512", 128);
  const hashNames = Object.keys(expect) as HashName[];
  if (values.json && !hashNames.includes("sha256")) hashNames.push("sha256");

  const headers = new Headers();
  headers.set("user-agent", values["user-agent"] ?? `netkit/${VERSION}`);
  if (values.user !== undefined) headers.set("authorization", basicAuth(values.user));
  let body: Uint8Array<ArrayBuffer> | undefined;
  try {
    body = requestBody(values.data, values["data-binary"]);
  } catch (error) {
    context.err(`netkit get: ${(error as Error).message}`);
    return EXIT.READ_ERROR;
  }
  if (body && values.data !== undefined) {
    headers.set("content-type", "application/x-www-form-urlencoded");
  }
  for (const text of values.header ?? []) {
    const [name, value] = parseHeader(text);
    headers.set(name, value);
  }
  const method = values.head ? "HEAD" : values.method?.toUpperCase() ?? (body ? "POST" : "GET");
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`-X must be a method name (got '${method}')`);

  const seconds = (flag: string, text: string | undefined, fallback?: number) =>
    text === undefined
      ? fallback
      : parseNumber(text, flag, { min: 0, max: 86_400 * 7, exclusiveMin: true }) * 1000;
  const options: DownloadOptions = {
    url,
    method,
    headers,
    body,
    follow: !values["no-follow"],
    maxRedirects: values["max-redirects"] === undefined
      ? 10
      : parseNumber(values["max-redirects"], "--max-redirects", {
        min: 0,
        max: 1000,
        integer: true,
      }),
    allowDowngrade: Boolean(values["allow-downgrade"]),
    insecure: Boolean(values.insecure),
    // A file keeps the server's bytes, so Content-Length and checksums count
    // what was sent; stdout gets decoded text unless the user chose an encoding.
    decompress: toStdout && !headers.has("accept-encoding"),
    connectTimeoutMs: seconds("--connect-timeout", values["connect-timeout"], 30_000)!,
    idleTimeoutMs: seconds("--idle-timeout", values["idle-timeout"], 60_000)!,
    maxTimeMs: seconds("--max-time", values["max-time"]),
    retries: values.retry === undefined
      ? 0
      : parseNumber(values.retry, "--retry", { min: 0, max: 100, integer: true }),
    retryDelayMs: values["retry-delay"] === undefined
      ? 1000
      : parseNumber(values["retry-delay"], "--retry-delay", { min: 0, max: 600 }) * 1000,
    failWithBody: Boolean(values["fail-with-body"]),
    expect,
  };

  const quiet = Boolean(values.silent);
  const note = (line: string) => {
    if (!quiet) context.err(`netkit get: ${line}`);
  };
  if (options.insecure) {
    note(
      context.net.insecureTls
        ? "warning: TLS certificates are not verified (-k)"
        : "warning: -k works under Deno only when it runs with --unsafely-ignore-certificate-errors",
    );
  }

  // Loaded only when used: node:crypto alone costs Bun a few ms of start-up.
  const createHash = hashNames.length > 0 ? (await import("node:crypto")).createHash : undefined;
  let sinks: SinkProvider;
  try {
    sinks = toStdout
      ? {
        current: new StreamSink(1, "to standard output", hashNames, createHash),
        open: () => sinks.current!,
        wouldResume: () => false,
      }
      : fileSinks(values.output, {
        force: Boolean(values.force),
        resume: Boolean(values.continue),
        fromHeader: Boolean(values["remote-name-from-header"]),
        hashNames,
        createHash,
      });
  } catch (error) {
    if (error instanceof DownloadError) {
      context.err(`netkit get: ${error.message}`);
      return error.exitCode;
    }
    throw error;
  }

  const showProgress = !toStdout && !quiet &&
    (values.progress || (await import("node:tty")).isatty(2));
  const progress = showProgress ? new Progress((text) => writeOut(2, text)) : undefined;
  const started = performance.now();
  try {
    const result = await download(context.net, options, sinks, {
      note,
      verbose: values.verbose ? (line) => context.err(line) : undefined,
      head: values.include || values.head
        ? (response) => writeOut(1, formatHead(response))
        : undefined,
      errorBody: (text) => writeOut(2, text.endsWith("\n") ? text : text + "\n"),
      progress,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
      now: () => performance.now(),
    });
    // Reached only when the body arrived in full.
    const sink = result.sink;
    for (const [name, wanted] of Object.entries(expect) as [HashName, string][]) {
      const got = result.digests.get(name);
      if (got !== wanted) {
        sink?.discard();
        const where = sink instanceof FileSink
          ? `; ${sink.path} left untouched, nothing saved`
          : "";
        context.err(
          `netkit get: ${name.toUpperCase()} mismatch: expected ${wanted}, got ${got}${where}`,
        );
        return EXIT.CHECKSUM_MISMATCH;
      }
    }
    sink?.commit();
    if (sink instanceof FileSink) {
      note(`saved ${sink.path} (${formatBytes(result.bytes)})`);
      if (values.json) {
        context.out(JSON.stringify({
          url: url.href,
          final_url: result.finalUrl.href,
          status: result.status,
          bytes: result.bytes,
          path: sink.path,
          sha256: result.digests.get("sha256"),
          seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
          resumed_from: result.resumedFrom,
        }));
      }
    }
    return EXIT.OK;
  } catch (error) {
    const sink = sinks.current;
    if (sink instanceof FileSink && sink.offset === 0 && sink.resumedFrom === 0) sink.discard();
    else sink?.close();
    if (error instanceof DownloadError) {
      const hint = error.exitCode === EXIT.CERTIFICATE && !context.net.insecureTls
        ? " (under Deno, -k needs --unsafely-ignore-certificate-errors)"
        : error.exitCode === EXIT.CERTIFICATE
        ? " (-k skips the check)"
        : "";
      context.err(`netkit get: ${error.message}${hint}`);
      return error.exitCode;
    }
    throw error;
  } finally {
    progress?.finish();
  }
}

/** Sinks for -o FILE or -O (named once the final response is known). */
function fileSinks(
  path: string | undefined,
  options: FileSinkOptions & { fromHeader: boolean },
): SinkProvider {
  const open = (name: string): Sink => FileSink.open(name, options);
  const hasPartial = (name: string) => existsSync(`${name}.part`) || existsSync(name);
  if (path !== undefined) {
    const existing = existsSync(path) ? statSync(path) : undefined;
    if (existing && !existing.isFile() && !existing.isDirectory()) {
      // /dev/null, a FIFO, a device: written in place, never replaced by a rename.
      let fd: number;
      try {
        fd = openSync(path, "w");
      } catch (error) {
        const code = (error as { code?: string }).code ?? String(error);
        throw new DownloadError(EXIT.WRITE_ERROR, `Cannot write ${path}: ${code}`);
      }
      const sink = new StreamSink(fd, path, options.hashNames, options.createHash);
      return { current: sink, open: () => sink, wouldResume: () => false };
    }
    if (existing) refuseToReplace(path, options);
    // A symlink stays a symlink: its target is what gets replaced.
    if (existing) path = realpathSync(path);
    // Open now only to resume (the request then carries Range at once); a
    // fresh download creates its .part when the response is a success.
    const target = path;
    return {
      current: options.resume && hasPartial(target) ? open(target) : undefined,
      open: () => open(target),
      wouldResume: () => false,
    };
  }
  const nameFor = (finalUrl: URL, response: Response): string => {
    const disposition = response.headers.get("content-disposition");
    const fromHeader = options.fromHeader && disposition
      ? fileNameFromDisposition(disposition)
      : undefined;
    return fromHeader ?? fileNameFromUrl(finalUrl);
  };
  return {
    open: (finalUrl, response) => open(nameFor(finalUrl, response)),
    wouldResume: (finalUrl, response) => options.resume && hasPartial(nameFor(finalUrl, response)),
  };
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw new UsageError(`not a URL: '${text}'`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`unsupported scheme '${url.protocol.slice(0, -1)}': use http or https`);
  }
  if (url.hostname === "") throw new UsageError(`not a URL: '${text}' (no host)`);
  return url;
}

function parseHex(text: string, flag: string, length: number): string {
  const hex = text.trim().toLowerCase();
  if (!new RegExp(`^[0-9a-f]{${length}}$`).test(hex)) {
    throw new UsageError(`${flag} needs ${length} hex digits (got '${text}')`);
  }
  return hex;
}

function basicAuth(text: string): string {
  const colon = text.indexOf(":");
  const user = colon < 0 ? text : text.slice(0, colon);
  const password = colon < 0 ? process.env[GET_PASSWORD_ENV] : text.slice(colon + 1);
  if (user === "") throw new UsageError("-u needs a user name");
  if (password === undefined) {
    throw new UsageError(
      `-u ${user} needs a password: -u ${user}:PASSWORD or $${GET_PASSWORD_ENV}`,
    );
  }
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/** -d TEXT, -d @FILE (line breaks dropped, as curl does) or --data-binary @FILE. */
function requestBody(
  data: string | undefined,
  binary: string | undefined,
): Uint8Array<ArrayBuffer> | undefined {
  if (data !== undefined && binary !== undefined) {
    throw new UsageError("give -d or --data-binary, not both");
  }
  if (binary !== undefined) {
    return binary.startsWith("@") ? readBody(binary.slice(1)) : new TextEncoder().encode(binary);
  }
  if (data === undefined) return undefined;
  if (!data.startsWith("@")) return new TextEncoder().encode(data);
  const text = new TextDecoder().decode(readBody(data.slice(1))).replace(/[\r\n]/g, "");
  return new TextEncoder().encode(text);
}

function readBody(path: string): Uint8Array<ArrayBuffer> {
  try {
    return new Uint8Array(readFileSync(path === "-" ? 0 : path));
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    throw new Error(`Cannot read ${path === "-" ? "standard input" : path}: ${code || error}`);
  }
}

function formatHead(response: Response): string {
  const lines = [`HTTP/1.1 ${response.status} ${response.statusText}`];
  for (const [name, value] of response.headers) lines.push(`${name}: ${value}`);
  return lines.join("\r\n") + "\r\n\r\n";
}

/** The `get` command. */
export const getCommand: Command = { usage: USAGE, run };
