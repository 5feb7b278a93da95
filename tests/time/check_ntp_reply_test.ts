/**
 * checkNtpReply(), rule by rule: a good reply with one field spoiled at a
 * time, so each rule has a test that fails without it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeNtpPacket, NTP_MODE, type NtpPacketInit } from "../../src/time/ntp_packet.ts";
import { checkNtpReply, MAX_ROOT_DISTANCE_S } from "../../src/time/check_ntp_reply.ts";

const NONCE = { seconds: 0x1234_5678, fraction: 0x9abc_def0 };
const OTHER_NONCE = { seconds: 7, fraction: 8 };
const ascii = (text: string) => new TextEncoder().encode(text);

/** A good reply to NONCE, with `change` applied. */
function reply(change: Partial<NtpPacketInit> = {}): Uint8Array {
  return encodeNtpPacket({
    version: 4,
    mode: NTP_MODE.SERVER,
    stratum: 2,
    rootDelay: 0.02,
    rootDispersion: 0.01,
    refid: new Uint8Array([192, 0, 2, 1]),
    origin: NONCE,
    receive: { seconds: 3_900_000_000, fraction: 1 },
    transmit: { seconds: 3_900_000_000, fraction: 2 },
    ...change,
  });
}

function assertVerdict(bytes: Uint8Array, verdict: string, reason?: RegExp, kind?: string) {
  const result = checkNtpReply(bytes, [NONCE]);
  assert.equal(result.verdict, verdict, JSON.stringify(result));
  if (reason && result.verdict !== "accept") assert.match(result.reason, reason);
  if (kind && result.verdict === "final") assert.equal(result.kind, kind);
}

test("checkNtpReply() accepts a good stratum-2 reply carrying the nonce, with its root distance", () => {
  const result = checkNtpReply(reply(), [OTHER_NONCE, NONCE]);
  assert.equal(result.verdict, "accept");
  assert.ok(result.verdict === "accept" && Math.abs(result.rootDistanceS - 0.02) < 1e-4);
  assertVerdict(reply({ version: 3 }), "accept");
  assertVerdict(reply({ stratum: 1, refid: ascii("GPS\0") }), "accept");
  assertVerdict(reply({ stratum: 15 }), "accept");
  // Bytes after the header (extension fields, a MAC) do not matter.
  assertVerdict(new Uint8Array([...reply(), ...new Uint8Array(20)]), "accept");
});

test("checkNtpReply() ignores a datagram shorter than 48 bytes", () => {
  assertVerdict(
    reply().subarray(0, 47),
    "ignore",
    /^truncated reply: .*at least 48 bytes, received 47$/,
  );
  assertVerdict(new Uint8Array(0), "ignore", /received 0$/);
});

test("checkNtpReply() ignores anything but mode 4", () => {
  for (const mode of [0, 1, 2, 3, 5, 6, 7]) {
    assertVerdict(reply({ mode }), "ignore", new RegExp(`not a server reply \\(mode ${mode}`));
  }
});

test("checkNtpReply() ignores versions other than 3 and 4", () => {
  for (const version of [0, 1, 2, 5, 7]) {
    assertVerdict(reply({ version }), "ignore", new RegExp(`unsupported NTP version ${version}`));
  }
});

test("checkNtpReply() ignores a reply whose originate timestamp is not a nonce we sent", () => {
  assertVerdict(reply({ origin: OTHER_NONCE }), "ignore", /does not answer our request/);
  // Off by one bit in the fraction is another request.
  assertVerdict(reply({ origin: { ...NONCE, fraction: NONCE.fraction ^ 1 } }), "ignore");
  // RFC 8633 §5.4: a kiss-o'-death without our nonce is spoofable, so it is ignored too.
  assertVerdict(
    reply({ origin: OTHER_NONCE, stratum: 0, refid: ascii("DENY") }),
    "ignore",
    /does not answer/,
  );
});

test("checkNtpReply() reports a zero transmit timestamp as the server's final word", () => {
  assertVerdict(
    reply({ transmit: { seconds: 0, fraction: 0 } }),
    "final",
    /^server sent no time \(its transmit timestamp is zero\)$/,
    "bad-reply",
  );
  assertVerdict(reply({ receive: { seconds: 0, fraction: 0 } }), "final", /no receive timestamp/);
});

test("checkNtpReply() reports leap indicator 3 as unsynchronised", () => {
  assertVerdict(
    reply({ leap: 3 }),
    "final",
    /^server is unsynchronised \(leap indicator 3/,
    "unsynchronised",
  );
  assertVerdict(reply({ leap: 1 }), "accept"); // a leap second ahead is fine
});

test("checkNtpReply() reports stratum 16 as unsynchronised and above 16 as invalid", () => {
  assertVerdict(
    reply({ stratum: 16 }),
    "final",
    /^server is unsynchronised \(stratum 16\)$/,
    "unsynchronised",
  );
  assertVerdict(reply({ stratum: 17 }), "final", /^server sent an invalid stratum \(17\)$/);
  assertVerdict(reply({ stratum: 255 }), "final", /invalid stratum \(255\)/);
});

test("checkNtpReply() reads stratum 0 as a kiss-o'-death and names the code", () => {
  const kiss = (code: string) => reply({ stratum: 0, leap: 3, refid: ascii(code) });
  assertVerdict(
    kiss("DENY"),
    "final",
    /^kiss-o'-death DENY: the server refuses us$/,
    "kiss-deny",
  );
  assertVerdict(
    kiss("RSTR"),
    "final",
    /^kiss-o'-death RSTR: the server restricts us$/,
    "kiss-deny",
  );
  assertVerdict(
    kiss("RATE"),
    "final",
    /^kiss-o'-death RATE: the server asks us to slow down$/,
    "kiss-rate",
  );
  assertVerdict(kiss("INIT"), "final", /^kiss-o'-death INIT: the server sent no time$/, "kiss");
  const result = checkNtpReply(kiss("RATE"), [NONCE]);
  assert.ok(result.verdict === "final" && result.kiss === "RATE");
});

test("checkNtpReply() reads stratum 0 without a code (chrony unsynchronised) as unsynchronised, not a kiss", () => {
  assertVerdict(
    reply({ stratum: 0, leap: 3, refid: new Uint8Array(4) }),
    "final",
    /^server is unsynchronised \(stratum 0 without a kiss code\)$/,
    "unsynchronised",
  );
});

test("checkNtpReply() refuses a root distance of 1.5 s or more", () => {
  assert.equal(MAX_ROOT_DISTANCE_S, 1.5);
  assertVerdict(reply({ rootDelay: 1, rootDispersion: 0.99 }), "accept");
  assertVerdict(
    reply({ rootDelay: 1, rootDispersion: 1 }),
    "final",
    /^server is too far from its reference clock: root distance 1\.500 s/,
    "unsynchronised",
  );
  assertVerdict(reply({ rootDelay: 0, rootDispersion: 16 }), "final", /root distance 16\.000 s/);
});
