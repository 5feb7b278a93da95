/**
 * The SNTP server's wire rules (RFC 5905 §7.3, §8, §9.2; RFC 4330 §5),
 * pure: which requests are answered, and the bytes of the answer.
 *
 * - Only a client request (mode 3) of version 3 or 4 and at least 48 bytes
 *   is answered. Mode 6 (control) and 7 (private: `monlist`, the
 *   amplification vector), mode 4/5 (another server's reply or broadcast,
 *   which is how two servers would loop), other versions, short and empty
 *   datagrams get nothing.
 * - The reply is 48 bytes, never more than the request: version copied,
 *   mode 4, poll copied, originate = the request's transmit timestamp, bit
 *   for bit; receive and transmit are the server's times.
 * - A kiss-o'-death (RFC 5905 §7.4) carries stratum 0, a four-letter code and
 *   no time at all (receive and transmit zero).
 *
 * @module
 */
import {
  encodeNtpPacket,
  LEAP_UNSYNCHRONISED,
  NTP_MODE,
  ntpTimestamp,
  writeNtpTimestamp,
} from "./ntp_packet.ts";

/** RFC 5905 §7.3: the header's length; shorter requests are not NTP. */
const HEADER_BYTES = 48;
/** RFC 5905 §7.3 offsets: poll, originate, receive, transmit. */
const POLL_AT = 2;
const ORIGIN_AT = 24;
const RECEIVE_AT = 32;
const TRANSMIT_AT = 40;

/** The fields of the server's replies that do not depend on the request. */
export interface NtpReplyFields {
  /** Leap indicator: 0–2, or 3 when unsynchronised. */
  leap: number;
  /** 1–15, or 16 when unsynchronised. */
  stratum: number;
  /** log2 of the clock's precision in seconds. */
  precision: number;
  /** Seconds (NTP short format). */
  rootDelay: number;
  /** Seconds (NTP short format). */
  rootDispersion: number;
  /** Four octets. */
  refid: Uint8Array;
  /** When the clock was last known good, Unix seconds; 0 when never. */
  referenceUnixS: number;
}

/**
 * The version to answer a datagram with, or 0 when it gets no answer.
 *
 * @param request the datagram
 * @returns 3 or 4 for a client request (mode 3) of at least 48 bytes, else 0
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { answerableVersion } from "./_ntp_answer.ts";
 *
 * const request = new Uint8Array(48);
 * request[0] = 0x23; // version 4, mode 3
 * assert.equal(answerableVersion(request), 4);
 * request[0] = 0x26; // version 4, mode 6: a control message
 * assert.equal(answerableVersion(request), 0);
 * assert.equal(answerableVersion(new Uint8Array(47).fill(0x23)), 0);
 * ```
 */
export function answerableVersion(request: Uint8Array): number {
  if (request.length < HEADER_BYTES) return 0;
  const first = request[0];
  if ((first & 7) !== NTP_MODE.CLIENT) return 0;
  const version = (first >> 3) & 7;
  return version === 3 || version === 4 ? version : 0;
}

/**
 * The 48 bytes every reply starts from: leap, stratum, precision, root delay
 * and dispersion, reference ID and reference timestamp filled in; version,
 * mode, poll and the three other timestamps are the request's part.
 *
 * @param fields the server's state
 * @returns the template (copy it; never send it)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ntpReplyTemplate } from "./_ntp_answer.ts";
 *
 * const refid = new Uint8Array([127, 127, 1, 1]);
 * const fields = { leap: 0, stratum: 3, precision: -18, rootDelay: 0, rootDispersion: 0, refid, referenceUnixS: 0 };
 * const template = ntpReplyTemplate(fields);
 * assert.equal(template[1], 3);
 * assert.deepEqual([...template.subarray(12, 16)], [127, 127, 1, 1]);
 * ```
 */
export function ntpReplyTemplate(fields: NtpReplyFields): Uint8Array {
  return encodeNtpPacket({
    leap: fields.leap,
    version: 0,
    mode: 0,
    stratum: fields.stratum,
    precision: fields.precision,
    rootDelay: fields.rootDelay,
    rootDispersion: fields.rootDispersion,
    refid: fields.refid,
    reference: fields.referenceUnixS > 0 ? ntpTimestamp(fields.referenceUnixS) : undefined,
  });
}

/**
 * The reply to an answerable request, its transmit timestamp still to be
 * written ({@linkcode stampTransmit}) just before it is sent.
 *
 * @param request a datagram {@linkcode answerableVersion} accepted
 * @param template from {@linkcode ntpReplyTemplate}
 * @param receiveUnixS when the request was read, Unix seconds
 * @returns a new 48-byte reply
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ntpReply, ntpReplyTemplate, stampTransmit } from "./_ntp_answer.ts";
 * import { decodeNtpPacket, encodeNtpPacket } from "./ntp_packet.ts";
 *
 * const nonce = { seconds: 123, fraction: 456 };
 * const request = encodeNtpPacket({ version: 3, mode: 3, poll: 6, transmit: nonce });
 * const refid = new Uint8Array(4);
 * const template = ntpReplyTemplate({ leap: 0, stratum: 3, precision: -18, rootDelay: 0, rootDispersion: 0, refid, referenceUnixS: 0 });
 * const reply = stampTransmit(ntpReply(request, template, 1_700_000_000), 1_700_000_000.001);
 * const packet = decodeNtpPacket(reply);
 * assert.equal(packet.version, 3);
 * assert.equal(packet.mode, 4);
 * assert.equal(packet.poll, 6);
 * assert.deepEqual(packet.origin, nonce);
 * ```
 */
export function ntpReply(
  request: Uint8Array,
  template: Uint8Array,
  receiveUnixS: number,
): Uint8Array {
  const reply = _replyBytes();
  reply.set(template);
  reply[0] = (template[0] & 0xc0) | (((request[0] >> 3) & 7) << 3) | NTP_MODE.SERVER;
  reply[POLL_AT] = request[POLL_AT];
  // Byte by byte: a subarray() view per request costs more than the copy.
  for (let i = 0; i < 8; i++) reply[ORIGIN_AT + i] = request[TRANSMIT_AT + i];
  writeNtpTimestamp(reply, RECEIVE_AT, receiveUnixS);
  return reply;
}

/** Replies carved from one buffer at a time: a small typed array of its own costs ~1 µs on V8. */
const SLAB_REPLIES = 1024;
let slab = new ArrayBuffer(0);
let slabAt = 0;

/**
 * 48 fresh bytes for a reply. A buffer is never reused: when it is used up
 * a new one is made, and the old one lives as long as any reply in it (a
 * send still in flight keeps its bytes).
 */
function _replyBytes(): Uint8Array {
  if (slabAt + HEADER_BYTES > slab.byteLength) {
    slab = new ArrayBuffer(HEADER_BYTES * SLAB_REPLIES);
    slabAt = 0;
  }
  const bytes = new Uint8Array(slab, slabAt, HEADER_BYTES);
  slabAt += HEADER_BYTES;
  return bytes;
}

/**
 * Writes the transmit timestamp into a reply.
 *
 * @param reply from {@linkcode ntpReply}
 * @param transmitUnixS the time now, Unix seconds
 * @returns the same reply
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stampTransmit } from "./_ntp_answer.ts";
 * import { decodeNtpPacket, ntpTimestamp } from "./ntp_packet.ts";
 *
 * const reply = stampTransmit(new Uint8Array(48), 1_700_000_000.5);
 * assert.deepEqual(decodeNtpPacket(reply).transmit, ntpTimestamp(1_700_000_000.5));
 * ```
 */
export function stampTransmit(reply: Uint8Array, transmitUnixS: number): Uint8Array {
  writeNtpTimestamp(reply, TRANSMIT_AT, transmitUnixS);
  return reply;
}

/**
 * A kiss-o'-death (RFC 5905 §7.4) for an answerable request: leap 3,
 * stratum 0, the code as reference ID, originate copied so the client can
 * tell it is meant for it (RFC 8633 §5.4), and no time (receive and
 * transmit zero).
 *
 * @param request a datagram {@linkcode answerableVersion} accepted
 * @param code the kiss code, e.g. `RATE`
 * @returns a new 48-byte packet
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kissOfDeath } from "./_ntp_answer.ts";
 * import { decodeNtpPacket, encodeNtpPacket, isZeroTimestamp, refidText } from "./ntp_packet.ts";
 *
 * const request = encodeNtpPacket({ version: 4, mode: 3, transmit: { seconds: 9, fraction: 9 } });
 * const kiss = decodeNtpPacket(kissOfDeath(request, "RATE"));
 * assert.equal(kiss.stratum, 0);
 * assert.equal(refidText(kiss.refid, 0), "RATE");
 * assert(isZeroTimestamp(kiss.transmit) && kiss.origin.seconds === 9);
 * ```
 */
export function kissOfDeath(request: Uint8Array, code: string): Uint8Array {
  const kiss = encodeNtpPacket({
    leap: LEAP_UNSYNCHRONISED,
    version: (request[0] >> 3) & 7,
    mode: NTP_MODE.SERVER,
    stratum: 0,
    poll: (request[POLL_AT] << 24) >> 24,
    refid: new TextEncoder().encode(code.padEnd(4, "\0").slice(0, 4)),
  });
  kiss.set(request.subarray(TRANSMIT_AT, TRANSMIT_AT + 8), ORIGIN_AT);
  return kiss;
}
