/** The SNTP server's wire rules, on hand-made packets. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  answerableVersion,
  kissOfDeath,
  ntpReply,
  ntpReplyTemplate,
  stampTransmit,
} from "../../src/time/_ntp_answer.ts";
import {
  decodeNtpPacket,
  encodeNtpPacket,
  isZeroTimestamp,
  NTP_MODE,
  ntpTimestamp,
  refidText,
  unixFromNtpTimestamp,
} from "../../src/time/ntp_packet.ts";

const fields = {
  leap: 0,
  stratum: 3,
  precision: -18,
  rootDelay: 0,
  rootDispersion: 0.25,
  refid: new Uint8Array([192, 0, 2, 7]),
  referenceUnixS: 1_700_000_000,
};

test("answerableVersion() answers only mode 3 of version 3 or 4 and at least 48 bytes", () => {
  for (let version = 0; version <= 7; version++) {
    for (let mode = 0; mode <= 7; mode++) {
      const request = encodeNtpPacket({ version, mode });
      const want = mode === NTP_MODE.CLIENT && (version === 3 || version === 4) ? version : 0;
      assert.equal(answerableVersion(request), want, `version ${version} mode ${mode}`);
    }
  }
  const client = encodeNtpPacket({ version: 4, mode: NTP_MODE.CLIENT });
  assert.equal(answerableVersion(client.subarray(0, 47)), 0, "47 bytes");
  assert.equal(answerableVersion(new Uint8Array(0)), 0, "empty");
  assert.equal(answerableVersion(new Uint8Array([0x23])), 0, "1 byte");
  // A request with extension fields or a MAC is still a request.
  const longer = new Uint8Array(68);
  longer.set(client);
  assert.equal(answerableVersion(longer), 4);
});

test("ntpReply() copies version and poll, sets mode 4, origin = the request's transmit, bit for bit", () => {
  const nonce = { seconds: 0xdeadbeef, fraction: 0x01234567 };
  const request = encodeNtpPacket({ version: 3, mode: 3, poll: -3, transmit: nonce });
  const reply = ntpReply(request, ntpReplyTemplate(fields), 1_800_000_000.5);
  assert.equal(reply.length, 48);
  const packet = decodeNtpPacket(stampTransmit(reply, 1_800_000_000.75));
  assert.equal(packet.version, 3);
  assert.equal(packet.mode, NTP_MODE.SERVER);
  assert.equal(packet.poll, -3);
  assert.equal(packet.leap, 0);
  assert.equal(packet.stratum, 3);
  assert.equal(packet.precision, -18);
  assert.equal(packet.rootDispersion, 0.25);
  assert.equal(refidText(packet.refid, packet.stratum), "192.0.2.7");
  assert.deepEqual(packet.origin, nonce);
  assert.deepEqual(packet.receive, ntpTimestamp(1_800_000_000.5));
  assert.deepEqual(packet.transmit, ntpTimestamp(1_800_000_000.75));
  assert.deepEqual(packet.reference, ntpTimestamp(1_700_000_000));
});

test("ntpReply() is 48 bytes for a 68-byte request: never larger than what came in", () => {
  const request = new Uint8Array(68);
  request.set(encodeNtpPacket({ version: 4, mode: 3, transmit: { seconds: 1, fraction: 2 } }));
  request.fill(0xff, 48);
  const reply = ntpReply(request, ntpReplyTemplate(fields), 1_800_000_000);
  assert.equal(reply.length, 48);
  assert.deepEqual(decodeNtpPacket(reply).origin, { seconds: 1, fraction: 2 });
});

test("ntpReply() keeps the template's leap 3 and leaves the template unchanged", () => {
  const template = ntpReplyTemplate({ ...fields, leap: 3, stratum: 16 });
  const before = template.slice();
  const request = encodeNtpPacket({ version: 4, mode: 3 });
  const packet = decodeNtpPacket(ntpReply(request, template, 1_800_000_000));
  assert.equal(packet.leap, 3);
  assert.equal(packet.stratum, 16);
  assert.equal(packet.version, 4);
  assert.deepEqual(template, before);
});

test("ntpReply() timestamps cross the 2036 wrap into era 1 and read back in 2041", () => {
  const in2041 = Date.UTC(2041, 0, 1) / 1000;
  const request = encodeNtpPacket({ version: 4, mode: 3 });
  const packet = decodeNtpPacket(
    stampTransmit(ntpReply(request, ntpReplyTemplate(fields), in2041), in2041),
  );
  assert.ok(packet.transmit.seconds < 2 ** 31, "era 1 seconds are small");
  assert.equal(unixFromNtpTimestamp(packet.transmit, in2041), in2041);
});

test("kissOfDeath() carries stratum 0, the code, the client's origin and no time", () => {
  const nonce = { seconds: 77, fraction: 88 };
  const request = encodeNtpPacket({ version: 3, mode: 3, poll: 6, transmit: nonce });
  const kiss = kissOfDeath(request, "RATE");
  assert.equal(kiss.length, 48);
  const packet = decodeNtpPacket(kiss);
  assert.equal(packet.stratum, 0);
  assert.equal(packet.leap, 3);
  assert.equal(packet.mode, NTP_MODE.SERVER);
  assert.equal(packet.version, 3);
  assert.equal(packet.poll, 6);
  assert.equal(refidText(packet.refid, 0), "RATE");
  assert.deepEqual(packet.origin, nonce);
  assert.ok(isZeroTimestamp(packet.receive) && isZeroTimestamp(packet.transmit), "no time");
  assert.ok(isZeroTimestamp(packet.reference));
});
