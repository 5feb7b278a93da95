/**
 * End-to-end: `query-time --ntp`, the real program (under the test runtime,
 * or NETKIT_BIN), against chronyd (a server nobody here wrote) and against
 * scripted hostile and broken servers (tests/peers/ntp_peer.ts) running in
 * the test process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { peerSkip, runNetkit, startNetkit, TARGET } from "../_helpers.ts";
import { startChronyd } from "../peers/chronyd_server.ts";
import { ntpPeer, peerNow, type PeerScript, replyTo } from "../peers/ntp_peer.ts";

/** Runs `query-time --json` against one scripted server; the parsed rows and the result. */
async function askScripted(script: PeerScript, extra: string[] = []) {
  await using server = await ntpPeer(script);
  const result = await runNetkit([
    "query-time",
    "--ntp",
    "--json",
    ...extra,
    `127.0.0.1:${server.port}`,
  ]);
  const rows = result.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
  return { result, rows, requests: server.requests };
}

test(`[${TARGET}] query-time --ntp --samples 3 reads chronyd within 5 ms, stratum 8, 2 s apart`, {
  skip: peerSkip("chronyd"),
}, async () => {
  await using chronyd = await startChronyd();
  // Best of 3 by delay, as chrony's iburst: one sample on a busy machine can lose
  // the CPU between reading T1 and the send, and θ is only good to δ/2.
  const result = await runNetkit([
    "query-time",
    "--ntp",
    "--json",
    "--samples",
    "3",
    `127.0.0.1:${chronyd.port}`,
  ]);
  assert.equal(result.code, 0, `${result.stderr}\nchronyd: ${chronyd.log()}`);
  assert.ok(result.ms >= 4000 && result.ms < 9000, `took ${result.ms} ms`);
  const row = JSON.parse(result.stdout);
  assert.equal(row.protocol, "ntp");
  assert.equal(row.stratum, 8);
  assert.equal(row.refid, "127.127.1.1"); // chrony's local reference
  assert.equal(row.leap, 0);
  assert.ok(Math.abs(row.offset_s) < 0.005, `offset ${row.offset_s} s, delay ${row.rtt_ms} ms`);
  assert.ok(row.rtt_ms >= 0 && row.rtt_ms < 100, `delay ${row.rtt_ms} ms`);
  // unix is the kept sample's transmit timestamp: any of the three, so within the run.
  const endS = Date.now() / 1000;
  assert.ok(row.unix > endS - result.ms / 1000 - 1 && row.unix < endS + 1, `unix ${row.unix}`);
});

test(`[${TARGET}] query-time ntp:// prints chronyd's stratum and refid on one line`, {
  skip: peerSkip("chronyd"),
}, async () => {
  await using chronyd = await startChronyd();
  const human = await runNetkit(["query-time", `ntp://127.0.0.1:${chronyd.port}`]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(
    human.stdout,
    /^127\.0\.0\.1:\d+ ntp {2}\S+Z {2}offset [+-]\d+\.\d{6} s {2}rtt \d+\.\d{3} ms {2}stratum 8 {2}refid 127\.127\.1\.1\n$/,
  );
});

test(`[${TARGET}] query-time --ntp measures a server 3 s ahead to within 10 ms`, async () => {
  // Best of 3 by delay (4 s): one sample on a busy machine may lose the CPU mid-exchange.
  const { result, rows } = await askScripted(
    (request) => replyTo(request, { receive: request.receivedAt + 3, transmit: peerNow() + 3 }),
    ["--samples", "3"],
  );
  assert.equal(result.code, 0, result.stderr);
  assert.ok(
    Math.abs(rows[0].offset_s - 3) < 0.01,
    `offset ${rows[0].offset_s}, delay ${rows[0].rtt_ms} ms`,
  );
});

test(`[${TARGET}] query-time --ntp reads a server in NTP era 1 (2041) as 2041`, async () => {
  const shift = Date.parse("2041-06-01T00:00:00Z") / 1000 - peerNow();
  const { result, rows } = await askScripted((request) =>
    replyTo(request, { receive: request.receivedAt + shift, transmit: peerNow() + shift })
  );
  // --json says a failure on stdout: both streams go in the message.
  assert.equal(result.code, 0, `stderr: ${result.stderr}\nstdout: ${result.stdout}`);
  assert.match(rows[0].iso, /^2041-06-01T00:00:0/);
  // θ is good to δ/2 (RFC 5905 §8); a wrong era would be 136 years off.
  const error = Math.abs(rows[0].offset_s - shift);
  assert.ok(error <= Math.max(0.01, rows[0].rtt_ms / 2000 + 0.002), `off by ${error} s`);
});

const failures: [string, PeerScript, RegExp][] = [
  [
    "a reply with the wrong originate timestamp",
    (request) => replyTo(request, { origin: new Uint8Array(8).fill(9) }),
    /reply does not answer our request \(its originate timestamp is not our nonce\) \(no valid reply in 1 s\)/,
  ],
  [
    "a DENY kiss",
    (request) => replyTo(request, { stratum: 0, leap: 3, refid: "DENY" }),
    /^kiss-o'-death DENY: the server refuses us \(not asking it again\)$/,
  ],
  [
    "a RATE kiss",
    (request) => replyTo(request, { stratum: 0, leap: 3, refid: "RATE" }),
    /^kiss-o'-death RATE: the server asks us to slow down \(backed off: not asking it again in this run\)$/,
  ],
  [
    "stratum 16",
    (request) => replyTo(request, { stratum: 16 }),
    /^server is unsynchronised \(stratum 16\)$/,
  ],
  [
    "leap indicator 3",
    (request) => replyTo(request, { leap: 3 }),
    /^server is unsynchronised \(leap indicator 3/,
  ],
  [
    "truncated packets",
    (request) => replyTo(request).subarray(0, 47),
    /^truncated reply: expected at least 48 bytes, received 47/,
  ],
  [
    "a negative delay",
    (request) =>
      replyTo(request, { receive: request.receivedAt, transmit: request.receivedAt + 1 }),
    /^impossible timestamps: negative round-trip delay/,
  ],
];

for (const [what, script, message] of failures) {
  test(`[${TARGET}] query-time --ntp reports ${what} in one line and exits 1`, async () => {
    const { result, rows } = await askScripted(script, ["-t", "1"]);
    assert.equal(result.code, 1, result.stdout);
    assert.equal(rows.length, 1);
    assert.match(rows[0].error, message);
    assert.equal(result.stderr, "");
    const human = await askScripted(script, ["-t", "1"]).then((r) => r.result);
    assert.equal(human.code, 1);
  });
}

test(`[${TARGET}] query-time --ntp ignores a reply from another port and times out`, async () => {
  await using other = await ntpPeer(() => null);
  await using server = await ntpPeer((request) => {
    other.socket.send(replyTo(request), request.from.port, request.from.address);
  });
  const result = await runNetkit(["query-time", "-n", "-t", "1", `127.0.0.1:${server.port}`]);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `netkit query-time: 127.0.0.1:${server.port} ntp: timed out after 1 s while waiting for a reply\n`,
  );
});

test(`[${TARGET}] query-time --ntp gives up on a server that never answers at its timeout (±0.5 s)`, async () => {
  await using server = await ntpPeer(() => null);
  let exitedAt = 0;
  const result = await runNetkit(["query-time", "-n", "-t", "2", `127.0.0.1:${server.port}`])
    .finally(() => (exitedAt = peerNow()));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /timed out after 2 s while waiting for a reply/);
  // From the first request (the program is running by then) to its exit.
  const waited = exitedAt - server.requests[0].receivedAt;
  assert.ok(Math.abs(waited - 2) <= 0.5, `waited ${waited} s`);
  assert.equal(server.requests.length, 3, "the request and two resends");
});

test(`[${TARGET}] query-time mixes ntp://, time:// and time+udp:// in one run`, async () => {
  await using ntp = await ntpPeer();
  await using serveTime = await startNetkit(["serve-time", "--host", "127.0.0.1", "--port", "0"]);
  const result = await runNetkit([
    "query-time",
    "--json",
    `ntp://127.0.0.1:${ntp.port}`,
    `time://127.0.0.1:${serveTime.ports.tcp}`,
    `time+udp://127.0.0.1:${serveTime.ports.udp}`,
  ]);
  assert.equal(result.code, 0, result.stderr);
  const rows = result.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.map((r) => [r.protocol, r.transport]),
    [["ntp", "udp"], ["time", "tcp"], ["time", "udp"]],
  );
  for (const row of rows) assert.ok(Math.abs(row.offset_s) < 1.5, JSON.stringify(row));
});

test(`[${TARGET}] query-time: a bad scheme or --udp with --ntp exits 2 with one line and a hint`, async () => {
  for (const args of [["gopher://a"], ["--ntp", "-u", "a"], ["--samples", "2", "a"]]) {
    const result = await runNetkit(["query-time", ...args]);
    assert.equal(result.code, 2, args.join(" "));
    const lines = result.stderr.trim().split("\n");
    assert.equal(lines.length, 2, result.stderr);
    assert.match(lines[0], /^netkit query-time: \S/);
    assert.equal(lines[1], "Try 'netkit help query-time' for usage.");
  }
});
