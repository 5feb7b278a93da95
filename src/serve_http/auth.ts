/**
 * HTTP Basic authentication (RFC 7617), compared in constant time; the
 * gate reads and writes pass through, with failed logins rate-limited per
 * source.
 *
 * @module
 */
import type { Account } from "./htpasswd.ts";
import { LoginLimiter } from "./login_limiter.ts";
import { statusResponse } from "./respond.ts";

const encoder = new TextEncoder();
/** The user each request that passed {@linkcode authenticate} proved to be. */
const users = new WeakMap<Request, string>();

/**
 * Checks a request's Basic credentials and, when they are right, remembers
 * its user for {@linkcode authenticatedUser} (the access log's `user`).
 *
 * @param request the request
 * @param expected the user and password to accept
 * @returns true when they match
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { authenticate, authenticatedUser } from "./auth.ts";
 *
 * const request = new Request("http://x/", { headers: { authorization: `Basic ${btoa("ann:pw")}` } });
 * assert(await authenticate(request, { user: "ann", password: "pw" }));
 * assert(authenticatedUser(request) === "ann");
 * ```
 */
export async function authenticate(
  request: Request,
  expected: { user: string; password: string },
): Promise<boolean> {
  const ok = await checkBasicAuth(request.headers.get("authorization"), expected);
  if (ok) users.set(request, expected.user);
  return ok;
}

/** Verified Authorization headers (by SHA-256) remembered, so bcrypt runs once per client. */
const VERIFIED_ENTRIES = 1000;
/** The challenge of every 401 (RFC 7617 §2.1). */
const CHALLENGE = 'Basic realm="netkit", charset="UTF-8"';

/** Options for {@linkcode BasicAuthGate}. */
export interface BasicAuthGateOptions {
  /** Who may pass. */
  accounts: Account[];
  /** Counts failed logins per source. @default a new {@linkcode LoginLimiter} */
  limiter?: LoginLimiter;
}

/**
 * Lets a request pass when its Basic credentials are an account's: 401
 * otherwise, and 429 with Retry-After for a source that failed too often
 * (its logins are not even checked then). A passing request's user is what
 * {@linkcode authenticatedUser} (and so the access log) reports.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BasicAuthGate, passwordAccount } from "./auth.ts";
 *
 * const gate = new BasicAuthGate({ accounts: [passwordAccount({ user: "ann", password: "pw" })] });
 * const good = new Request("http://x/", { headers: { authorization: `Basic ${btoa("ann:pw")}` } });
 * assert((await gate.admit(good, "192.0.2.1")) === undefined);
 * assert((await gate.admit(new Request("http://x/"), "192.0.2.1"))?.status === 401);
 * ```
 */
export class BasicAuthGate {
  #accounts: Map<string, Account>;
  #limiter: LoginLimiter;
  #verified = new Map<string, string>();

  constructor(options: BasicAuthGateOptions) {
    this.#accounts = new Map(options.accounts.map((a) => [a.user, a]));
    this.#limiter = options.limiter ?? new LoginLimiter();
  }

  /**
   * Checks a request.
   *
   * @param request the request
   * @param source the client's address, for the rate limit
   * @returns undefined when it may pass, else the 401 or 429 to answer
   */
  async admit(request: Request, source: string): Promise<Response | undefined> {
    const wait = this.#limiter.blockedFor(source);
    if (wait > 0) {
      return statusResponse(429, { "retry-after": String(Math.ceil(wait / 1000)) });
    }
    const header = request.headers.get("authorization");
    const user = header === null ? undefined : await this.#verify(header);
    if (user !== undefined) {
      users.set(request, user);
      return undefined;
    }
    if (header !== null) this.#limiter.fail(source);
    return statusResponse(401, { "www-authenticate": CHALLENGE });
  }

  async #verify(header: string): Promise<string | undefined> {
    const key = await sha256(header);
    const known = this.#verified.get(key);
    if (known !== undefined) return known;
    const given = decodeBasic(header);
    const colon = given.indexOf(":");
    const account = colon > 0 ? this.#accounts.get(given.slice(0, colon)) : undefined;
    if (!account || !(await account.verify(given.slice(colon + 1)))) return undefined;
    if (this.#verified.size >= VERIFIED_ENTRIES) this.#verified.clear();
    this.#verified.set(key, account.user);
    return account.user;
  }
}

/**
 * An account with a password given on the command line, compared in
 * constant time.
 *
 * @param credentials the user and password
 * @returns the account
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { passwordAccount } from "./auth.ts";
 *
 * const account = passwordAccount({ user: "ann", password: "pw" });
 * assert(await account.verify("pw") && !(await account.verify("pw2")));
 * ```
 */
export function passwordAccount(credentials: { user: string; password: string }): Account {
  return {
    user: credentials.user,
    verify: async (password) => {
      const [a, b] = await Promise.all([sha256(password), sha256(credentials.password)]);
      return constantTimeEqual(a, b);
    },
  };
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return String.fromCharCode(...new Uint8Array(digest));
}

function constantTimeEqual(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) {
    difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  }
  return difference === 0;
}

/** The `user:password` of a Basic Authorization header; "" when it is not one. */
function decodeBasic(header: string): string {
  const match = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return "";
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(match[1]), (c) => c.charCodeAt(0)));
  } catch {
    return "";
  }
}

/**
 * The user a request authenticated as, if it did.
 *
 * @param request the request
 * @returns the user name, or undefined
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { authenticatedUser } from "./auth.ts";
 *
 * assert(authenticatedUser(new Request("http://x/")) === undefined);
 * ```
 */
export function authenticatedUser(request: Request): string | undefined {
  return users.get(request);
}

/**
 * Whether an Authorization header carries the expected user and password.
 * Both sides are hashed with SHA-256 first, so the comparison takes the same
 * time whatever the input and leaks neither length nor prefix.
 *
 * @param header the request's Authorization header, or null
 * @param expected the user and password to accept
 * @returns true when they match
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkBasicAuth } from "./auth.ts";
 *
 * const expected = { user: "ann", password: "a:b" };
 * assert(await checkBasicAuth(`Basic ${btoa("ann:a:b")}`, expected));
 * assert(!(await checkBasicAuth(null, expected)));
 * ```
 */
export async function checkBasicAuth(
  header: string | null,
  expected: { user: string; password: string },
): Promise<boolean> {
  const given = decodeBasic(header ?? "");
  const [a, b] = await Promise.all([
    sha256(given),
    sha256(`${expected.user}:${expected.password}`),
  ]);
  return given !== "" && constantTimeEqual(a, b);
}
