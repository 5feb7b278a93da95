/**
 * HTTP Basic authentication (RFC 7617), compared in constant time.
 *
 * @module
 */

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
  let given = "";
  const match = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (match) {
    try {
      given = new TextDecoder().decode(Uint8Array.from(atob(match[1]), (c) => c.charCodeAt(0)));
    } catch {
      given = "";
    }
  }
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(`${expected.user}:${expected.password}`)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let difference = 0;
  for (let i = 0; i < x.length; i++) difference |= x[i] ^ y[i];
  return match !== null && difference === 0;
}
