/**
 * The digests a client sent with an upload (RFC 9530 `Content-Digest` and
 * `Repr-Digest`, RFC 1864 `Content-MD5`), checked as the bytes stream by.
 *
 * @module
 */
import type { Hash } from "node:crypto";
import { nodeCrypto } from "../../lazy_node.ts";
import { parseDictionary } from "structured-headers";
import { UploadError } from "./upload_error.ts";

/** RFC 9530 §7.2 algorithm keys and their node:crypto names (active ones only). */
const ALGORITHMS: Record<string, string> = { "sha-256": "sha256", "sha-512": "sha512" };

interface Expectation {
  field: string;
  algorithm: string;
  bytes: Uint8Array;
}

/**
 * Hashes an upload's bytes with every algorithm its headers name and
 * compares at the end. Algorithms the server does not know are ignored
 * (RFC 9530 §2: a recipient may ignore what it does not support).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ExpectedDigest } from "./expected_digest.ts";
 *
 * const sha = "X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="; // RFC 9530 Appendix D
 * const check = ExpectedDigest.fromHeaders(new Headers({ "repr-digest": `sha-256=:${sha}:` }));
 * check?.update(new TextEncoder().encode('{"hello": "world"}'));
 * check?.verify(); // throws UploadError 400 on a mismatch
 * assert(check !== undefined);
 * ```
 */
export class ExpectedDigest {
  #expected: Expectation[];
  #hashes = new Map<string, Hash>();

  private constructor(expected: Expectation[]) {
    this.#expected = expected;
    for (const { algorithm } of expected) {
      if (!this.#hashes.has(algorithm)) {
        this.#hashes.set(algorithm, nodeCrypto().createHash(algorithm));
      }
    }
  }

  /**
   * The check a request's headers ask for.
   *
   * @param headers the request's headers
   * @returns the check, or undefined when the request names no digest this server knows
   * @throws {UploadError} 400 for a digest field that does not parse
   */
  static fromHeaders(headers: Headers): ExpectedDigest | undefined {
    const expected: Expectation[] = [];
    for (const field of ["content-digest", "repr-digest"]) {
      const value = headers.get(field);
      if (value === null) continue;
      let dictionary;
      try {
        dictionary = parseDictionary(value);
      } catch {
        throw new UploadError(400, `${field} is not an RFC 9530 dictionary`);
      }
      for (const [key, [item]] of dictionary) {
        const algorithm = ALGORITHMS[key];
        if (!algorithm) continue;
        if (!(item instanceof ArrayBuffer)) {
          throw new UploadError(400, `${field} ${key} is not a byte sequence (:base64:)`);
        }
        expected.push({ field, algorithm, bytes: new Uint8Array(item) });
      }
    }
    const md5 = headers.get("content-md5");
    if (md5 !== null) {
      const bytes = Uint8Array.from(atobOrThrow(md5.trim()), (c) => c.charCodeAt(0));
      expected.push({ field: "content-md5", algorithm: "md5", bytes });
    }
    return expected.length ? new ExpectedDigest(expected) : undefined;
  }

  /**
   * Adds bytes of the upload, in order.
   *
   * @param chunk the next bytes
   */
  update(chunk: Uint8Array): void {
    for (const hash of this.#hashes.values()) hash.update(chunk);
  }

  /**
   * Compares the digests of all bytes given with the expected ones.
   *
   * @throws {UploadError} 400 naming the field that does not match
   */
  verify(): void {
    const actual = new Map<string, Uint8Array>();
    for (const [algorithm, hash] of this.#hashes) actual.set(algorithm, hash.digest());
    for (const { field, algorithm, bytes } of this.#expected) {
      const got = actual.get(algorithm)!;
      if (got.length !== bytes.length || !nodeCrypto().timingSafeEqual(got, bytes)) {
        throw new UploadError(400, `the body does not match its ${field} (nothing was stored)`);
      }
    }
  }
}

function atobOrThrow(text: string): string {
  try {
    return atob(text);
  } catch {
    throw new UploadError(400, "content-md5 is not base64");
  }
}
