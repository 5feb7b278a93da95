/**
 * Reads the certificates of `get --cacert FILE`.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { EXIT } from "../cli/exit_codes.ts";
import { errnoWords } from "../cli/errno_words.ts";
import { DownloadError } from "./errors.ts";

/** A PEM certificate block (RFC 7468 §2 and §5.1: the `CERTIFICATE` label). */
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The PEM certificates in `path`, one string each (both runtimes take a list).
 *
 * @param path a PEM file with one or more certificates
 * @returns the certificates
 * @throws {DownloadError} 77 (curl's "problem with the CA cert") when the
 *   file cannot be read or holds no certificate
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCaCerts } from "./ca_certs.ts";
 *
 * assert.throws(() => readCaCerts("/nonexistent/ca.pem"), /Cannot read --cacert/);
 * ```
 */
export function readCaCerts(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new DownloadError(
      EXIT.CA_CERT_FILE,
      `Cannot read --cacert ${path}: ${errnoWords(error)}`,
    );
  }
  const certs = text.match(PEM_CERTIFICATE) ?? [];
  if (certs.length === 0) {
    throw new DownloadError(
      EXIT.CA_CERT_FILE,
      `--cacert ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
  }
  return certs;
}
