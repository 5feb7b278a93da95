/**
 * `USER[:PASSWORD]` on a command line, with the password kept out of `ps`
 * when it comes from the environment: one rule for `get -u` and `serve-http --auth`.
 *
 * @module
 */
import { UsageError } from "./args.ts";

/** A user name and password. */
export interface Credentials {
  user: string;
  password: string;
}

/** Options for {@linkcode parseCredentials}. */
export interface ParseCredentialsOptions {
  /** The flag, for messages: `-u`, `--auth`. */
  flag: string;
  /** The environment variable `USER` alone reads the password from. */
  envName: string;
  /** The environment. */
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * Reads `USER:PASSWORD`, or `USER` with the password from `options.envName`.
 * The password is everything after the first colon, so it may contain
 * colons; `USER:` is an explicitly empty password (as curl reads it). `USER`
 * alone with the variable unset is an error, never an empty password.
 *
 * @param text the flag's value
 * @param options the flag's name, the variable and the environment
 * @returns the user and password
 * @throws {UsageError} for an empty user, or `USER` alone with no password in the environment
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCredentials } from "./credentials.ts";
 *
 * const options = { flag: "-u", envName: "PW", env: { PW: "s3cret" } };
 * assert(parseCredentials("ann:a:b", options).password === "a:b");
 * assert(parseCredentials("ann", options).password === "s3cret");
 * assert(parseCredentials("ann:", options).password === "");
 * ```
 */
export function parseCredentials(text: string, options: ParseCredentialsOptions): Credentials {
  const colon = text.indexOf(":");
  const user = colon < 0 ? text : text.slice(0, colon);
  if (user === "") throw new UsageError(`${options.flag} needs a user name (USER[:PASSWORD])`);
  const password = colon < 0 ? options.env[options.envName] : text.slice(colon + 1);
  if (password === undefined) {
    throw new UsageError(
      `${options.flag} ${user} needs a password: ${options.flag} ${user}:PASSWORD or $${options.envName}`,
    );
  }
  return { user, password };
}
