/**
 * Argument parsing on `node:util` parseArgs, with one-line errors.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { isIPv4, isIPv6 } from "../net/ip.ts";

export { isIPv4, isIPv6 };

/**
 * A usage error: the user asked for something the command cannot take.
 * main.ts prints its message with the command's name and exits 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UsageError } from "./args.ts";
 *
 * const error = new UsageError("--port needs a value");
 * assert.ok(error instanceof Error);
 * assert.equal(error.name, "UsageError");
 * assert.equal(error.message, "--port needs a value");
 * ```
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses `args` strictly against `options`, turning parseArgs' long messages
 * into one short line.
 *
 * @param args the arguments after the subcommand
 * @param options the parseArgs option table
 * @returns values and positionals
 * @throws {UsageError} on an unknown option, a missing value or a misplaced one
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCommandArgs, UsageError } from "./args.ts";
 *
 * const options = { port: { type: "string", short: "p" } } as const;
 * const { values, positionals } = parseCommandArgs(["-p", "37", "host"], options);
 * assert.equal(values.port, "37");
 * assert.deepEqual(positionals, ["host"]);
 * assert.throws(
 *   () => parseCommandArgs(["--nope"], options),
 *   new UsageError("unknown option '--nope'"),
 * );
 * ```
 */
export function parseCommandArgs<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const e = error as { code?: string; message?: string };
    const quoted = /'([^']+)'/.exec(e.message ?? "")?.[1] ?? "?";
    // parseArgs quotes "-p, --port <value>": name the long form.
    const flag = /--[\w-]+/.exec(quoted)?.[0] ?? quoted.split(" ")[0];
    switch (e.code) {
      case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
        throw new UsageError(`unknown option '${flag}'`);
      case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
        if (/ambiguous/.test(e.message ?? "")) {
          throw new UsageError(
            `option '${flag}' needs a value (one that starts with '-' must be joined ` +
              `to the long option with '=', as in --timeout=-1)`,
          );
        }
        throw new UsageError(
          /argument missing/.test(e.message ?? "")
            ? `option '${flag}' needs a value`
            : `option '${flag}' does not take a value`,
        );
      default:
        throw new UsageError(e.message ?? String(error));
    }
  }
}

/**
 * Parses a port number.
 *
 * @param text what the user wrote
 * @param flag the flag name, for the message
 * @returns 0 … 65535
 * @throws {UsageError} if it is not a whole number in range
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePort, UsageError } from "./args.ts";
 *
 * assert.equal(parsePort("8080"), 8080);
 * assert.equal(parsePort("0"), 0);
 * assert.throws(() => parsePort("65536", "-p"), UsageError);
 * ```
 */
export function parsePort(text: string, flag = "--port"): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new UsageError(`${flag} must be a port number from 0 to 65535 (got '${text}')`);
  }
  return Number(text);
}

/**
 * Parses a decimal number within bounds.
 *
 * @param text what the user wrote
 * @param flag the flag name, for the message
 * @param bounds inclusive minimum and maximum; `integer` for whole numbers only
 * @returns the number
 * @throws {UsageError} if it is not a number within bounds
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNumber, UsageError } from "./args.ts";
 *
 * assert.equal(parseNumber("2.5", "--timeout", { min: 0, max: 60 }), 2.5);
 * assert.throws(
 *   () => parseNumber("0", "--timeout", { min: 0, max: 60, exclusiveMin: true }),
 *   new UsageError("--timeout must be a number greater than 0 and at most 60 (got '0')"),
 * );
 * ```
 */
export function parseNumber(
  text: string,
  flag: string,
  bounds: { min: number; max: number; integer?: boolean; exclusiveMin?: boolean },
): number {
  const pattern = bounds.integer ? /^\d+$/ : /^(\d+\.?\d*|\.\d+)$/;
  const value = Number(text);
  const low = bounds.exclusiveMin ? value > bounds.min : value >= bounds.min;
  if (!pattern.test(text) || !low || value > bounds.max) {
    const kind = bounds.integer ? "a whole number" : "a number";
    const range = bounds.exclusiveMin
      ? `greater than ${bounds.min} and at most ${bounds.max}`
      : `from ${bounds.min} to ${bounds.max}`;
    throw new UsageError(`${flag} must be ${kind} ${range} (got '${text}')`);
  }
  return value;
}

/**
 * Splits `HOST`, `HOST:PORT`, `[V6]:PORT` or a bare IPv6 address.
 *
 * @param text what the user wrote
 * @param defaultPort the port when none is given
 * @returns host (IPv6 without brackets) and port
 * @throws {UsageError} on an empty host or a bad port
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHostPort } from "./args.ts";
 *
 * assert.deepEqual(parseHostPort("[::1]:3737", 37), { host: "::1", port: 3737 });
 * assert.deepEqual(parseHostPort("time.example", 37), { host: "time.example", port: 37 });
 * assert.deepEqual(parseHostPort("::1", 37), { host: "::1", port: 37 });
 * ```
 */
export function parseHostPort(
  text: string,
  defaultPort: number,
): { host: string; port: number } {
  let host = text;
  let port = defaultPort;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1];
    if (bracketed[2] !== undefined) port = parsePort(bracketed[2], `port in '${text}'`);
    if (!isIPv6(host)) throw new UsageError(`not an IPv6 address: '${text}'`);
  } else if (text.includes("[") || text.includes("]")) {
    throw new UsageError(`not a host: '${text}' (write IPv6 as [address]:port)`);
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const colon = text.indexOf(":");
    host = text.slice(0, colon);
    port = parsePort(text.slice(colon + 1), `port in '${text}'`);
  } else if (text.includes(":") && !isIPv6(text)) {
    throw new UsageError(`not a host: '${text}' (write IPv6 as [address]:port)`);
  }
  if (host === "" || /[\s/]/.test(host)) throw new UsageError(`not a host: '${text}'`);
  if (/^[\d.]+$/.test(host) && !isIPv4(host)) {
    throw new UsageError(`not an IPv4 address: '${host}'`);
  }
  return { host, port };
}

/**
 * Formats a host and port for messages and URLs: IPv6 gets brackets.
 *
 * @param host a name or address
 * @param port the port
 * @returns `host:port` or `[v6]:port`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatHostPort } from "./args.ts";
 *
 * assert.equal(formatHostPort("127.0.0.1", 37), "127.0.0.1:37");
 * assert.equal(formatHostPort("::1", 8080), "[::1]:8080");
 * ```
 */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Parses a header given on the command line.
 *
 * @param text what the user wrote, `Name: value`
 * @param flag the flag name, for the message
 * @returns name and value, trimmed
 * @throws {UsageError} on a bad name or a value with a line break or NUL
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHeader, UsageError } from "./args.ts";
 *
 * assert.deepEqual(parseHeader("X-Frame-Options:  DENY "), ["X-Frame-Options", "DENY"]);
 * assert.throws(() => parseHeader("no colon", "-H"), UsageError);
 * ```
 */
export function parseHeader(text: string, flag = "--header"): [string, string] {
  const colon = text.indexOf(":");
  const name = colon > 0 ? text.slice(0, colon).trim() : "";
  const value = colon > 0 ? text.slice(colon + 1).trim() : "";
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n\0]/.test(value)) {
    throw new UsageError(`${flag} must be "Name: value" (got '${text}')`);
  }
  return [name, value];
}
