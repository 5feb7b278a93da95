/**
 * Deno's two UDP paths: in batches through libc (`_udp_batch.ts`, what
 * `bindUdp` uses on Linux with --allow-ffi) and `Deno.listenDatagram`
 * (`_udp_datagram_conn.ts`, the fallback). The conformance suite
 * (tests/net/adapter_test.ts) runs through the first; these pin down what
 * is particular to each. Deno only: under Bun every test is a named skip.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { bindUdpLibc } from "../../../src/net/deno/_udp_batch.ts";
import { bindDatagramConn } from "../../../src/net/deno/_udp_datagram_conn.ts";
import type { UdpSocket } from "../../../src/net/types.ts";
import { udpAsk, udpPeer } from "../../_peers.ts";
import { RUNTIME } from "../../_helpers.ts";

const skip = RUNTIME !== "deno"
  ? "Deno's UDP paths (Bun has its own adapter)"
  : process.platform !== "linux"
  ? "the libc path is Linux only"
  : false;

const echo = (d: { data: Uint8Array; from: { hostname: string; port: number } }, s: UdpSocket) =>
  s.send(d.data, d.from);

test(
  "bindUdpLibc() binds where Deno's tests run, and answers through sendmmsg",
  { skip },
  async () => {
    const socket = bindUdpLibc({
      hostname: "127.0.0.1",
      port: 0,
      onDatagram: echo,
    });
    assert.ok(socket, "the libc path is taken on Linux with --allow-ffi");
    await using _ = socket;
    assert.deepEqual([...(await udpAsk(socket.addr.port, new Uint8Array([1, 2, 3])))!], [1, 2, 3]);
    // Bigger than a send slot (2 KiB): goes alone through sendto.
    const big = new Uint8Array(5000).fill(7);
    assert.equal((await udpAsk(socket.addr.port, big))?.length, 5000);
  },
);

test("bindUdpLibc() declines a host name and a port in use (Deno.listenDatagram words the error)", {
  skip,
}, async () => {
  assert.equal(bindUdpLibc({ hostname: "localhost", port: 0, onDatagram() {} }), null);
  await using taken = await udpPeer();
  assert.equal(bindUdpLibc({ hostname: "127.0.0.1", port: taken.port, onDatagram() {} }), null);
});

test("bindUdpLibc() on :: hears an IPv4 client as its IPv4 address and answers it", {
  skip,
}, async () => {
  const seen: string[] = [];
  const socket = bindUdpLibc({
    hostname: "::",
    port: 0,
    onDatagram(d, s) {
      seen.push(d.from.hostname);
      echo(d, s);
    },
  });
  assert.ok(socket);
  await using _ = socket;
  assert.equal(socket.addr.hostname, "::");
  assert.deepEqual([...(await udpAsk(socket.addr.port, new Uint8Array([4])))!], [4]);
  assert.deepEqual([...(await udpAsk(socket.addr.port, new Uint8Array([6]), 1000, "::1"))!], [6]);
  assert.deepEqual(seen, ["127.0.0.1", "::1"]);
});

test("bindUdpLibc(): disposing ends the waiting receive at once and frees the port", {
  skip,
}, async () => {
  const socket = bindUdpLibc({ hostname: "127.0.0.1", port: 0, onDatagram() {} })!;
  const port = socket.addr.port;
  const started = performance.now();
  await socket[Symbol.asyncDispose]();
  assert.ok(performance.now() - started < 500, "shutdown() wakes recvmmsg (not its 1 s timeout)");
  assert.equal(socket.send(new Uint8Array(1), { hostname: "127.0.0.1", port: 9 }), false);
  await using again = await bindDatagramConn({ hostname: "127.0.0.1", port, onDatagram() {} });
  assert.equal(again.addr.port, port);
});

test("bindDatagramConn() (the fallback) receives, keeps a burst intact and replies", {
  skip,
}, async () => {
  const kept: Uint8Array[] = [];
  await using socket = await bindDatagramConn({
    hostname: "127.0.0.1",
    port: 0,
    onDatagram(d, s) {
      kept.push(d.data);
      echo(d, s);
    },
  });
  await using peer = await udpPeer();
  for (let i = 0; i < 50; i++) {
    peer.socket.send(new Uint8Array([i, i]), socket.addr.port, "127.0.0.1");
  }
  assert.deepEqual([...(await udpAsk(socket.addr.port, new Uint8Array([99])))!], [99]);
  assert.equal(kept.length, 51);
  // With several receives in flight the order of delivery is not the order of arrival (UDP
  // promises none); the bytes of each are intact.
  const burst = kept.filter((d) => d.length === 2).sort((a, b) => a[0] - b[0]);
  assert.deepEqual(burst.map((d) => [...d]), Array.from({ length: 50 }, (_, i) => [i, i]));
});
