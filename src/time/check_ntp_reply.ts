/**
 * The SNTP client's acceptance rules (RFC 4330 §5, RFC 5905 §8 and its
 * Figure 22 tests, RFC 8633 §5.4): what a datagram must be before its
 * timestamps are believed. Pure: bytes and the nonces sent in, a verdict out.
 * The source address and port are checked by the socket's owner before this.
 *
 * A datagram that is not an answer to our request (too short, not mode 4, an
 * unknown version, an originate timestamp that is not our nonce) is
 * `ignore`d: anyone can send one, so the client keeps waiting for the real
 * reply. A datagram that does carry our nonce is the server's own word; if it
 * is not a usable time (a kiss-o'-death, an unsynchronised or distant server,
 * no transmit timestamp) it is `final` for that request.
 *
 * @module
 */
import {
  decodeNtpPacket,
  isZeroTimestamp,
  LEAP_UNSYNCHRONISED,
  NTP_MODE,
  NTP_PACKET_LENGTH,
  type NtpPacket,
  type NtpTimestamp,
  refidText,
  sameTimestamp,
  STRATUM_UNSYNCHRONISED,
} from "./ntp_packet.ts";
import type { TimeQueryFailure } from "./time_query_error.ts";

/**
 * The largest root distance (root delay / 2 + root dispersion, RFC 5905 §10)
 * a reply may carry, in seconds. RFC 5905 §7.2 sets MAXDIST to 1 s for its
 * selection; chrony's `maxdistance` is 3 s and timesyncd's 5 s. An SNTP client
 * that asks once sits in between.
 */
export const MAX_ROOT_DISTANCE_S = 1.5;

/** What {@linkcode checkNtpReply} decided. */
export type NtpVerdict =
  | {
    verdict: "accept";
    packet: NtpPacket;
    /** Root delay / 2 + root dispersion, seconds (RFC 5905 §10). */
    rootDistanceS: number;
  }
  | {
    /** Not an answer to our request: wait for another. */
    verdict: "ignore";
    reason: string;
  }
  | {
    /** The server answered us, and the answer is not a time. */
    verdict: "final";
    kind: TimeQueryFailure;
    reason: string;
    /** The kiss code of a kiss-o'-death (RFC 5905 §7.4), e.g. `RATE`. */
    kiss?: string;
  };

/** RFC 5905 §7.4: the kiss codes a client must act on, and what each tells the user. */
const KISS_CODES: Record<string, [TimeQueryFailure, string]> = {
  DENY: ["kiss-deny", "the server refuses us"],
  RSTR: ["kiss-deny", "the server restricts us"],
  RATE: ["kiss-rate", "the server asks us to slow down"],
};

/**
 * Checks a datagram from the server asked against the nonces (transmit
 * timestamps) sent to it, in the order RFC 5905 §8 and §7.4 give.
 *
 * @param bytes the datagram
 * @param nonces the transmit timestamps of the requests sent (resends each get their own)
 * @returns `accept` with the packet, `ignore` with why, or `final` with the kind and message
 * @example A reply that carries the nonce, from a stratum-2 server
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkNtpReply } from "./check_ntp_reply.ts";
 * import { encodeNtpPacket, NTP_MODE } from "./ntp_packet.ts";
 *
 * const nonce = { seconds: 123, fraction: 456 };
 * const reply = encodeNtpPacket({
 *   version: 4, mode: NTP_MODE.SERVER, stratum: 2, origin: nonce,
 *   receive: { seconds: 1, fraction: 0 }, transmit: { seconds: 1, fraction: 1 },
 * });
 * assert.equal(checkNtpReply(reply, [nonce]).verdict, "accept");
 * assert.equal(checkNtpReply(reply, [{ seconds: 9, fraction: 9 }]).verdict, "ignore");
 * ```
 */
export function checkNtpReply(bytes: Uint8Array, nonces: readonly NtpTimestamp[]): NtpVerdict {
  if (bytes.length < NTP_PACKET_LENGTH) {
    return {
      verdict: "ignore",
      reason: `truncated reply: expected at least ${NTP_PACKET_LENGTH} bytes, received ` +
        bytes.length,
    };
  }
  const packet = decodeNtpPacket(bytes);
  if (packet.mode !== NTP_MODE.SERVER) {
    return { verdict: "ignore", reason: `not a server reply (mode ${packet.mode}, expected 4)` };
  }
  if (packet.version !== 3 && packet.version !== 4) {
    return { verdict: "ignore", reason: `unsupported NTP version ${packet.version}` };
  }
  // RFC 8633 §5.4: even a kiss-o'-death counts only with our nonce in it.
  if (!nonces.some((nonce) => sameTimestamp(nonce, packet.origin))) {
    return {
      verdict: "ignore",
      reason: "reply does not answer our request (its originate timestamp is not our nonce)",
    };
  }
  return _checkServerWord(packet);
}

/** The rules for a reply that carries our nonce: its content must be a usable time. */
function _checkServerWord(packet: NtpPacket): NtpVerdict {
  if (packet.stratum === 0) return _kissOfDeath(packet);
  if (packet.stratum >= STRATUM_UNSYNCHRONISED) {
    return {
      verdict: "final",
      kind: "unsynchronised",
      reason: packet.stratum === STRATUM_UNSYNCHRONISED
        ? `server is unsynchronised (stratum ${packet.stratum})`
        : `server sent an invalid stratum (${packet.stratum})`,
    };
  }
  if (packet.leap === LEAP_UNSYNCHRONISED) {
    return {
      verdict: "final",
      kind: "unsynchronised",
      reason: "server is unsynchronised (leap indicator 3: its clock is not set)",
    };
  }
  if (isZeroTimestamp(packet.transmit)) {
    return {
      verdict: "final",
      kind: "bad-reply",
      reason: "server sent no time (its transmit timestamp is zero)",
    };
  }
  // RFC 5905 Figure 22, test 3: without T2 the offset and delay are nonsense.
  if (isZeroTimestamp(packet.receive)) {
    return {
      verdict: "final",
      kind: "bad-reply",
      reason: "server sent no receive timestamp (it is zero)",
    };
  }
  const rootDistanceS = packet.rootDelay / 2 + packet.rootDispersion;
  if (!(rootDistanceS < MAX_ROOT_DISTANCE_S)) {
    return {
      verdict: "final",
      kind: "unsynchronised",
      reason: `server is too far from its reference clock: root distance ` +
        `${rootDistanceS.toFixed(3)} s (at most ${MAX_ROOT_DISTANCE_S} s is believed)`,
    };
  }
  return { verdict: "accept", packet, rootDistanceS };
}

/**
 * Stratum 0: a kiss code in the refid (RFC 5905 §7.4), or, with no printable
 * code, the unsynchronised reply chrony sends (stratum 16 mapped to 0 on the wire).
 */
function _kissOfDeath(packet: NtpPacket): NtpVerdict {
  const code = refidText(packet.refid, 0);
  if (!/^[A-Z][A-Z0-9]{1,3}$/.test(code)) {
    return {
      verdict: "final",
      kind: "unsynchronised",
      reason: "server is unsynchronised (stratum 0 without a kiss code)",
    };
  }
  const [kind, meaning] = KISS_CODES[code] ?? ["kiss", "the server sent no time"];
  return { verdict: "final", kind, reason: `kiss-o'-death ${code}: ${meaning}`, kiss: code };
}
