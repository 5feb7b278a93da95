/**
 * queryNtp() against scripted servers on loopback (tests/peers/ntp_peer.ts):
 * the request on the wire, the offset and delay, the era, and every way a
 * server can be wrong, hostile or silent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { selectAdapter } from "../../src/net/select.ts";
import { queryNtp, type QueryNtpOptions } from "../../src/time/query_ntp.ts";
import { TimeQueryError } from "../../src/time/time_query_error.ts";
import { type NtpPeer, ntpPeer, peerNow, type PeerScript, replyTo } from "../peers/ntp_peer.ts";

const adapter = selectAdapter();
const LOCAL = { address: "127.0.0.1", family: 4 as const };

function ask(port: number, options: QueryNtpOptions = {}) {
  return queryNtp(adapter, { host: "127.0.0.1", address: LOCAL, port }, {
    timeoutMs: 1500,
    ...options,
  });
}

/**
 * Asserts θ is `expectedS` within what RFC 5905 §8 allows (δ/2), and at
 * least 10 ms: client and server share this process, so a busy event loop
 * delays T4 and widens δ, and the bound with it.
 */
function assertOffset(answer: { offsetS: number; rttMs: number }, expectedS: number) {
  const bound = Math.max(0.01, answer.rttMs / 2000 + 0.002);
  const error = Math.abs(answer.offsetS - expectedS);
  assert.ok(
    error <= bound,
    `offset ${answer.offsetS} s, off by ${error} s, delay ${answer.rttMs} ms`,
  );
}

function failsWith(kind: string, message: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof TimeQueryError, String(e));
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, message);
    return true;
  };
}

test("queryNtp() sends 48 bytes, mode 3 version 4, all zero but a random transmit, from a random port", async () => {
  await using server = await ntpPeer();
  await ask(server.port);
  await ask(server.port);
  const [first, second] = server.requests;
  for (const { data, transmit } of [first, second]) {
    assert.equal(data.length, 48);
    assert.equal(data[0], 0x23, "LI 0, VN 4, mode 3");
    assert.deepEqual([...data.subarray(1, 40)], new Array(39).fill(0));
    assert.notDeepEqual([...transmit], new Array(8).fill(0));
  }
  assert.notDeepEqual([...first.transmit], [...second.transmit], "a new nonce per request");
  // The nonce is random bits, not the clock: its seconds are not near now's.
  const seconds = new DataView(first.transmit.buffer, first.transmit.byteOffset).getUint32(0);
  const nowSeconds = (Math.floor(peerNow()) + 2_208_988_800) % 2 ** 32;
  assert.ok(Math.abs(seconds - nowSeconds) > 1000, "not a timestamp of the local clock");
  assert.notEqual(first.from.port, second.from.port, "a fresh socket per request");
  assert.notEqual(first.from.port, 123);
});

test("queryNtp() uses crypto.getRandomValues-style random bits for the nonce", async () => {
  await using server = await ntpPeer();
  const calls: number[] = [];
  await ask(server.port, {
    random: (words) => {
      calls.push(words.length);
      words.set([0xdead_beef, 0x0bad_f00d]);
    },
  });
  assert.deepEqual(calls, [2]);
  assert.deepEqual([...server.requests[0].transmit], [
    0xde,
    0xad,
    0xbe,
    0xef,
    0x0b,
    0xad,
    0xf0,
    0x0d,
  ]);
});

test("queryNtp() reads a server 3 s ahead as +3 s, within 10 ms, with stratum, refid and delay", async () => {
  await using server = await ntpPeer((request) =>
    replyTo(request, { receive: request.receivedAt + 3, transmit: peerNow() + 3, stratum: 3 })
  );
  const answer = await ask(server.port);
  assertOffset(answer, 3);
  assert.ok(answer.rttMs >= 0 && answer.rttMs < 200, `delay ${answer.rttMs} ms`);
  assert.equal(answer.stratum, 3);
  assert.equal(answer.refid, "192.0.2.1");
  assert.equal(answer.leap, 0);
  assert.ok(Math.abs(answer.rootDistanceS - 0.015) < 1e-3);
  assert.ok(Math.abs(answer.unix - (Date.now() / 1000 + 3)) < 1);
  assert.equal(answer.protocol, "ntp");
  assert.equal(answer.samples, 1);
});

test("queryNtp() measures the offset against the given local clock", async () => {
  await using server = await ntpPeer();
  const answer = await ask(server.port, { clock: () => Date.now() - 50_000 });
  assertOffset(answer, 50);
});

test("queryNtp(): the local clock stepped back mid-exchange leaves the round trip intact", async () => {
  // The wall clock goes 5 ms back while the request is at the server (as a
  // step would, or the precise clock keeping to the wall clock's millisecond):
  // timed by the wall clock alone, T4 - T1 would be about -5 ms, a negative delay.
  let stepMs = 0;
  await using server = await ntpPeer((request) => {
    stepMs = -5;
    return replyTo(request);
  });
  const answer = await ask(server.port, { clock: () => Date.now() + stepMs });
  assert.ok(answer.rttMs >= 0 && answer.rttMs < 100, `delay ${answer.rttMs} ms`);
  assertOffset(answer, 0);
});

test("queryNtp() reads a server in NTP era 1 (2041) as 2041", async () => {
  const in2041 = Date.parse("2041-03-01T12:00:00Z") / 1000;
  const shift = in2041 - peerNow();
  await using server = await ntpPeer((request) =>
    replyTo(request, { receive: request.receivedAt + shift, transmit: peerNow() + shift })
  );
  const answer = await ask(server.port);
  assert.match(new Date(answer.unix * 1000).toISOString(), /^2041-03-01T12:00:0/);
  assertOffset(answer, shift); // a wrong era would be 136 years off
});

test("queryNtp() reads era 1 by the build date when the local clock is unset (1970)", async () => {
  const in2037 = Date.parse("2037-01-01T00:00:00Z") / 1000;
  await using server = await ntpPeer((request) =>
    replyTo(request, { receive: in2037, transmit: in2037 })
  );
  const answer = await ask(server.port, { clock: () => 5000 });
  assert.ok(Math.abs(answer.unix - in2037) < 1e-6, `unix ${answer.unix}`);
});

test("queryNtp() with --samples keeps the sample with the smallest delay, 2 s apart", async () => {
  const waits: number[] = [];
  // The first reply is held 300 ms (a slow path), the others are not.
  await using server = await ntpPeer((request, socket) => {
    if (request.index !== 0) return replyTo(request);
    setTimeout(() => socket.send(replyTo(request), request.from.port, request.from.address), 300);
  });
  const answer = await ask(server.port, {
    samples: 3,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  });
  assert.equal(server.requests.length, 3);
  assert.equal(answer.samples, 3);
  assert.ok(answer.rttMs < 250, `kept delay ${answer.rttMs} ms`);
  assert.equal(waits[0], 0);
  // The second request waits out the 2 s less the 300 ms the first took.
  assert.ok(waits[1] > 1000 && waits[1] <= 2000, `waits ${waits}`);
});

test("queryNtp() ignores a reply with the wrong originate timestamp and waits for the right one", async () => {
  await using server = await ntpPeer((request) => [
    replyTo(request, { origin: new Uint8Array(8).fill(7), transmit: peerNow() + 1000 }),
    replyTo(request),
  ]);
  const answer = await ask(server.port);
  assertOffset(answer, 0); // the forged reply was 1000 s off
});

test("queryNtp() reports only wrong-originate replies at the timeout, and resends meanwhile", async () => {
  await using server = await ntpPeer((request) =>
    replyTo(request, { origin: new Uint8Array(8).fill(7) })
  );
  await assert.rejects(
    ask(server.port, { timeoutMs: 900, retries: 2 }),
    failsWith("bad-reply", /does not answer our request.*\(no valid reply in 0\.9 s\)$/),
  );
  assert.equal(server.requests.length, 3);
  assert.equal(new Set(server.requests.map((r) => r.transmit.join())).size, 3, "new nonces");
});

test("queryNtp() accepts the reply to an earlier resend, timed from that request", async () => {
  // Only the first request is answered, as if it took 450 ms to arrive: after the
  // resend at 400 ms went out.
  await using server = await ntpPeer((request, socket) => {
    if (request.index !== 0) return;
    setTimeout(() => {
      const now = peerNow();
      socket.send(
        replyTo(request, { receive: now, transmit: now }),
        request.from.port,
        "127.0.0.1",
      );
    }, 450);
  });
  const answer = await ask(server.port, { timeoutMs: 1200, retries: 2 });
  assert.ok(server.requests.length >= 2);
  assert.ok(answer.rttMs >= 440, `delay ${answer.rttMs} ms is from the first request`);
});

test("queryNtp() ignores a reply from another port than the one asked", async () => {
  await using other = await ntpPeer(() => null);
  await using server = await ntpPeer((request) => {
    other.socket.send(replyTo(request), request.from.port, request.from.address);
  });
  await assert.rejects(ask(server.port, { timeoutMs: 700 }), failsWith("timeout", /timed out/));
});

test("queryNtp() ignores a reply from another address than the one asked, on the same port", async () => {
  const peers: { impostor?: NtpPeer } = {};
  await using server = await ntpPeer((request) => {
    peers.impostor!.socket.send(replyTo(request), request.from.port, request.from.address);
  });
  const impostor = peers.impostor = await ntpPeer(() => null, {
    host: "127.0.0.2",
    port: server.port,
  });
  try {
    await assert.rejects(ask(server.port, { timeoutMs: 700 }), failsWith("timeout", /timed out/));
  } finally {
    await impostor.close();
  }
});

test("queryNtp() ignores truncated replies and says so at the timeout", async () => {
  await using server = await ntpPeer((request) => replyTo(request).subarray(0, 40));
  await assert.rejects(
    ask(server.port, { timeoutMs: 600 }),
    failsWith("bad-reply", /^truncated reply: expected at least 48 bytes, received 40/),
  );
});

test("queryNtp() gives up on a server that never answers at its timeout (±0.5 s)", async () => {
  await using server = await ntpPeer(() => null);
  const started = performance.now();
  await assert.rejects(
    ask(server.port, { timeoutMs: 1500 }),
    failsWith("timeout", /^timed out after 1\.5 s while waiting for a reply$/),
  );
  const elapsed = performance.now() - started;
  assert.ok(Math.abs(elapsed - 1500) <= 500, `gave up after ${elapsed} ms`);
});

test("queryNtp() stops asking after DENY and names the code", async () => {
  await using server = await ntpPeer((request) =>
    replyTo(request, { stratum: 0, leap: 3, refid: "DENY" })
  );
  await assert.rejects(
    ask(server.port, { samples: 3, sleep: () => Promise.resolve() }),
    failsWith("kiss-deny", /^kiss-o'-death DENY: the server refuses us \(not asking it again\)$/),
  );
  assert.equal(server.requests.length, 1);
});

test("queryNtp() stops asking after RSTR", async () => {
  await using server = await ntpPeer((request) => replyTo(request, { stratum: 0, refid: "RSTR" }));
  await assert.rejects(
    ask(server.port, { samples: 2, sleep: () => Promise.resolve() }),
    failsWith("kiss-deny", /^kiss-o'-death RSTR: /),
  );
  assert.equal(server.requests.length, 1);
});

test("queryNtp() backs off after RATE: twice the spacing, then keeps the answer and says so", async () => {
  const waits: number[] = [];
  // RATE, then a time, then RATE again.
  const script: PeerScript = (request) =>
    request.index === 1 ? replyTo(request) : replyTo(request, { stratum: 0, refid: "RATE" });
  await using server = await ntpPeer(script);
  const answer = await ask(server.port, {
    samples: 4,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  });
  assert.ok(waits[1] > 3500 && waits[1] <= 4000, `backed off ${waits[1]} ms`);
  assert.equal(server.requests.length, 3, "no request after the second RATE");
  assert.equal(answer.samples, 1);
  assert.deepEqual(answer.notes, [
    "kiss-o'-death RATE: the server asks us to slow down (backed off: not asking it again in this run)",
  ]);
});

test("queryNtp() stops at a second RATE without an answer: the backoff is bounded", async () => {
  const waits: number[] = [];
  await using server = await ntpPeer((request) => replyTo(request, { stratum: 0, refid: "RATE" }));
  await assert.rejects(
    ask(server.port, {
      samples: 16,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    }),
    failsWith("kiss-rate", /\(backed off: not asking it again in this run\)$/),
  );
  assert.equal(server.requests.length, 2);
  assert.equal(waits.length, 2);
});

test("queryNtp() reports RATE as the answer when no time came", async () => {
  await using server = await ntpPeer((request) => replyTo(request, { stratum: 0, refid: "RATE" }));
  await assert.rejects(
    ask(server.port),
    failsWith("kiss-rate", /^kiss-o'-death RATE: the server asks us to slow down \(backed off/),
  );
});

test("queryNtp() reports a stratum-16 server as unsynchronised", async () => {
  await using server = await ntpPeer((request) => replyTo(request, { stratum: 16 }));
  await assert.rejects(
    ask(server.port),
    failsWith("unsynchronised", /^server is unsynchronised \(stratum 16\)$/),
  );
});

test("queryNtp() reports a leap-3 server as unsynchronised", async () => {
  await using server = await ntpPeer((request) => replyTo(request, { leap: 3 }));
  await assert.rejects(
    ask(server.port),
    failsWith("unsynchronised", /^server is unsynchronised \(leap indicator 3/),
  );
});

test("queryNtp() rejects a negative delay", async () => {
  // The server claims it held the request for 1 s, but answered at once.
  await using server = await ntpPeer((request) =>
    replyTo(request, { receive: request.receivedAt, transmit: request.receivedAt + 1 })
  );
  await assert.rejects(
    ask(server.port),
    failsWith("bad-reply", /^impossible timestamps: negative round-trip delay \(-\d+\.\d{3} ms/),
  );
});

/** Whether this machine has an IPv6 loopback, found before test() (Deno counts an in-body skip as a pass). */
const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  const probe = dgram.createSocket("udp6");
  probe.on("error", () => (probe.close(), resolve(false)));
  probe.bind(0, "::1", () => (probe.close(), resolve(true)));
});

test("queryNtp() answers over IPv6", {
  skip: hasIpv6Loopback ? false : "no IPv6 loopback on this machine",
}, async () => {
  await using server = await ntpPeer(undefined, { host: "::1" });
  const answer = await queryNtp(
    adapter,
    { host: "::1", address: { address: "::1", family: 6 }, port: server.port },
    { timeoutMs: 1500 },
  );
  assert.equal(answer.address, "::1");
  assertOffset(answer, 0);
});
