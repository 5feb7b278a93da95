/**
 * `--auth-file FILE`: users and password hashes in Apache's htpasswd format,
 * the lines `htpasswd -B` (bcrypt, `$2y$`) and `htpasswd -s` (`{SHA}`) write.
 *
 * @module
 */
import { nodeCrypto } from "../lazy_node.ts";
import { Buffer } from "node:buffer";
import bcrypt from "./_bcrypt.cjs";

/** A user who may log in, and how to check a password for them. */
export interface Account {
  user: string;
  /** Whether `password` is this user's. */
  verify(password: string): Promise<boolean>;
}

/** A line of an htpasswd file the server cannot use. */
export class HtpasswdError extends SyntaxError {
  constructor(message: string) {
    super(message);
    this.name = "HtpasswdError";
  }
}

/**
 * Reads an htpasswd file's text. Blank lines and `#` comments are skipped;
 * bcrypt (`$2y$`, `$2a$`, `$2b$`) and `{SHA}` lines are accepted; any other
 * hash (`$apr1$`, DES crypt, plain) is refused by line number rather than
 * silently never matching.
 *
 * @param text the file's text
 * @returns one account per line
 * @throws {HtpasswdError} for a line in another format
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHtpasswd } from "./htpasswd.ts";
 *
 * // "secret", as `htpasswd -nbs ann secret` writes it.
 * const [ann] = parseHtpasswd("ann:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n");
 * assert(ann.user === "ann" && await ann.verify("secret") && !(await ann.verify("Secret")));
 * ```
 */
export function parseHtpasswd(text: string): Account[] {
  const accounts: Account[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    const colon = line.indexOf(":");
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1).trim();
    if (colon < 1) throw new HtpasswdError(`line ${index + 1}: expected USER:HASH`);
    if (/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) {
      accounts.push({ user, verify: (password) => bcrypt.compare(password, hash) });
    } else if (hash.startsWith("{SHA}")) {
      const expected = Buffer.from(hash.slice(5), "base64");
      accounts.push({
        user,
        verify: (password) => Promise.resolve(sha1Matches(password, expected)),
      });
    } else {
      throw new HtpasswdError(
        `line ${index + 1}: ${user}'s hash is neither bcrypt nor {SHA} (make it with htpasswd -B)`,
      );
    }
  });
  return accounts;
}

function sha1Matches(password: string, expected: Uint8Array): boolean {
  const { createHash, timingSafeEqual } = nodeCrypto();
  const actual = createHash("sha1").update(password).digest();
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
