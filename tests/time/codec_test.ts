import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeTime,
  encodeTime,
  RFC868_EPOCH_OFFSET,
  TimeReplyError,
  timeValue,
  unixFromTimeValue,
} from "../../src/time/codec.ts";

const utc = (iso: string) => Date.parse(iso) / 1000;
const NOW_2026 = utc("2026-11-22T00:00:00Z");

test("timeValue() gives RFC 868's own examples", () => {
  assert.equal(timeValue(utc("1970-01-01T00:00:00Z")), 2_208_988_800);
  assert.equal(timeValue(utc("1976-01-01T00:00:00Z")), 2_398_291_200);
  assert.equal(timeValue(utc("1980-01-01T00:00:00Z")), 2_524_521_600);
  assert.equal(timeValue(utc("1983-05-01T00:00:00Z")), 2_629_584_000);
});

test("unixFromTimeValue() reads RFC 868's examples back near their own dates", () => {
  for (
    const [value, iso] of [
      [2_208_988_800, "1970-01-01T00:00:00Z"],
      [2_398_291_200, "1976-01-01T00:00:00Z"],
      [2_524_521_600, "1980-01-01T00:00:00Z"],
      [2_629_584_000, "1983-05-01T00:00:00Z"],
    ] as const
  ) {
    assert.equal(unixFromTimeValue(value, utc(iso) + 86400 * 365), utc(iso));
  }
});

test("encodeTime() wraps: a server clock of 2036-02-07T06:28:20Z sends 4", () => {
  assert.deepEqual(encodeTime(utc("2036-02-07T06:28:20Z")), new Uint8Array([0, 0, 0, 4]));
  assert.equal(timeValue(utc("2036-02-07T06:28:16Z")), 0);
  assert.equal(timeValue(utc("2036-02-07T06:28:15Z")), 0xffffffff);
});

test("decodeTime() reads 4 as 2036-02-07T06:28:20Z on a client at 2036-02-07T06:28:19Z", () => {
  const { value, unix } = decodeTime(new Uint8Array([0, 0, 0, 4]), utc("2036-02-07T06:28:19Z"));
  assert.equal(value, 4);
  assert.equal(unix, utc("2036-02-07T06:28:20Z"));
});

test("decodeTime() reads 4294967295 as 2036-02-07T06:28:15Z on a 2026 client", () => {
  const { value, unix } = decodeTime(new Uint8Array([255, 255, 255, 255]), NOW_2026);
  assert.equal(value, 4294967295);
  assert.equal(unix, utc("2036-02-07T06:28:15Z"));
});

test("decodeTime() reads the value as unsigned (values above 2^31 are today's)", () => {
  const bytes = encodeTime(NOW_2026);
  assert.ok(bytes[0] >= 0x80, "2026 is above 2^31 since 1968");
  assert.equal(decodeTime(bytes, NOW_2026).unix, NOW_2026);
});

test("decodeTime() rejects replies that are not 4 bytes with a TimeReplyError", () => {
  for (const length of [0, 3, 5, 8]) {
    assert.throws(
      () => decodeTime(new Uint8Array(length), NOW_2026),
      (e: unknown) =>
        e instanceof TimeReplyError && e instanceof SyntaxError &&
        e.message === `Cannot decode time reply: expected 4 bytes, received ${length}`,
    );
  }
});

test("timeValue() truncates fractions and rejects non-finite times", () => {
  assert.equal(timeValue(0.999), RFC868_EPOCH_OFFSET);
  assert.throws(() => timeValue(NaN), RangeError);
  assert.throws(() => timeValue(Infinity), RangeError);
});

test("encodeTime() and decodeTime() round-trip every second from 1970 to 2105", () => {
  const start = utc("1970-01-01T00:00:00Z");
  const end = utc("2105-12-31T23:59:59Z");
  fc.assert(
    fc.property(
      fc.integer({ min: start, max: end }),
      // The reader's clock may be off by up to ±60 years and still pick the right era.
      fc.integer({ min: -60 * 365 * 86400, max: 60 * 365 * 86400 }),
      (unix, skew) => {
        const { unix: decoded } = decodeTime(encodeTime(unix), unix + skew);
        return decoded === unix;
      },
    ),
    { numRuns: 20_000 },
  );
});

test("unixFromTimeValue() always picks the era nearest the reference", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.integer({ min: utc("1970-01-01T00:00:00Z"), max: utc("2105-12-31T00:00:00Z") }),
      (value, reference) => {
        const unix = unixFromTimeValue(value, reference);
        return timeValue(unix) === value && Math.abs(unix - reference) <= 2 ** 31;
      },
    ),
    { numRuns: 20_000 },
  );
});
