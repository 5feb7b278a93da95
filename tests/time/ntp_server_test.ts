/**
 * serveNtp() in-process on real sockets, talked to with node:dgram (not
 * netkit's adapters, so an adapter bug cannot hide itself). The kernel's
 * sync state is injected; tests/net/clock_sync_test.ts reads the real one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { selectAdapter } from "../../src/net/select.ts";
import type { ClockSync } from "../../src/net/types.ts";
import { serveNtp, SYNC_REFRESH_MS } from "../../src/time/ntp_server.ts";
import { preciseClock } from "../../src/time/precise_clock.ts";
import {
  decodeNtpPacket,
  encodeNtpPacket,
  isZeroTimestamp,
  type NtpPacket,
  refidText,
  unixFromNtpTimestamp,
} from "../../src/time/ntp_packet.ts";
import { udpAsk, udpPeer } from "../_peers.ts";
import { IS_ROOT, peerSkip, run, sleep } from "../_helpers.ts";

const adapter = selectAdapter();
const synced = (): Promise<ClockSync> =>
  Promise.resolve({ state: "synchronised", leap: 0, maxErrorS: 0.002 });
const unsynced = (): Promise<ClockSync> =>
  Promise.resolve({ state: "unsynchronised", leap: 0, maxErrorS: 16 });
const clock = preciseClock(() => Date.now(), () => performance.now());

/** A client request with a random transmit timestamp (the nonce). */
function request(version = 4, mode = 3): { bytes: Uint8Array; nonce: NtpPacket["transmit"] } {
  const nonce = {
    seconds: (Math.random() * 2 ** 32) >>> 0,
    fraction: (Math.random() * 2 ** 32) >>> 0,
  };
  return { bytes: encodeNtpPacket({ version, mode, transmit: nonce }), nonce };
}

test("serveNtp() answers a client request: mode 4, origin = nonce, receive ≤ transmit, within 5 ms", async () => {
  await using server = await serveNtp(adapter, {
    hostname: "127.0.0.1",
    port: 0,
    clockSync: synced,
    clock,
    refid: new Uint8Array([192, 0, 2, 9]),
  });
  for (const version of [3, 4]) {
    const { bytes, nonce } = request(version);
    const t1 = Date.now() / 1000;
    const reply = await udpAsk(server.addr.port, bytes);
    const t4 = Date.now() / 1000;
    assert.ok(reply, "an answer");
    assert.equal(reply.length, 48);
    const packet = decodeNtpPacket(reply);
    assert.equal(packet.mode, 4);
    assert.equal(packet.version, version);
    assert.equal(packet.stratum, 3);
    assert.equal(packet.leap, 0);
    assert.equal(refidText(packet.refid, packet.stratum), "192.0.2.9");
    assert.deepEqual(packet.origin, nonce);
    const t2 = unixFromNtpTimestamp(packet.receive, t1);
    const t3 = unixFromNtpTimestamp(packet.transmit, t1);
    assert.ok(t2 <= t3, "received before sent");
    assert.ok(t2 >= t1 - 0.005 && t3 <= t4 + 0.005, `${t1} ${t2} ${t3} ${t4}`);
    assert.ok(t2 !== Math.floor(t2 * 1000) / 1000 || t3 !== Math.floor(t3 * 1000) / 1000, "sub-ms");
  }
  assert.equal(server.stats.replies, 2);
});

test("serveNtp() on an unsynchronised kernel says leap 3, stratum 16; with local: stratum 10", async () => {
  await using plain = await serveNtp(adapter, {
    hostname: "127.0.0.1",
    port: 0,
    clockSync: unsynced,
  });
  const packet = decodeNtpPacket((await udpAsk(plain.addr.port, request().bytes))!);
  assert.equal(packet.leap, 3);
  assert.equal(packet.stratum, 16);
  assert.ok(isZeroTimestamp(packet.reference));
  await using local = await serveNtp(adapter, {
    hostname: "127.0.0.1",
    port: 0,
    clockSync: unsynced,
    local: true,
  });
  const good = decodeNtpPacket((await udpAsk(local.addr.port, request().bytes))!);
  assert.equal(good.leap, 0);
  assert.equal(good.stratum, 10);
  assert.equal(refidText(good.refid, good.stratum), "127.127.1.1");
});

test("serveNtp() sends nothing to mode 6, 7, 4, 5 and 0, to version 2, to short and empty datagrams", async () => {
  await using server = await serveNtp(adapter, {
    hostname: "127.0.0.1",
    port: 0,
    clockSync: synced,
    udpRate: 0,
  });
  const port = server.addr.port;
  const bad = [
    request(4, 6).bytes, // control (ntpq)
    request(2, 7).bytes, // private (monlist)
    request(4, 4).bytes, // another server's reply
    request(4, 5).bytes, // broadcast
    request(4, 0).bytes,
    request(2, 3).bytes,
    request(4, 3).bytes.subarray(0, 47),
    new Uint8Array(12).fill(0x17), // a short mode-7 monlist request
    new Uint8Array(0),
  ];
  const replies = await Promise.all(bad.map((bytes) => udpAsk(port, bytes, 400)));
  assert.deepEqual(replies, bad.map(() => null));
  assert.equal(server.stats.dropped, bad.length);
  assert.equal(server.stats.replies, 0);
  assert.ok(await udpAsk(port, request().bytes), "still answers a client request");
});

test("serveNtp() gives a 300-request burst from one source the limit's worth of times and a RATE kiss or two", async () => {
  await using server = await serveNtp(adapter, {
    hostname: "127.0.0.1",
    port: 0,
    clockSync: synced,
    udpRate: 10,
  });
  const packets: NtpPacket[] = [];
  await using peer = await udpPeer((data) => packets.push(decodeNtpPacket(data)));
  const started = performance.now();
  for (let i = 0; i < 300; i++) peer.socket.send(request().bytes, server.addr.port, "127.0.0.1");
  await sleep(500);
  const seconds = (performance.now() - started) / 1000;
  const times = packets.filter((p) => p.stratum !== 0);
  const kisses = packets.filter((p) => p.stratum === 0);
  // Burst of 10, and 10/s refilled while the burst and the wait lasted.
  assert.ok(
    times.length >= 10 && times.length <= 10 + Math.ceil(10 * seconds),
    `${times.length} times`,
  );
  assert.ok(
    kisses.length >= 1 && kisses.length <= 1 + Math.ceil(seconds / 2),
    `${kisses.length} kisses`,
  );
  for (const kiss of kisses) {
    assert.equal(refidText(kiss.refid, 0), "RATE");
    assert.ok(
      isZeroTimestamp(kiss.transmit) && isZeroTimestamp(kiss.receive),
      "a kiss is never a time",
    );
  }
  assert.ok(packets.length < 300);
  assert.equal(server.stats.replies, times.length);
  assert.equal(server.stats.kisses, kisses.length);
});

test("serveNtp() with a plainly unset clock answers nothing and says so once", async () => {
  const lines: string[] = [];
  let now = Date.parse("1970-01-01T00:00:09Z");
  await using server = await serveNtp(adapter, {
    hostname: "127.0.0.1",
    port: 0,
    clockSync: synced,
    clock: () => now,
    log: (line) => lines.push(line),
  });
  assert.equal(await udpAsk(server.addr.port, request().bytes, 300), null);
  assert.equal(await udpAsk(server.addr.port, request().bytes, 300), null);
  assert.equal(server.stats.unsetClock, 2);
  assert.equal(lines.filter((l) => /before this build's date/.test(l)).length, 1, lines.join("\n"));
  now = Date.now();
  assert.ok(await udpAsk(server.addr.port, request().bytes));
  assert.ok(lines.some((l) => /answering again/.test(l)));
});

test("serveNtp() reads the kernel's state again after the refresh interval and logs the change", async () => {
  let state: ClockSync["state"] = "unsynchronised";
  let shift = 0;
  const lines: string[] = [];
  await using server = await serveNtp(adapter, {
    hostname: "127.0.0.1",
    port: 0,
    clockSync: () => Promise.resolve({ state, leap: 0, maxErrorS: 0.01 }),
    clock: () => Date.now() + shift,
    log: (line) => lines.push(line),
  });
  assert.equal(decodeNtpPacket((await udpAsk(server.addr.port, request().bytes))!).stratum, 16);
  state = "synchronised";
  assert.equal(decodeNtpPacket((await udpAsk(server.addr.port, request().bytes))!).stratum, 16);
  shift += SYNC_REFRESH_MS;
  await udpAsk(server.addr.port, request().bytes); // starts the read; answered with the old state
  await sleep(20);
  assert.equal(decodeNtpPacket((await udpAsk(server.addr.port, request().bytes))!).stratum, 3);
  assert.equal(lines.length, 2, lines.join("\n"));
  assert.match(lines[0], /not synchronised: answering with leap 3, stratum 16/);
  assert.match(lines[1], /synchronised: answering as stratum 3/);
});

test("serveNtp() keeps answering through 10,000 datagrams, half of them requests from closed ports", async () => {
  await using server = await serveNtp(adapter, {
    hostname: "127.0.0.1",
    port: 0,
    clockSync: synced,
    udpRate: 0,
  });
  const port = server.addr.port;
  // Senders that close at once: the replies hit closed ports (ICMP errors).
  for (let round = 0; round < 20; round++) {
    const burst = await udpPeer();
    for (let i = 0; i < 250; i++) burst.socket.send(request().bytes, port, "127.0.0.1");
    await burst.close();
    if (round % 5 === 4) await sleep(10);
  }
  await using flooder = await udpPeer();
  for (let i = 0; i < 5000; i++) flooder.socket.send(request(4, 4).bytes, port, "127.0.0.1");
  await sleep(200);
  for (let i = 0; i < 3; i++) {
    const reply = await udpAsk(port, request().bytes, 1000);
    assert.equal(reply?.length, 48, `still answering after the flood (try ${i})`);
  }
});

test("serveNtp() never loops with a second NTP server, even on a forged request", {
  skip: IS_ROOT ? peerSkip("python3") : "needs root to forge a UDP source port",
}, async () => {
  const options = { hostname: "127.0.0.1", port: 0, clockSync: synced, udpRate: 0 };
  await using a = await serveNtp(adapter, options);
  await using b = await serveNtp(adapter, options);
  // What a spoofer sends: a client request to A that claims to come from B.
  const forged = await run([
    "python3",
    "-c",
    `import socket,struct
s=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_UDP)
ntp=bytes([0x23])+bytes(39)+b"noncenon"
s.sendto(struct.pack("!HHHH",${b.addr.port},${a.addr.port},8+len(ntp),0)+ntp,("127.0.0.1",0))`,
  ]);
  assert.equal(forged.code, 0, forged.stderr);
  await sleep(500);
  assert.equal(a.stats.replies, 1, "A answered the forged request once");
  assert.equal(b.stats.replies + b.stats.kisses, 0, "B never answered A's reply");
  assert.equal(b.stats.dropped, 1);
});
