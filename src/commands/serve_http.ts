/**
 * `netkit serve-http`: a static-file HTTP server for a folder.
 *
 * @module
 */
import { readFileSync, realpathSync, statSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { errnoWords } from "../cli/errno_words.ts";
import { stopAtFirstFailure } from "../cli/stop_at_first_failure.ts";
import { EXIT } from "../cli/exit_codes.ts";
import {
  formatHostPort,
  parseCommandArgs,
  parseHeader,
  parseNumber,
  parsePort,
  UsageError,
} from "../cli/args.ts";
import type { Command, CommandContext } from "../cli/context.ts";
import { type Credentials, parseCredentials } from "../cli/credentials.ts";
import { ALL_INTERFACES, listenFailure, listenOnFirstHost } from "../cli/listen.ts";
import { writeWholeLines } from "../cli/whole_lines.ts";
import { createFileHandler } from "../serve_http/handler.ts";
import { type LogFormat, withAccessLog } from "../serve_http/access_log.ts";
import { BasicAuthGate, passwordAccount } from "../serve_http/auth.ts";
import { type Account, parseHtpasswd } from "../serve_http/htpasswd.ts";
import { cleanTemporaries } from "../serve_http/upload/clean_temporaries.ts";
import { parseSize } from "../serve_http/upload/parse_size.ts";
import { WriteHandler } from "../serve_http/upload/write_handler.ts";
import {
  runWorkerPool,
  whenSupervisorGone,
  WORKER_ENV,
  WORKER_READY,
} from "../serve_http/worker_pool.ts";

/** Environment variable `--auth USER` reads the password from. */
export const PASSWORD_ENV = "NETKIT_HTTP_PASSWORD";
/** Environment variable `--auth-write USER` reads the password from. */
export const WRITE_PASSWORD_ENV = "NETKIT_HTTP_WRITE_PASSWORD";
/** The port serve-http listens on by default (python -m http.server's). */
const DEFAULT_PORT = 8000;
/** The port suggested when the one asked for is busy. */
const SUGGESTED_PORT = 8080;
/** How long in-flight responses may run on after SIGINT/SIGTERM. */
const SHUTDOWN_GRACE_MS = 5000;

const USAGE = `Usage: netkit serve-http [DIR] [options]

Serve the files of DIR (default: the current folder) over HTTP/1.1.

Options:
  -p, --port N          port (default: 8000; 0 picks a free one). A busy port
                        is an error, never a silent switch to another.
      --host ADDR       address to listen on (default: all interfaces, IPv6
                        and IPv4; 127.0.0.1 for this machine only)
      --no-listing      answer 404 for folders without index.html
      --dotfiles        serve and list dotfiles (.git, .env); hidden by default
      --follow-symlinks follow symlinks that lead outside DIR (refused by default)
      --cache SECONDS   Cache-Control: max-age=SECONDS (default: no-cache, so
                        browsers revalidate and never show a stale file)
      --no-compress     do not gzip text responses on the fly
      --cors            add Access-Control-Allow-Origin: * and answer preflights
  -H, --header "N: V"   add a header to every response (repeatable)
      --no-archives     refuse ?download=zip|tar|tar.gz (folders as archives)
      --checksums       a virtual SHA256SUMS in every folder, and Repr-Digest
                        (sha-256) for requests with Want-Repr-Digest
      --spa             answer unknown paths without an extension with
                        /index.html and 200 (single-page apps)
      --auth USER[:PW]  require HTTP Basic auth; with USER alone the password
                        comes from $${PASSWORD_ENV} (keeps it out of ps).
                        An empty password (USER: or an empty variable) is
                        refused: anyone who knew the user name would get in
      --upload          accept uploads: PUT /folder/NAME (curl -T FILE URL/) and
                        multipart POST to a folder (curl -F f=@FILE URL/), written
                        atomically; resumable by the IETF draft (Upload-Offset)
      --max-upload SIZE refuse bodies over SIZE with 413 (bytes, or 8M, 2G: K, M,
                        G are powers of 1024; default: no limit)
      --overwrite       let uploads replace existing files (default: 409)
      --mkdir           allow creating folders (MKCOL, or the form field mkdir)
      --delete          allow DELETE of files and empty folders
      --auth-write USER[:PW]  require HTTP Basic auth for writes only (reads stay
                        as --auth says); USER alone reads $${WRITE_PASSWORD_ENV}
      --auth-file FILE  users who may write, in htpasswd format (htpasswd -B or -s)
      --tls-cert FILE   serve HTTPS with this PEM certificate chain ...
      --tls-key FILE    ... and this PEM private key
      --log FORMAT      access log on stdout: common (default), combined, json, off
      --workers N       serve with N processes sharing the port (SO_REUSEPORT;
                        auto: one per CPU; default 1). A worker that dies is
                        started again; the access log stays whole lines
  -h, --help            show this help

Files: index.html for folders, listings otherwise (HTML, or JSON when the
request's Accept prefers application/json); ETag and Last-Modified with 304s;
single byte ranges (206/416; a request for several ranges gets the whole
file); precompressed FILE.br / FILE.gz siblings when the client accepts them,
each with its own ETag, so compressed responses revalidate with 304 too.

Uploads: off unless --upload. Without --auth-write, --auth-file or --auth,
anyone who can reach the port may upload. Names follow the read rules (no
dotfiles without --dotfiles, no traversal) and refuse what Windows refuses;
symlinks never lead a write out of DIR; 507 when the disk is full. After 5
failed logins in 60 s a client gets 429 until the minute is over.

Archives: GET /folder/?download=zip (stored, ZIP64 past 4 GiB), tar or
tar.gz streams the folder with the listing's dotfile and symlink rules; a
file that changes while it is read aborts the transfer (never a torn member).
Checksums (--checksums): /folder/SHA256SUMS for sha256sum -c; it hashes at
most 512 MiB of new files per request, then answers 503 with Retry-After
(what was hashed is kept, so a retry gets further).

Timeouts: on Bun, idle and half-sent connections are closed after 10 s. On
Deno the runtime has no such timeout (its HTTP server offers none); idle
connections cost a file descriptor each but do not slow other clients.

Workers: each has its own caches and its own count of failed logins.

SIGINT or SIGTERM: stop accepting, let responses in flight finish for up to
${SHUTDOWN_GRACE_MS / 1000} s, then exit 0 (with --workers: every worker).

Exit codes: 0 stopped by a signal, 1 could not start (port in use, permission
denied, bad address, DIR or TLS files unreadable), 2 usage error.`;

/** What `serve-http` was asked to do: every flag, checked, nothing opened yet. */
export interface ServeHttpPlan {
  /** `--help`: print the usage and stop (nothing else is set). */
  help: boolean;
  /** The folder to serve, as given. */
  dir: string;
  port: number;
  /** Hosts to try in order: the first that works is used. */
  hosts: readonly string[];
  listing: boolean;
  dotfiles: boolean;
  followSymlinks: boolean;
  /** `--cache`: max-age in seconds; undefined sends no-cache. */
  cacheSeconds?: number;
  compress: boolean;
  cors: boolean;
  headers: [string, string][];
  spa: boolean;
  /** Folders as archives (`--no-archives` turns them off). */
  archives: boolean;
  /** `--checksums`: SHA256SUMS and Repr-Digest. */
  checksums: boolean;
  auth?: Credentials;
  /** PEM files for HTTPS. */
  tls?: { certFile: string; keyFile: string };
  log: LogFormat;
  /** `--upload` and the flags that shape it; undefined when uploads are off. */
  upload?: UploadPlan;
  /** `--workers`: how many server processes share the port. */
  workers: number;
  /** The arguments as given: what each worker is started with. */
  args: readonly string[];
}

/** The write side's flags. */
export interface UploadPlan {
  /** `--max-upload` in bytes. */
  maxUpload?: number;
  overwrite: boolean;
  mkdir: boolean;
  delete: boolean;
  /** `--auth-write`. */
  authWrite?: Credentials;
  /** `--auth-file`, as given (read when the server starts). */
  authFile?: string;
}

const OPTIONS = {
  port: { type: "string", short: "p" },
  host: { type: "string" },
  "no-listing": { type: "boolean" },
  dotfiles: { type: "boolean" },
  "follow-symlinks": { type: "boolean" },
  cache: { type: "string" },
  "no-compress": { type: "boolean" },
  cors: { type: "boolean" },
  header: { type: "string", short: "H", multiple: true },
  spa: { type: "boolean" },
  "no-archives": { type: "boolean" },
  checksums: { type: "boolean" },
  auth: { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  log: { type: "string" },
  upload: { type: "boolean" },
  "max-upload": { type: "string" },
  overwrite: { type: "boolean" },
  mkdir: { type: "boolean" },
  delete: { type: "boolean" },
  "auth-write": { type: "string" },
  "auth-file": { type: "string" },
  workers: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The most `--workers`: far past any core count a file server can use. */
const MAX_WORKERS = 256;

/**
 * Reads serve-http's arguments into a plan. Pure: the folder and the TLS
 * files are opened by {@linkcode runServeHttp}.
 *
 * @param args the arguments after `serve-http`
 * @param env the environment (`NETKIT_HTTP_PASSWORD` for `--auth USER`)
 * @returns the plan
 * @throws {UsageError} for a bad flag or value
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseServeHttpArgs } from "./serve_http.ts";
 *
 * const plan = parseServeHttpArgs(["www", "-p", "0", "--auth", "ann"], { NETKIT_HTTP_PASSWORD: "pw" });
 * assert(plan.dir === "www" && plan.port === 0 && plan.auth?.password === "pw");
 * assert(plan.hosts.includes("::") && plan.log === "common");
 * ```
 */
export function parseServeHttpArgs(
  args: string[],
  env: Readonly<Record<string, string | undefined>>,
): ServeHttpPlan {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  if (positionals.length > 1) throw new UsageError("give one folder to serve");
  if (values.host === "") throw new UsageError("--host needs an address");
  if (Boolean(values["tls-cert"]) !== Boolean(values["tls-key"])) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  return {
    help: values.help ?? false,
    dir: positionals[0] ?? ".",
    port: values.port === undefined ? DEFAULT_PORT : parsePort(values.port),
    hosts: values.host === undefined ? ALL_INTERFACES : [values.host],
    listing: !values["no-listing"],
    dotfiles: values.dotfiles ?? false,
    followSymlinks: values["follow-symlinks"] ?? false,
    cacheSeconds: values.cache === undefined
      ? undefined
      : parseNumber(values.cache, "--cache", { min: 0, max: 31_536_000, integer: true }),
    compress: !values["no-compress"],
    cors: values.cors ?? false,
    headers: (values.header ?? []).map((h) => parseHeader(h)),
    spa: values.spa ?? false,
    archives: !values["no-archives"],
    checksums: values.checksums ?? false,
    auth: values.auth === undefined ? undefined : parseAuth(values.auth, { env }),
    tls: values["tls-cert"] && values["tls-key"]
      ? { certFile: values["tls-cert"], keyFile: values["tls-key"] }
      : undefined,
    log: parseLogFormat(values.log ?? "common"),
    upload: parseUploadPlan(values, env),
    workers: parseWorkers(values.workers),
    args: [...args],
  };
}

/** `--workers N` or `auto` (one per CPU). */
function parseWorkers(text: string | undefined): number {
  if (text === undefined) return 1;
  if (text === "auto") return Math.max(1, navigator.hardwareConcurrency || 1);
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_WORKERS) {
    throw new UsageError(
      `--workers must be auto or a whole number from 1 to ${MAX_WORKERS} (got '${text}')`,
    );
  }
  return Number(text);
}

/** The write flags; each needs --upload, so none is silently ignored. */
function parseUploadPlan(
  values: ReturnType<typeof parseCommandArgs<typeof OPTIONS>>["values"],
  env: Readonly<Record<string, string | undefined>>,
): UploadPlan | undefined {
  const flags = ["max-upload", "overwrite", "mkdir", "delete", "auth-write", "auth-file"] as const;
  if (!values.upload) {
    const stray = flags.find((f) => values[f] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --upload`);
    return undefined;
  }
  let maxUpload;
  try {
    maxUpload = values["max-upload"] === undefined ? undefined : parseSize(values["max-upload"]);
  } catch (error) {
    throw new UsageError(`--max-upload: ${(error as Error).message} (try 8M or 2G)`);
  }
  return {
    maxUpload,
    overwrite: values.overwrite ?? false,
    mkdir: values.mkdir ?? false,
    delete: values.delete ?? false,
    authWrite: values["auth-write"] === undefined
      ? undefined
      : parseAuth(values["auth-write"], { env, flag: "--auth-write", envName: WRITE_PASSWORD_ENV }),
    authFile: values["auth-file"],
  };
}

/**
 * Serves the plan's folder until SIGINT or SIGTERM.
 *
 * @param plan what {@linkcode parseServeHttpArgs} returned
 * @param context the adapter, output and environment
 * @returns 0 when stopped by a signal (or after --help), 1 when it could not start
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseServeHttpArgs, runServeHttp } from "./serve_http.ts";
 * import { memoryContext } from "../cli/context.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const { context, output } = memoryContext({} as NetAdapter);
 * const code = await runServeHttp(parseServeHttpArgs(["no/such/folder"], {}), context);
 * assert(code === 1 && output.err[0].includes("no such file or folder"));
 * ```
 */
export async function runServeHttp(plan: ServeHttpPlan, context: CommandContext): Promise<number> {
  if (plan.help) {
    context.out(USAGE);
    return EXIT.OK;
  }
  const fail = (line: string) => {
    context.err(`netkit serve-http: ${line}`);
    return EXIT.FAILURE;
  };
  let root: string;
  let tls: { cert: string; key: string } | undefined;
  try {
    root = realpathSync(plan.dir);
    if (!statSync(root).isDirectory()) return fail(`${plan.dir} is not a folder`);
  } catch (error) {
    return fail(`cannot serve ${plan.dir}: ${errnoWords(error)}`);
  }
  try {
    tls = plan.tls && {
      cert: readFileSync(plan.tls.certFile, "utf8"),
      key: readFileSync(plan.tls.keyFile, "utf8"),
    };
  } catch (error) {
    return fail(`cannot read the TLS files: ${errnoWords(error)}`);
  }
  const worker = context.env[WORKER_ENV] !== undefined;
  if (plan.workers > 1 && !worker) {
    return await superviseWorkers(plan, { root, scheme: tls ? "https" : "http", context });
  }
  const writes = plan.upload && await setUpWrites(plan, { root, context, worker });
  if (typeof writes === "string") return fail(writes);
  const files = createFileHandler({
    ...plan,
    root,
    writes,
    fileBody: context.net.fileBody,
    fs: context.net.fs,
  });
  const accessLog = plan.log === "off" ? undefined : withAccessLog(files, {
    format: plan.log,
    write: accessLogWriter(context),
  });
  const handler = accessLog?.handler ?? files;

  let off = () => {};
  const signalled = new Promise<string>((resolve) => {
    off = context.net.onSignal(["SIGINT", "SIGTERM"], resolve);
  });
  const stopped = worker ? Promise.race([signalled, whenSupervisorGone()]) : signalled;
  let server;
  try {
    server = await listenOnFirstHost(
      plan.hosts,
      (hostname) =>
        context.net.serveHttp({ hostname, port: plan.port, handler, tls, reusePort: worker }),
    );
  } catch (error) {
    off();
    const hint = tls ? "check --tls-cert and --tls-key" : undefined;
    return fail(listenFailure(error, plan.port, { suggestPort: SUGGESTED_PORT, hint }));
  }
  if (worker) context.err(WORKER_READY);
  else printBanner(context, { scheme: tls ? "https" : "http", addr: server.addr, root });
  const signal = await stopped;
  if (!worker) {
    // A second Ctrl-C stops at once.
    off();
    context.err(`netkit serve-http: ${signal}: finishing responses in flight, then stopping`);
  }
  // A worker keeps its handlers: the supervisor's SIGTERM may come after it
  // saw the supervisor go, and must not end it before its last log lines.
  await server.shutdown(SHUTDOWN_GRACE_MS);
  accessLog?.flush();
  off();
  return EXIT.OK;
}

/**
 * `--workers N`: checks the port (a busy one fails here, with the usual
 * words; port 0 becomes the one free port every worker then shares), then
 * runs N copies of this command on it until SIGINT or SIGTERM.
 */
async function superviseWorkers(
  plan: ServeHttpPlan,
  options: { root: string; scheme: string; context: CommandContext },
): Promise<number> {
  const { root, scheme, context } = options;
  const fail = (line: string) => {
    context.err(`netkit serve-http: ${line}`);
    return EXIT.FAILURE;
  };
  // Read the write accounts and clean stray temporaries once, here: a worker
  // started again later must not remove another worker's upload in progress.
  const writes = plan.upload && await setUpWrites(plan, { root, context, worker: false });
  if (typeof writes === "string") return fail(writes);
  let addr;
  try {
    const probe = await listenOnFirstHost(
      plan.hosts,
      // listenOnFirstHost catches a synchronous EADDRINUSE as it does a rejection.
      (hostname) =>
        Promise.resolve(
          context.net.listenTcp({ hostname, port: plan.port, onConnection: (c) => c.close() }),
        ),
    );
    addr = probe.addr;
    probe.close();
  } catch (error) {
    return fail(listenFailure(error, plan.port, { suggestPort: SUGGESTED_PORT }));
  }
  const place = ["--host", addr.hostname, "--port", String(addr.port)];
  const end = plan.args.indexOf("--");
  const args = end < 0
    ? [...plan.args, ...place]
    : [...plan.args.slice(0, end), ...place, ...plan.args.slice(end)];
  let off = () => {};
  const stopped = new Promise<string>((resolve) => {
    off = context.net.onSignal(["SIGINT", "SIGTERM"], resolve);
  }).then((signal) => {
    context.err(`netkit serve-http: ${signal}: stopping ${plan.workers} workers`);
    return signal;
  });
  const code = await runWorkerPool({
    count: plan.workers,
    argv: [...context.net.selfCommand(), "serve-http", ...args],
    err: (line) => context.err(line),
    stopped,
    onReady: () => printBanner(context, { scheme, addr, root, workers: plan.workers }),
  });
  off();
  return code === 0 ? EXIT.OK : EXIT.FAILURE;
}

/** The lines a started server prints: where it listens, what it serves, its URLs. */
function printBanner(
  context: CommandContext,
  options: {
    scheme: string;
    addr: { hostname: string; port: number };
    root: string;
    workers?: number;
  },
): void {
  const { scheme, addr, root, workers } = options;
  const where = `${scheme}://${formatHostPort(addr.hostname, addr.port)}`;
  // The first line stays exactly "listening on URL": scripts read the port from it.
  context.err(`listening on ${where}`);
  context.err(`serving ${root}${workers ? ` with ${workers} workers` : ""}`);
  for (const url of localUrls(scheme, addr)) {
    context.err(`  ${url}`);
  }
}

function parseLogFormat(text: string): LogFormat {
  if (text === "common" || text === "combined" || text === "json" || text === "off") return text;
  throw new UsageError(`--log must be common, combined, json or off (got '${text}')`);
}

/**
 * `--auth USER[:PW]` by the one credentials rule, then refused when the
 * password is empty: on a server that would let in anyone who knew the name.
 */
function parseAuth(
  text: string,
  options: { env: Readonly<Record<string, string | undefined>>; flag?: string; envName?: string },
): Credentials {
  const { env, flag = "--auth", envName = PASSWORD_ENV } = options;
  const credentials = parseCredentials(text, { flag, envName, env });
  if (credentials.password === "") {
    const user = credentials.user;
    throw new UsageError(
      `${flag} ${user} has an empty password, which would let in anyone who knows the name ` +
        `(give one: ${flag} ${user}:PASSWORD or $${envName})`,
    );
  }
  return credentials;
}

/**
 * The write side of a plan: stray temporaries removed, the write gate's
 * accounts read. Writes need the write accounts when there are any, else
 * `--auth`'s; with neither they are open, and a warning says so.
 */
async function setUpWrites(
  plan: ServeHttpPlan,
  options: { root: string; context: CommandContext; worker: boolean },
): Promise<WriteHandler | string> {
  const { root, context, worker } = options;
  const upload = plan.upload!;
  const accounts: Account[] = upload.authWrite ? [passwordAccount(upload.authWrite)] : [];
  if (upload.authFile) {
    try {
      accounts.push(...parseHtpasswd(readFileSync(upload.authFile, "utf8")));
    } catch (error) {
      const reason = error instanceof SyntaxError ? error.message : errnoWords(error);
      return `cannot use --auth-file ${upload.authFile}: ${reason}`;
    }
  }
  if (accounts.length === 0 && plan.auth) accounts.push(passwordAccount(plan.auth));
  if (accounts.length === 0 && !worker) {
    context.err(
      "netkit serve-http: warning: anyone who can reach this port may upload " +
        "(add --auth-write USER or --auth-file FILE)",
    );
  }
  // A worker leaves that to the supervisor: other workers' uploads may be under way.
  const removed = worker ? 0 : await cleanTemporaries(root);
  if (removed) context.err(`removed ${removed} unfinished upload temporaries`);
  return new WriteHandler({
    ...upload,
    root,
    dotfiles: plan.dotfiles,
    gate: accounts.length ? new BasicAuthGate({ accounts }) : undefined,
  });
}

/** The URLs to print: each local address when listening on all of them. */
function localUrls(scheme: string, addr: { hostname: string; port: number }): string[] {
  const { hostname, port } = addr;
  const all = hostname === "::" || hostname === "0.0.0.0";
  const addresses = all
    ? Object.values(networkInterfaces()).flat().flatMap((a) =>
      // A link-local address is no use without its zone, which a URL cannot carry.
      a && (a.family === "IPv4" || hostname === "::") && !a.address.startsWith("fe80:")
        ? [a.address]
        : []
    )
    : [hostname];
  return addresses.map((a) => `${scheme}://${formatHostPort(a, port)}/`);
}

/**
 * The `serve-http` subcommand.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveHttpCommand } from "./serve_http.ts";
 *
 * assert(serveHttpCommand.usage.startsWith("Usage: netkit serve-http"));
 * ```
 */
export const serveHttpCommand: Command = {
  usage: USAGE,
  run: (args, context) => runServeHttp(parseServeHttpArgs(args, context.env), context),
};

/**
 * Writes the access log to stdout. A log that can no longer be written (its
 * reader closed the pipe, a full disk) is said once on stderr and dropped:
 * the server goes on serving, as nginx does when its log fails.
 */
function accessLogWriter(context: CommandContext): (text: string) => void {
  return stopAtFirstFailure(
    // Workers share one stdout: lines must not be cut into (see whole_lines.ts).
    (text) => writeWholeLines(text, context.writeOut),
    (error) => {
      const reason = errnoWords(error);
      context.err(`netkit serve-http: access log off: cannot write standard output (${reason})`);
    },
  );
}
