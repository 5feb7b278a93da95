/**
 * `netkit serve-http`: a static-file HTTP server for a folder.
 *
 * @module
 */
import { readFileSync, realpathSync, statSync } from "node:fs";
import { networkInterfaces } from "node:os";
import process from "node:process";
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
import type { HttpServer } from "../net/types.ts";
import { NetError } from "../net/errors.ts";
import { createFileHandler } from "../serve_http/handler.ts";
import { type LogFormat, withAccessLog } from "../serve_http/access_log.ts";

/** Environment variable `--auth USER` reads the password from. */
export const PASSWORD_ENV = "NETKIT_HTTP_PASSWORD";
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
      --spa             answer unknown paths without an extension with
                        /index.html and 200 (single-page apps)
      --auth USER[:PW]  require HTTP Basic auth; with USER alone the password
                        comes from $${PASSWORD_ENV} (keeps it out of ps)
      --tls-cert FILE   serve HTTPS with this PEM certificate chain ...
      --tls-key FILE    ... and this PEM private key
      --log FORMAT      access log on stdout: common (default), combined, json, off
  -h, --help            show this help

Files: index.html for folders, listings otherwise (HTML, or JSON when the
request's Accept prefers application/json); ETag and Last-Modified with 304s;
single byte ranges (206/416; a request for several ranges gets the whole
file); precompressed FILE.br / FILE.gz siblings when the client accepts them.

Timeouts: on Bun, idle and half-sent connections are closed after 10 s. On
Deno the runtime has no such timeout (its HTTP server offers none); idle
connections cost a file descriptor each but do not slow other clients.

SIGINT or SIGTERM: stop accepting, let responses in flight finish for up to
${SHUTDOWN_GRACE_MS / 1000} s, then exit 0.

Exit codes: 0 stopped by a signal, 1 could not start (port in use, permission
denied, bad address, DIR or TLS files unreadable), 2 usage error.`;

async function run(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
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
    auth: { type: "string" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    log: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    context.out(USAGE);
    return EXIT.OK;
  }
  if (positionals.length > 1) throw new UsageError("give one folder to serve");
  if (values.host === "") throw new UsageError("--host needs an address");
  const port = values.port === undefined ? 8000 : parsePort(values.port);
  const cacheSeconds = values.cache === undefined
    ? undefined
    : parseNumber(values.cache, "--cache", { min: 0, max: 31_536_000, integer: true });
  const headers = (values.header ?? []).map((h) => parseHeader(h));
  const log = parseLogFormat(values.log ?? "common");
  const auth = values.auth === undefined ? undefined : parseAuth(values.auth);
  if (Boolean(values["tls-cert"]) !== Boolean(values["tls-key"])) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  const fail = (line: string) => {
    context.err(`netkit serve-http: ${line}`);
    return EXIT.FAILURE;
  };

  const dir = positionals[0] ?? ".";
  let root: string;
  try {
    root = realpathSync(dir);
    if (!statSync(root).isDirectory()) return fail(`${dir} is not a folder`);
  } catch (error) {
    return fail(`cannot serve ${dir}: ${fsReason(error)}`);
  }
  let tls: { cert: string; key: string } | undefined;
  if (values["tls-cert"] && values["tls-key"]) {
    try {
      tls = {
        cert: readFileSync(values["tls-cert"], "utf8"),
        key: readFileSync(values["tls-key"], "utf8"),
      };
    } catch (error) {
      return fail(`cannot read the TLS files: ${fsReason(error)}`);
    }
  }

  const files = createFileHandler({
    root,
    fileBody: context.net.fileBody,
    fs: context.net.fs,
    listing: !values["no-listing"],
    dotfiles: values.dotfiles,
    followSymlinks: values["follow-symlinks"],
    cacheSeconds,
    compress: !values["no-compress"],
    cors: values.cors,
    headers,
    spa: values.spa,
    auth,
  });
  const accessLog = log === "off"
    ? undefined
    : withAccessLog(files, { format: log, write: context.out });
  const handler = accessLog?.handler ?? files;

  let off = () => {};
  const stopped = new Promise<string>((resolve) => {
    off = context.net.onSignal(["SIGINT", "SIGTERM"], resolve);
  });
  const hosts = values.host === undefined ? ["::", "0.0.0.0"] : [values.host];
  let server: HttpServer | undefined;
  for (let i = 0; !server; i++) {
    try {
      server = await context.net.serveHttp({ hostname: hosts[i], port, handler, tls });
    } catch (error) {
      const noIpv6 = error instanceof NetError &&
        (error.code === "EAFNOSUPPORT" || error.code === "EADDRNOTAVAIL");
      if (noIpv6 && i + 1 < hosts.length) continue;
      off();
      return fail(bindFailure(error, hosts[0], port, Boolean(tls)));
    }
  }
  const scheme = tls ? "https" : "http";
  context.err(`listening on ${scheme}://${formatHostPort(server.addr.hostname, server.addr.port)}`);
  context.err(`serving ${root}`);
  for (const url of localUrls(scheme, server.addr.hostname, server.addr.port)) {
    context.err(`  ${url}`);
  }
  const signal = await stopped;
  off();
  context.err(`netkit serve-http: ${signal}: finishing responses in flight, then stopping`);
  await server.shutdown(SHUTDOWN_GRACE_MS);
  accessLog?.flush();
  return EXIT.OK;
}

function parseLogFormat(text: string): LogFormat {
  if (text === "common" || text === "combined" || text === "json" || text === "off") return text;
  throw new UsageError(`--log must be common, combined, json or off (got '${text}')`);
}

function parseAuth(text: string): { user: string; password: string } {
  const colon = text.indexOf(":");
  const user = colon < 0 ? text : text.slice(0, colon);
  const password = colon < 0 ? process.env[PASSWORD_ENV] : text.slice(colon + 1);
  if (user === "") throw new UsageError("--auth needs a user name");
  if (password === undefined || password === "") {
    throw new UsageError(
      `--auth ${user} needs a password: --auth ${user}:PASSWORD or $${PASSWORD_ENV}`,
    );
  }
  return { user, password };
}

/** The URLs to print: each local address when listening on all of them. */
function localUrls(scheme: string, hostname: string, port: number): string[] {
  const all = hostname === "::" || hostname === "0.0.0.0";
  const addresses = all
    ? Object.values(networkInterfaces()).flat().flatMap((a) =>
      a && (a.family === "IPv4" || hostname === "::") ? [a.address] : []
    )
    : [hostname];
  return addresses.map((a) => `${scheme}://${formatHostPort(a, port)}/`);
}

function fsReason(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return "no such file or folder";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOTDIR") return "not a folder";
  return error instanceof Error ? error.message : String(error);
}

function bindFailure(error: unknown, host: string, port: number, tls: boolean): string {
  const where = formatHostPort(host, port);
  if (!(error instanceof NetError)) {
    const message = error instanceof Error ? error.message : String(error);
    return tls
      ? `cannot serve HTTPS on ${where}: ${message} (check --tls-cert and --tls-key)`
      : `cannot listen on ${where}: ${message}`;
  }
  switch (error.code) {
    case "EADDRINUSE":
      return `cannot listen on ${where}: port ${port} is already in use; pick another with --port 8080 (or --port 0 for any free port)`;
    case "EACCES":
      return `cannot listen on ${where}: permission denied; ports below 1024 need root or CAP_NET_BIND_SERVICE, or use --port 8000`;
    case "EADDRNOTAVAIL":
      return `cannot listen on ${where}: ${host} is not an address of this machine; leave out --host to listen on all`;
    case "ENOTFOUND":
      return `cannot listen on ${where}: '${host}' is not an address or a known host name`;
    default:
      return tls
        ? `cannot serve HTTPS on ${where}: ${error.message} (check --tls-cert and --tls-key)`
        : `cannot listen on ${where}: ${error.message}`;
  }
}

/** The `serve-http` subcommand. */
export const serveHttpCommand: Command = {
  usage: USAGE,
  run,
};
