/**
 * RFC 868 time values: encoding, and decoding with era selection.
 *
 * The wire value is an unsigned 32-bit count of seconds since
 * 1900-01-01T00:00:00Z. It wrapped past 2^31 in 1968 (so reading it as signed
 * is wrong today) and wraps to 0 at 2036-02-07T06:28:16Z. Decoding therefore
 * picks the era (1900 + k·2^32 s) nearest a reference clock.
 *
 * @module
 */

/** RFC 868: seconds from 1900-01-01 to 1970-01-01 (the Unix epoch). */
export const RFC868_EPOCH_OFFSET = 2_208_988_800;

/** RFC 868: the value is 32 bits, so one era is 2^32 seconds (~136 years). */
export const RFC868_ERA_SECONDS = 2 ** 32;

/** RFC 868: the well-known port, TCP and UDP. */
export const RFC868_PORT = 37;

/** RFC 868: a reply is exactly 4 octets. */
export const RFC868_REPLY_LENGTH = 4;

/**
 * Bad wire data: a reply that is not a 4-byte time value (RFC 868).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeTime, TimeReplyError } from "./codec.ts";
 *
 * assert.throws(() => decodeTime(new Uint8Array(3), 0), (e) => {
 *   assert.ok(e instanceof TimeReplyError && e instanceof SyntaxError);
 *   assert.equal(e.received, 3);
 *   assert.equal(e.message, "Cannot decode time reply: expected 4 bytes, received 3");
 *   return true;
 * });
 * ```
 */
export class TimeReplyError extends SyntaxError {
  /** How many bytes arrived. */
  readonly received: number;
  constructor(received: number) {
    super(`Cannot decode time reply: expected 4 bytes, received ${received}`);
    this.name = "TimeReplyError";
    this.received = received;
  }
}

/**
 * The RFC 868 value for a Unix time: whole seconds since 1900, modulo 2^32.
 *
 * @param unixSeconds seconds since 1970-01-01T00:00:00Z (fractions are truncated)
 * @returns the 32-bit value, 0 … 2^32−1
 * @throws {RangeError} if `unixSeconds` is not finite
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timeValue } from "./codec.ts";
 *
 * assert(timeValue(0) === 2208988800);
 * ```
 */
export function timeValue(unixSeconds: number): number {
  if (!Number.isFinite(unixSeconds)) {
    throw new RangeError(`Cannot encode time: ${unixSeconds} is not a finite number`);
  }
  const seconds = Math.floor(unixSeconds) + RFC868_EPOCH_OFFSET;
  return ((seconds % RFC868_ERA_SECONDS) + RFC868_ERA_SECONDS) % RFC868_ERA_SECONDS;
}

/**
 * Encodes a Unix time as the 4-byte big-endian RFC 868 reply.
 *
 * @param unixSeconds seconds since 1970-01-01T00:00:00Z
 * @returns 4 bytes
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeTime } from "./codec.ts";
 *
 * const bytes = encodeTime(Date.UTC(2036, 1, 7, 6, 28, 20) / 1000);
 * assert(bytes.join() === "0,0,0,4");
 * ```
 */
export function encodeTime(unixSeconds: number): Uint8Array {
  const bytes = new Uint8Array(RFC868_REPLY_LENGTH);
  new DataView(bytes.buffer).setUint32(0, timeValue(unixSeconds));
  return bytes;
}

/**
 * Unix time of an RFC 868 value, in the era that puts it nearest `referenceUnixSeconds`.
 *
 * @param value the unsigned 32-bit value
 * @param referenceUnixSeconds the clock to be near (the local clock, or the build date)
 * @returns seconds since 1970-01-01T00:00:00Z
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unixFromTimeValue } from "./codec.ts";
 *
 * // A 2026 client reads the last value of era 0 as 2036-02-07T06:28:15Z.
 * assert(unixFromTimeValue(4294967295, Date.UTC(2026, 0, 1) / 1000) === 2085978495);
 * ```
 */
export function unixFromTimeValue(value: number, referenceUnixSeconds: number): number {
  const eraZero = value - RFC868_EPOCH_OFFSET;
  const era = Math.round((referenceUnixSeconds - eraZero) / RFC868_ERA_SECONDS);
  return eraZero + era * RFC868_ERA_SECONDS;
}

/**
 * Decodes a 4-byte RFC 868 reply.
 *
 * @param bytes the reply
 * @param referenceUnixSeconds the clock to pick the era by
 * @returns the raw value and the Unix time it stands for
 * @throws {TimeReplyError} if `bytes` is not exactly 4 bytes long
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeTime } from "./codec.ts";
 *
 * const { value, unix } = decodeTime(new Uint8Array([0x83, 0xaa, 0x7e, 0x80]), 0);
 * assert(value === 2208988800 && unix === 0);
 * ```
 */
export function decodeTime(
  bytes: Uint8Array,
  referenceUnixSeconds: number,
): { value: number; unix: number } {
  if (bytes.length !== RFC868_REPLY_LENGTH) throw new TimeReplyError(bytes.length);
  const value = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  return { value, unix: unixFromTimeValue(value, referenceUnixSeconds) };
}
