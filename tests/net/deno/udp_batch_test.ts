/**
 * Deno's two ways of serving a `Deno.listenDatagram` socket: in batches
 * through libc (`_udp_batch.ts`, what `bindUdp` uses on Linux with
 * --allow-ffi) and with Deno's receives alone (`_udp_datagram_conn.ts`, the
 * fallback). The conformance suite (tests/net/adapter_test.ts) runs through
 * the first; these pin down what is particular to each. Deno only: under
 * Bun every test is a named skip.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { serveInBatches } from "../../../src/net/deno/_udp_batch.ts";
import { datagramFd, udpLibc } from "../../../src/net/deno/_udp_libc.ts";
import { bindDatagramConn, listenUdp } from "../../../src/net/deno/_udp_datagram_conn.ts";
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
const portOf = (conn: Deno.DatagramConn) => (conn.addr as Deno.NetAddr).port;

test(
  "serveInBatches() takes a socket where Deno's tests run, and answers through sendmmsg",
  { skip },
  async () => {
    const socket = serveInBatches(listenUdp({ hostname: "127.0.0.1", port: 0 }), echo);
    assert.ok(socket, "the libc path is taken on Linux with --allow-ffi");
    await using _ = socket;
    assert.deepEqual([...(await udpAsk(socket.addr.port, new Uint8Array([1, 2, 3])))!], [1, 2, 3]);
    // Bigger than a send slot (2 KiB): goes alone through sendto.
    const big = new Uint8Array(5000).fill(7);
    assert.equal((await udpAsk(socket.addr.port, big))?.length, 5000);
  },
);

test(
  "serveInBatches() takes what queued before it started: Deno's receive, then recvmmsg batches",
  {
    skip,
  },
  async () => {
    const conn = listenUdp({ hostname: "127.0.0.1", port: 0 });
    let replies = 0;
    await using peer = await udpPeer(() => replies++);
    // 70 datagrams wait in the kernel: one for Deno's receive, then batches of 32, 32 and 5.
    await Promise.all(
      Array.from({ length: 70 }, (_, i) =>
        new Promise((resolve) =>
          peer.socket.send(
            new Uint8Array(i % 10 ? 2 : 3000).fill(i),
            portOf(conn),
            "127.0.0.1",
            resolve,
          )
        )),
    );
    const kept: Uint8Array[] = [];
    await using _ = serveInBatches(conn, (d, s) => {
      kept.push(d.data);
      echo(d, s);
    })!;
    const started = performance.now();
    while ((replies < 70 || kept.length < 70) && performance.now() - started < 2000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(kept.length, 70);
    assert.equal(replies, 70, "every reply left, the large ones through sendto");
    const firsts = kept.map((d) => d[0]).sort((a, b) => a - b);
    assert.deepEqual(firsts, Array.from({ length: 70 }, (_, i) => i));
    assert.ok(kept.every((d) => d.every((b) => b === d[0])), "each datagram intact");
  },
);

test("datagramFd() finds the UDP socket, not a TCP listener on the same port, nor a free port", {
  skip,
}, async () => {
  const libc = udpLibc()!;
  const conn = listenUdp({ hostname: "127.0.0.1", port: 0 });
  using _tcp = Deno.listen({ hostname: "127.0.0.1", port: portOf(conn) });
  assert.ok(datagramFd(libc, "127.0.0.1", portOf(conn)) > 2);
  await using socket = serveInBatches(conn, echo)!;
  assert.deepEqual([...(await udpAsk(socket.addr.port, new Uint8Array([5])))!], [5]);
  using tcpOnly = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  assert.equal(datagramFd(libc, "127.0.0.1", tcpOnly.addr.port), -1);
});

test("serveInBatches() on :: hears an IPv4 client as its IPv4 address and answers it", {
  skip,
}, async () => {
  const seen: string[] = [];
  const socket = serveInBatches(listenUdp({ hostname: "::", port: 0 }), (d, s) => {
    seen.push(d.from.hostname);
    echo(d, s);
  });
  assert.ok(socket);
  await using _ = socket;
  assert.equal(socket.addr.hostname, "::");
  assert.deepEqual([...(await udpAsk(socket.addr.port, new Uint8Array([4])))!], [4]);
  assert.deepEqual([...(await udpAsk(socket.addr.port, new Uint8Array([6]), 1000, "::1"))!], [6]);
  assert.deepEqual(seen, ["127.0.0.1", "::1"]);
});

test("serveInBatches(): disposing ends the waiting receive at once and frees the port", {
  skip,
}, async () => {
  const socket = serveInBatches(listenUdp({ hostname: "127.0.0.1", port: 0 }), () => {})!;
  const port = socket.addr.port;
  const started = performance.now();
  await socket[Symbol.asyncDispose]();
  assert.ok(performance.now() - started < 500, "closing the conn ends its receive");
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
