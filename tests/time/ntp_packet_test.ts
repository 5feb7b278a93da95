import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeNtpPacket,
  encodeNtpPacket,
  isZeroTimestamp,
  NTP_MODE,
  NTP_PACKET_LENGTH,
  ntpOffsetDelay,
  NtpPacketError,
  ntpTimestamp,
  refidText,
  sameTimestamp,
  unixFromNtpTimestamp,
} from "../../src/time/ntp_packet.ts";

const utc = (iso: string) => Date.parse(iso) / 1000;
const NOW_2026 = utc("2026-11-22T00:00:00Z");

test("ntpTimestamp() of the Unix epoch is RFC 5905's 2,208,988,800 s, fraction 0", () => {
  assert.deepEqual(ntpTimestamp(0), { seconds: 2_208_988_800, fraction: 0 });
  assert.deepEqual(ntpTimestamp(0.25), { seconds: 2_208_988_800, fraction: 2 ** 30 });
});

test("ntpTimestamp() wraps into era 1 at 2036-02-07T06:28:16Z", () => {
  assert.deepEqual(ntpTimestamp(utc("2036-02-07T06:28:15Z")), {
    seconds: 0xffff_ffff,
    fraction: 0,
  });
  assert.deepEqual(ntpTimestamp(utc("2036-02-07T06:28:16Z")), { seconds: 0, fraction: 0 });
  // 2041-01-01 is 154,632,704 s into era 1.
  assert.equal(ntpTimestamp(utc("2041-01-01T00:00:00Z")).seconds, 154_632_704);
});

test("ntpTimestamp() carries a fraction that rounds up to a whole second", () => {
  assert.deepEqual(ntpTimestamp(1 - 2 ** -40), { seconds: 2_208_988_801, fraction: 0 });
});

test("ntpTimestamp() refuses a time that is not a number", () => {
  assert.throws(() => ntpTimestamp(NaN), RangeError);
  assert.throws(() => ntpTimestamp(Infinity), RangeError);
});

test("unixFromNtpTimestamp() reads the 2036 wrap both ways, by the reference clock", () => {
  const lastOfEra0 = { seconds: 0xffff_ffff, fraction: 2 ** 31 };
  const firstOfEra1 = { seconds: 0, fraction: 0 };
  const before = utc("2036-02-07T06:00:00Z");
  const after = utc("2036-02-07T07:00:00Z");
  assert.equal(unixFromNtpTimestamp(lastOfEra0, after), utc("2036-02-07T06:28:15Z") + 0.5);
  assert.equal(unixFromNtpTimestamp(firstOfEra1, before), utc("2036-02-07T06:28:16Z"));
  // A 2041 server read by a 2026 client: era 1, not 1905.
  const in2041 = ntpTimestamp(utc("2041-03-01T12:00:00Z"));
  assert.equal(unixFromNtpTimestamp(in2041, NOW_2026), utc("2041-03-01T12:00:00Z"));
});

test("ntpTimestamp() and unixFromNtpTimestamp() round-trip 1970–2105 to within 2^-32 s", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: utc("2105-12-31T00:00:00Z"), noNaN: true }),
      fc.double({ min: -60 * 86400 * 365, max: 60 * 86400 * 365, noNaN: true }),
      (unix, drift) => {
        // The reader's clock may be decades off, but less than half an era (68 years).
        const back = unixFromNtpTimestamp(ntpTimestamp(unix), unix + drift);
        return Math.abs(back - unix) <= 2 ** -31 * Math.max(1, unix / 2 ** 31) + 1e-6;
      },
    ),
  );
});

test("encodeNtpPacket() and decodeNtpPacket() round-trip every field", () => {
  fc.assert(
    fc.property(
      fc.record({
        leap: fc.integer({ min: 0, max: 3 }),
        version: fc.integer({ min: 0, max: 7 }),
        mode: fc.integer({ min: 0, max: 7 }),
        stratum: fc.integer({ min: 0, max: 255 }),
        poll: fc.integer({ min: -128, max: 127 }),
        precision: fc.integer({ min: -128, max: 127 }),
        rootDelay: fc.integer({ min: 0, max: 0xffff_ffff }).map((n) => n / 65536),
        rootDispersion: fc.integer({ min: 0, max: 0xffff_ffff }).map((n) => n / 65536),
        refid: fc.uint8Array({ minLength: 4, maxLength: 4 }),
        reference: stamp(),
        origin: stamp(),
        receive: stamp(),
        transmit: stamp(),
      }),
      (packet) => {
        const bytes = encodeNtpPacket(packet);
        assert.equal(bytes.length, NTP_PACKET_LENGTH);
        assert.deepEqual(decodeNtpPacket(bytes), { ...packet });
      },
    ),
  );
});

function stamp() {
  return fc.tuple(
    fc.integer({ min: 0, max: 0xffff_ffff }),
    fc.integer({ min: 0, max: 0xffff_ffff }),
  )
    .map(([seconds, fraction]) => ({ seconds, fraction }));
}

test("encodeNtpPacket() lays out a client request as RFC 5905 §7.3 draws it", () => {
  const transmit = { seconds: 0x0102_0304, fraction: 0x0506_0708 };
  const bytes = encodeNtpPacket({ version: 4, mode: NTP_MODE.CLIENT, transmit });
  assert.equal(bytes[0], 0b00_100_011);
  assert.deepEqual([...bytes.subarray(1, 40)], new Array(39).fill(0));
  assert.deepEqual([...bytes.subarray(40)], [1, 2, 3, 4, 5, 6, 7, 8]);
});

test("encodeNtpPacket() refuses fields outside their wire range", () => {
  assert.throws(() => encodeNtpPacket({ version: 8, mode: 3 }), RangeError);
  assert.throws(() => encodeNtpPacket({ version: 4, mode: 3, leap: 4 }), RangeError);
  assert.throws(() => encodeNtpPacket({ version: 4, mode: 3, rootDelay: -1 }), RangeError);
});

test("decodeNtpPacket() refuses fewer than 48 bytes and ignores extension bytes past them", () => {
  assert.throws(() => decodeNtpPacket(new Uint8Array(47)), (error: unknown) => {
    assert.ok(error instanceof NtpPacketError && error instanceof SyntaxError);
    assert.equal(error.received, 47);
    assert.match(error.message, /expected at least 48 bytes, received 47/);
    return true;
  });
  const long = new Uint8Array(68);
  long.set(encodeNtpPacket({ version: 4, mode: 4, stratum: 2 }));
  long.fill(0xff, 48);
  assert.equal(decodeNtpPacket(long).stratum, 2);
  // A view into a larger buffer decodes its own bytes, not the buffer's start.
  const framed = new Uint8Array(100);
  framed.set(encodeNtpPacket({ version: 3, mode: 4, stratum: 5 }), 10);
  assert.equal(decodeNtpPacket(framed.subarray(10)).stratum, 5);
});

test("refidText() shows kiss codes and stratum-1 sources as text, others as an address", () => {
  const ascii = (text: string) => new TextEncoder().encode(text.padEnd(4, "\0"));
  assert.equal(refidText(ascii("RATE"), 0), "RATE");
  assert.equal(refidText(ascii("GPS"), 1), "GPS");
  assert.equal(refidText(new Uint8Array([127, 0, 0, 1]), 2), "127.0.0.1");
  assert.equal(refidText(new Uint8Array([1, 2, 200, 255]), 1), "1.2.200.255");
});

test("sameTimestamp() and isZeroTimestamp() compare the wire bits", () => {
  assert.ok(sameTimestamp({ seconds: 7, fraction: 9 }, { seconds: 7, fraction: 9 }));
  assert.ok(!sameTimestamp({ seconds: 7, fraction: 9 }, { seconds: 8, fraction: 9 }));
  assert.ok(isZeroTimestamp({ seconds: 0, fraction: 0 }));
  assert.ok(!isZeroTimestamp({ seconds: 0, fraction: 1 }));
});

test("ntpOffsetDelay() applies RFC 5905 §8 to hand-made timestamps", () => {
  // Server 3 s ahead, 20 ms each way, 10 ms inside the server.
  let r = ntpOffsetDelay([1000, 1003.02, 1003.03, 1000.05]);
  assert.ok(Math.abs(r.offset - 3) < 1e-9);
  assert.ok(Math.abs(r.delay - 0.04) < 1e-9);
  // Server 2 s behind, asymmetric path: the offset error is half the asymmetry.
  r = ntpOffsetDelay([1000, 998.03, 998.03, 1000.04]);
  assert.ok(Math.abs(r.offset - -1.99) < 1e-9);
  assert.ok(Math.abs(r.delay - 0.04) < 1e-9);
  // Timestamps that cannot be right: the server claims more time than the round trip.
  r = ntpOffsetDelay([1000, 1000.01, 1000.2, 1000.05]);
  assert.ok(r.delay < 0, "a negative delay, which callers reject");
});
