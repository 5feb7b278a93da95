/**
 * The NTP packet (RFC 5905 §7.3), as SNTP (RFC 4330) clients and servers use
 * it: the 48-byte header, no extension fields, no MAC. Pure: bytes in, values out.
 *
 * Timestamps stay in their wire form ({@linkcode NtpTimestamp}) so a client
 * can compare the originate timestamp with its nonce bit for bit, and a
 * server can copy the request's transmit timestamp unchanged.
 *
 * @module
 */
import { RFC868_EPOCH_OFFSET, RFC868_ERA_SECONDS, unixFromTimeValue } from "./codec.ts";

/** RFC 5905 §7.2: the NTP port, UDP. */
export const NTP_PORT = 123;

/** RFC 5905 §7.3: the header without extension fields or MAC, in octets. */
export const NTP_PACKET_LENGTH = 48;

/** RFC 5905 §6: seconds from the NTP prime epoch (1900) to the Unix epoch, as in RFC 868. */
export const NTP_UNIX_OFFSET = RFC868_EPOCH_OFFSET;

/** RFC 5905 §7.3: association modes. */
export const NTP_MODE = {
  SYMMETRIC_ACTIVE: 1,
  SYMMETRIC_PASSIVE: 2,
  CLIENT: 3,
  SERVER: 4,
  BROADCAST: 5,
  /** RFC 9327: NTP control messages (`ntpq`). */
  CONTROL: 6,
  /** Reserved for private use (`ntpdc`'s `monlist`, the amplification vector). */
  PRIVATE: 7,
} as const;

/** RFC 5905 §7.3: leap indicator 3, "unknown (clock unsynchronized)". */
export const LEAP_UNSYNCHRONISED = 3;

/** RFC 5905 §7.3: stratum 16 means unsynchronised; 0 marks a kiss-o'-death. */
export const STRATUM_UNSYNCHRONISED = 16;

/** An NTP 64-bit timestamp as on the wire: seconds since 1900 (mod 2^32) and a 2^-32 s fraction. */
export interface NtpTimestamp {
  /** Unsigned 32-bit seconds of the era. */
  seconds: number;
  /** Unsigned 32-bit fraction of a second, in units of 2^-32 s. */
  fraction: number;
}

/** The fields of an NTP header (RFC 5905 §7.3). */
export interface NtpPacket {
  /** Leap indicator, 0–3 (3: unsynchronised). */
  leap: number;
  /** Version number, 1–7 (3 and 4 are spoken). */
  version: number;
  /** Association mode, 0–7 ({@linkcode NTP_MODE}). */
  mode: number;
  /** 0 kiss-o'-death, 1 primary, 2–15 secondary, 16 unsynchronised. */
  stratum: number;
  /** log2 of the poll interval in seconds (signed). */
  poll: number;
  /** log2 of the clock's precision in seconds (signed). */
  precision: number;
  /** Round-trip delay to the reference clock, in seconds. */
  rootDelay: number;
  /** Dispersion to the reference clock, in seconds. */
  rootDispersion: number;
  /** The four reference-ID octets (an ASCII code at stratum 0–1, an address otherwise). */
  refid: Uint8Array;
  reference: NtpTimestamp;
  /** T1 as the server saw it: the client's transmit timestamp, copied. */
  origin: NtpTimestamp;
  /** T2: when the server received the request. */
  receive: NtpTimestamp;
  /** T3: when the server sent the reply. */
  transmit: NtpTimestamp;
}

/** Bad wire data: fewer bytes than an NTP header. */
export class NtpPacketError extends SyntaxError {
  /** How many bytes arrived. */
  readonly received: number;
  constructor(received: number) {
    super(
      `Cannot decode NTP packet: expected at least ${NTP_PACKET_LENGTH} bytes, received ${received}`,
    );
    this.name = "NtpPacketError";
    this.received = received;
  }
}

const ZERO_TIMESTAMP: NtpTimestamp = { seconds: 0, fraction: 0 };

/**
 * The NTP timestamp of a Unix time, wrapping into era 0 or 1 as the wire does.
 *
 * @param unixSeconds seconds since 1970 (fractions kept to 2^-32 s)
 * @returns the wire timestamp
 * @throws {RangeError} if `unixSeconds` is not finite
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ntpTimestamp } from "./ntp_packet.ts";
 *
 * assert.deepEqual(ntpTimestamp(0.5), { seconds: 2208988800, fraction: 2 ** 31 });
 * // 2036-02-07T06:28:16Z is the start of era 1: seconds 0 again.
 * assert.equal(ntpTimestamp(2085978496).seconds, 0);
 * ```
 */
export function ntpTimestamp(unixSeconds: number): NtpTimestamp {
  if (!Number.isFinite(unixSeconds)) {
    throw new RangeError(`Cannot encode NTP timestamp: ${unixSeconds} is not a finite number`);
  }
  const whole = Math.floor(unixSeconds);
  let fraction = Math.round((unixSeconds - whole) * 2 ** 32);
  let seconds = whole + NTP_UNIX_OFFSET;
  if (fraction >= 2 ** 32) {
    fraction -= 2 ** 32;
    seconds += 1;
  }
  return {
    seconds: ((seconds % RFC868_ERA_SECONDS) + RFC868_ERA_SECONDS) % RFC868_ERA_SECONDS,
    fraction,
  };
}

/**
 * Writes the NTP timestamp of a Unix time into 8 bytes at `at`, as
 * {@linkcode ntpTimestamp} computes it, without making an object (a
 * server's hot path).
 *
 * @param bytes the packet
 * @param at where the timestamp starts (24 origin, 32 receive, 40 transmit)
 * @param unixSeconds seconds since 1970 (fractions kept to 2^-32 s)
 * @throws {RangeError} if `unixSeconds` is not finite
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeNtpPacket, ntpTimestamp, writeNtpTimestamp } from "./ntp_packet.ts";
 *
 * const packet = new Uint8Array(48);
 * writeNtpTimestamp(packet, 40, 1_700_000_000.25);
 * assert.deepEqual(decodeNtpPacket(packet).transmit, ntpTimestamp(1_700_000_000.25));
 * ```
 */
export function writeNtpTimestamp(bytes: Uint8Array, at: number, unixSeconds: number): void {
  const { seconds, fraction } = ntpTimestamp(unixSeconds);
  bytes[at] = seconds >>> 24;
  bytes[at + 1] = (seconds >>> 16) & 0xff;
  bytes[at + 2] = (seconds >>> 8) & 0xff;
  bytes[at + 3] = seconds & 0xff;
  bytes[at + 4] = fraction >>> 24;
  bytes[at + 5] = (fraction >>> 16) & 0xff;
  bytes[at + 6] = (fraction >>> 8) & 0xff;
  bytes[at + 7] = fraction & 0xff;
}

/**
 * The Unix time of an NTP timestamp, in the era that puts it nearest
 * `referenceUnixSeconds` (the same rule RFC 868 values are read by).
 *
 * @param timestamp the wire timestamp
 * @param referenceUnixSeconds the clock to be near (the local clock, or the build date)
 * @returns seconds since 1970, with the fraction
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unixFromNtpTimestamp } from "./ntp_packet.ts";
 *
 * // Seconds 0 read in 2035 is the first second of era 1: 2036-02-07T06:28:16Z.
 * const unix = unixFromNtpTimestamp({ seconds: 0, fraction: 0 }, Date.UTC(2035, 0, 1) / 1000);
 * assert.equal(unix, 2085978496);
 * ```
 */
export function unixFromNtpTimestamp(
  timestamp: NtpTimestamp,
  referenceUnixSeconds: number,
): number {
  return unixFromTimeValue(timestamp.seconds, referenceUnixSeconds) + timestamp.fraction / 2 ** 32;
}

/**
 * Whether two wire timestamps are the same bits (how a client matches its nonce).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sameTimestamp } from "./ntp_packet.ts";
 *
 * assert(sameTimestamp({ seconds: 1, fraction: 2 }, { seconds: 1, fraction: 2 }));
 * assert(!sameTimestamp({ seconds: 1, fraction: 2 }, { seconds: 1, fraction: 3 }));
 * ```
 */
export function sameTimestamp(a: NtpTimestamp, b: NtpTimestamp): boolean {
  return a.seconds === b.seconds && a.fraction === b.fraction;
}

/**
 * Whether a timestamp is zero (RFC 5905: "unknown"; a reply's transmit timestamp must not be).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isZeroTimestamp } from "./ntp_packet.ts";
 *
 * assert(isZeroTimestamp({ seconds: 0, fraction: 0 }));
 * ```
 */
export function isZeroTimestamp(timestamp: NtpTimestamp): boolean {
  return timestamp.seconds === 0 && timestamp.fraction === 0;
}

/** Fields of {@linkcode encodeNtpPacket} that may be left out (they are zero). */
export type NtpPacketInit = Partial<NtpPacket> & Pick<NtpPacket, "version" | "mode">;

/**
 * Encodes an NTP header: 48 bytes, big-endian.
 *
 * @param packet the fields; those left out are zero
 * @returns the 48 bytes
 * @throws {RangeError} for a field outside its wire range
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeNtpPacket, NTP_MODE } from "./ntp_packet.ts";
 *
 * const request = encodeNtpPacket({ version: 4, mode: NTP_MODE.CLIENT });
 * assert.equal(request.length, 48);
 * assert.equal(request[0], 0x23); // LI 0, VN 4, mode 3
 * ```
 */
export function encodeNtpPacket(packet: NtpPacketInit): Uint8Array {
  const { leap = 0, version, mode, stratum = 0, poll = 0, precision = 0 } = packet;
  checkRange("leap", leap, 0, 3);
  checkRange("version", version, 0, 7);
  checkRange("mode", mode, 0, 7);
  checkRange("stratum", stratum, 0, 255);
  checkRange("poll", poll, -128, 127);
  checkRange("precision", precision, -128, 127);
  const bytes = new Uint8Array(NTP_PACKET_LENGTH);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, (leap << 6) | (version << 3) | mode);
  view.setUint8(1, stratum);
  view.setInt8(2, poll);
  view.setInt8(3, precision);
  view.setUint32(4, shortFormat("rootDelay", packet.rootDelay ?? 0));
  view.setUint32(8, shortFormat("rootDispersion", packet.rootDispersion ?? 0));
  if (packet.refid) bytes.set(packet.refid.subarray(0, 4), 12);
  const stamps = [packet.reference, packet.origin, packet.receive, packet.transmit];
  stamps.forEach((stamp = ZERO_TIMESTAMP, i) => {
    view.setUint32(16 + i * 8, stamp.seconds);
    view.setUint32(20 + i * 8, stamp.fraction);
  });
  return bytes;
}

/**
 * Decodes an NTP header; bytes past the 48th (extension fields, a MAC) are ignored.
 *
 * @param bytes the datagram
 * @returns the fields
 * @throws {NtpPacketError} when fewer than 48 bytes arrived
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeNtpPacket, encodeNtpPacket, NTP_MODE } from "./ntp_packet.ts";
 *
 * const sent = { version: 4, mode: NTP_MODE.SERVER, stratum: 2, rootDelay: 0.5 };
 * const packet = decodeNtpPacket(encodeNtpPacket(sent));
 * assert.equal(packet.stratum, 2);
 * assert.equal(packet.rootDelay, 0.5);
 * ```
 */
export function decodeNtpPacket(bytes: Uint8Array): NtpPacket {
  if (bytes.length < NTP_PACKET_LENGTH) throw new NtpPacketError(bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, NTP_PACKET_LENGTH);
  const first = view.getUint8(0);
  const stamp = (at: number): NtpTimestamp => ({
    seconds: view.getUint32(at),
    fraction: view.getUint32(at + 4),
  });
  return {
    leap: first >> 6,
    version: (first >> 3) & 7,
    mode: first & 7,
    stratum: view.getUint8(1),
    poll: view.getInt8(2),
    precision: view.getInt8(3),
    rootDelay: view.getUint32(4) / 65536,
    rootDispersion: view.getUint32(8) / 65536,
    refid: bytes.slice(12, 16),
    reference: stamp(16),
    origin: stamp(24),
    receive: stamp(32),
    transmit: stamp(40),
  };
}

/**
 * The reference ID as a person reads it: the ASCII code at stratum 0 (a
 * kiss code such as `DENY`) and 1 (a source such as `GPS`), a dotted IPv4
 * address (or an IPv6 address's hash, shown the same way) above.
 *
 * @param refid the four octets
 * @param stratum the packet's stratum
 * @returns e.g. `RATE`, `GPS`, `192.0.2.1`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { refidText } from "./ntp_packet.ts";
 *
 * assert.equal(refidText(new TextEncoder().encode("DENY"), 0), "DENY");
 * assert.equal(refidText(new Uint8Array([192, 0, 2, 1]), 3), "192.0.2.1");
 * ```
 */
export function refidText(refid: Uint8Array, stratum: number): string {
  if (stratum <= 1) {
    const text = String.fromCharCode(...refid).replace(/\0+$/, "");
    // Only printable ASCII is shown as text; anything else as its octets.
    if (/^[\x20-\x7e]*$/.test(text)) return text;
  }
  return Array.from(refid.subarray(0, 4)).join(".");
}

/** The four-timestamp result of RFC 5905 §8. */
export interface NtpOffsetDelay {
  /** θ: server clock minus client clock, seconds. */
  offset: number;
  /** δ: round-trip delay excluding the server's own time, seconds. */
  delay: number;
}

/**
 * Offset and delay from the four timestamps (RFC 5905 §8), all as Unix seconds:
 * θ = ((T2 − T1) + (T3 − T4)) / 2, δ = (T4 − T1) − (T3 − T2).
 *
 * @param t1 client transmit (local clock)
 * @param t2 server receive
 * @param t3 server transmit
 * @param t4 client receive (local clock)
 * @returns θ and δ, seconds; δ below zero means the timestamps cannot be right
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ntpOffsetDelay } from "./ntp_packet.ts";
 *
 * // The server is 3 s ahead; 20 ms each way; 10 ms inside the server.
 * const { offset, delay } = ntpOffsetDelay([100, 103.02, 103.03, 100.05]);
 * assert(Math.abs(offset - 3) < 1e-9 && Math.abs(delay - 0.04) < 1e-9);
 * ```
 */
export function ntpOffsetDelay(
  [t1, t2, t3, t4]: readonly [number, number, number, number],
): NtpOffsetDelay {
  return { offset: ((t2 - t1) + (t3 - t4)) / 2, delay: (t4 - t1) - (t3 - t2) };
}

function shortFormat(name: string, seconds: number): number {
  // RFC 5905 §6: NTP short format, 16.16 fixed point, unsigned.
  checkRange(name, seconds, 0, 0xffff_ffff / 65536);
  return Math.round(seconds * 65536);
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`Cannot encode NTP packet: ${name} ${value} is outside ${min}…${max}`);
  }
}
