/**
 * Certificate chain verification that skips only the validity dates, for a
 * device whose clock is plainly unset: signatures up to a trusted root and
 * the host name are checked with node:crypto's X509Certificate, exactly as
 * a TLS client would, and the chain is returned so the caller can check the
 * time it reads against every certificate's validity. Private to `src/net`.
 *
 * @module
 */
import type { X509Certificate } from "node:crypto";
import { nodeCrypto, nodeNet } from "../lazy_node.ts";
import type { CertificateInfo } from "./types.ts";
import { netError } from "./_net_error.ts";

/** The longest chain followed, the leaf included (OpenSSL's default depth is 100; real chains are 2-4). */
const MAX_CHAIN_LENGTH = 10;

/** Options for {@linkcode verifyChainIgnoringDates}. */
export interface VerifyChainOptions {
  /** The host name or IP address the client asked for. */
  host: string;
  /** The trusted roots, PEM (the runtime's roots plus any extra CAs). */
  roots: readonly string[];
}

/**
 * Verifies `peer` (DER certificates, leaf first, as the server sent them)
 * up to a root in `options.roots`, and the leaf's name against the host,
 * without looking at any validity date.
 *
 * @param peer the server's certificates, leaf first
 * @param options the host asked and the trusted roots
 * @returns the chain used, leaf first, the trusted root last
 * @throws {NetError} CERT_UNTRUSTED when no chain of valid signatures from CA
 *   certificates leads to a trusted root; CERT_HOSTNAME when the leaf is not
 *   for the host
 * @example A server that sent no certificate is refused
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifyChainIgnoringDates } from "./_verify_chain.ts";
 *
 * assert.throws(
 *   () => verifyChainIgnoringDates([], { host: "example.com", roots: [] }),
 *   /no certificate/,
 * );
 * ```
 */
export function verifyChainIgnoringDates(
  peer: readonly Uint8Array[],
  options: VerifyChainOptions,
): CertificateInfo[] {
  if (peer.length === 0) {
    throw netError("CERT_UNTRUSTED", "", { detail: "the server sent no certificate" });
  }
  const sent = peer.map((der) => new (nodeCrypto().X509Certificate)(der));
  const roots = _parseRoots(options.roots);
  const path = [sent[0]];
  _checkName(sent[0], options.host);
  for (let current = sent[0]; path.length <= MAX_CHAIN_LENGTH;) {
    if (roots.some((r) => r.fingerprint256 === current.fingerprint256)) return path.map(_info);
    const root = roots.find((r) => _issued(r, current));
    if (root) return [...path, root].map(_info);
    const next = sent.find((c) => !path.includes(c) && _issued(c, current));
    if (!next) {
      throw netError("CERT_UNTRUSTED", "", {
        detail: `unknown issuer '${current.issuer.replaceAll("\n", ", ")}' ` +
          "(not among the trusted CAs)",
      });
    }
    path.push(next);
    current = next;
  }
  throw netError("CERT_UNTRUSTED", "", { detail: "the chain is too long" });
}

/** Whether `issuer` is a CA certificate that issued and signed `subject`. */
function _issued(issuer: X509Certificate, subject: X509Certificate): boolean {
  return issuer.ca && subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
}

function _checkName(leaf: X509Certificate, host: string): void {
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  const matches = nodeNet().isIP(bare) ? leaf.checkIP(bare) : leaf.checkHost(bare);
  if (matches === undefined) {
    const names = leaf.subjectAltName ?? leaf.subject.replaceAll("\n", ", ");
    throw netError("CERT_HOSTNAME", "", { detail: `it is for ${names}, not ${bare}` });
  }
}

let _rootCache: { pems: readonly string[]; parsed: X509Certificate[] } | undefined;

/** The roots, parsed once per list (the runtime's ~150 roots take ~10 ms). */
function _parseRoots(pems: readonly string[]): X509Certificate[] {
  if (_rootCache?.pems !== pems) {
    const parsed = pems.flatMap((pem) => {
      try {
        return [new (nodeCrypto().X509Certificate)(pem)];
      } catch {
        return []; // A root the runtime's parser cannot read can anchor nothing.
      }
    });
    _rootCache = { pems, parsed };
  }
  return _rootCache.parsed;
}

function _info(cert: X509Certificate): CertificateInfo {
  return {
    subject: cert.subject.replaceAll("\n", ", "),
    notBeforeMs: Date.parse(cert.validFrom),
    notAfterMs: Date.parse(cert.validTo),
  };
}
