/**
 * HTTP Basic authentication (RFC 7617), compared in constant time.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Whether an Authorization header carries the expected user and password.
 * Both sides are hashed with SHA-256 first, so the comparison takes the same
 * time whatever the input and leaks neither length nor prefix.
 *
 * @param header the request's Authorization header, or null
 * @param expected the user and password to accept
 * @returns true when they match
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
