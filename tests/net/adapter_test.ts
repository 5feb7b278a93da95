/**
 * Conformance of the adapter for the runtime running the tests: the same
 * file passes under `deno test` and under `bun test`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { selectAdapter } from "../../src/net/select.ts";
import { NetError } from "../../src/net/errors.ts";
import type { TcpConn } from "../../src/net/types.ts";
import { tcpFetch, tcpPeer, udpAsk, udpPeer } from "../_peers.ts";
import { IS_ROOT, peerSkip, run, RUNTIME } from "../_helpers.ts";

const net = selectAdapter();

test(`selectAdapter() picks the ${RUNTIME} adapter`, () => {
  assert.equal(net.runtime, RUNTIME);
  assert.match(net.runtimeVersion, /^\d+\.\d+\.\d+/);
});

test("listenTcp() binds port 0, reports the port, and serves each connection", async () => {
  await using listener = net.listenTcp({
    hostname: "127.0.0.1",
    port: 0,
    async onConnection(conn) {
      await conn.write(new TextEncoder().encode(`hi ${conn.remoteAddr.hostname}`));
      conn.close();
    },
  });
  assert.equal(listener.addr.transport, "tcp");
  assert.equal(listener.addr.hostname, "127.0.0.1");
  assert.ok(listener.addr.port > 0);
  const reply = await tcpFetch(listener.addr.port);
  assert.equal(reply.toString(), "hi 127.0.0.1");
});

test("listenTcp() keeps serving after a handler throws", async () => {
  let calls = 0;
  await using listener = net.listenTcp({
    hostname: "127.0.0.1",
    port: 0,
    onConnection(conn) {
      if (++calls === 1) throw new Error("boom");
      return conn.write(new Uint8Array([1])).then(() => conn.close());
    },
  });
  assert.equal((await tcpFetch(listener.addr.port)).length, 0, "the failing connection is closed");
  assert.deepEqual([...await tcpFetch(listener.addr.port)], [1]);
});

test("listenTcp() on a port in use throws NetError EADDRINUSE", async () => {
  await using taken = await tcpPeer(() => {});
  assert.throws(
    () => net.listenTcp({ hostname: "127.0.0.1", port: taken.port, onConnection() {} }),
    (e: unknown) => e instanceof NetError && e.code === "EADDRINUSE",
  );
});

test("listenTcp() on an address not on this machine throws NetError EADDRNOTAVAIL", () => {
  assert.throws(
    () => net.listenTcp({ hostname: "192.0.2.1", port: 0, onConnection() {} }),
    (e: unknown) => e instanceof NetError && e.code === "EADDRNOTAVAIL",
  );
});

test("connectTcp() reads to end of stream and writes everything", async () => {
  const big = new Uint8Array(4 * 1024 * 1024).map((_, i) => i & 255);
  let received = 0;
  await using peer = await tcpPeer((socket) => {
    socket.on("data", (d) => {
      received += d.length;
      if (received === big.length) socket.end(Buffer.from("done"));
    });
  });
  const conn = await net.connectTcp({ hostname: "127.0.0.1", port: peer.port });
  try {
    assert.equal(conn.remoteAddr.port, peer.port);
    await conn.write(big);
    const chunks: Uint8Array[] = [];
    for (let c = await conn.read(); c !== null; c = await conn.read()) chunks.push(c);
    assert.equal(new TextDecoder().decode(Buffer.concat(chunks)), "done");
    assert.equal(received, big.length);
  } finally {
    conn.close();
  }
});

test("connectTcp() to a closed port rejects with NetError ECONNREFUSED", async () => {
  const peer = await tcpPeer(() => {});
  const port = peer.port;
  await peer.close();
  await assert.rejects(
    net.connectTcp({ hostname: "127.0.0.1", port }),
    (e: unknown) => e instanceof NetError && e.code === "ECONNREFUSED",
  );
});

test("connectTcp() honours an abort signal", async () => {
  const abort = new AbortController();
  abort.abort();
  await assert.rejects(
    net.connectTcp({ hostname: "127.0.0.1", port: 9, signal: abort.signal }),
    (e: unknown) => e instanceof NetError && e.code === "EABORTED",
  );
});

test("TcpConn.close() ends a pending read with null", async () => {
  await using peer = await tcpPeer(() => {});
  const conn: TcpConn = await net.connectTcp({ hostname: "127.0.0.1", port: peer.port });
  const pending = conn.read();
  conn.close();
  conn.close(); // twice is harmless
  assert.equal(
    await Promise.race([pending, new Promise((r) => setTimeout(r, 2000, "hung"))]),
    null,
  );
});

test("bindUdp() receives empty and non-empty datagrams and replies", async () => {
  const seen: number[] = [];
  await using socket = await net.bindUdp({
    hostname: "127.0.0.1",
    port: 0,
    onDatagram({ data, from }, s) {
      seen.push(data.length);
      s.send(new Uint8Array([data.length, 7]), from);
    },
  });
  assert.equal(socket.addr.transport, "udp");
  assert.ok(socket.addr.port > 0);
  assert.deepEqual([...(await udpAsk(socket.addr.port))!], [0, 7]);
  assert.deepEqual([...(await udpAsk(socket.addr.port, new Uint8Array(3)))!], [3, 7]);
  assert.deepEqual(seen, [0, 3]);
});

test("bindUdp() hands over datagrams the handler may keep: a burst of 200 stays intact", async () => {
  // Each datagram is its own bytes: a later one (into a reused receive
  // buffer, or the next copy carved from the same slab) never changes it.
  const kept = new Map<number, Uint8Array>();
  let allIn!: () => void;
  const done = new Promise<void>((resolve) => (allIn = resolve));
  await using socket = await net.bindUdp({
    hostname: "127.0.0.1",
    port: 0,
    onDatagram({ data }) {
      kept.set(data[0], data);
      if (kept.size === 200) allIn();
    },
  });
  const payload = (i: number) => new Uint8Array(1 + (i * 37) % 300).fill(i).fill(255 - i, 1, 2);
  await using peer = await udpPeer();
  for (let i = 0; i < 200; i++) peer.socket.send(payload(i), socket.addr.port, "127.0.0.1");
  const timer = setTimeout(() => allIn(), 3000);
  try {
    await done;
  } finally {
    clearTimeout(timer);
  }
  assert.equal(kept.size, 200, "all 200 datagrams arrive on loopback");
  for (const [i, data] of kept) assert.deepEqual([...data], [...payload(i)], `datagram ${i}`);
});

test("bindUdp() works on IPv6 loopback", async () => {
  await using socket = await net.bindUdp({
    hostname: "::1",
    port: 0,
    onDatagram({ from }, s) {
      s.send(new Uint8Array([6]), from);
    },
  });
  assert.equal(socket.addr.hostname, "::1");
  assert.deepEqual([...(await udpAsk(socket.addr.port, undefined, 1000, "::1"))!], [6]);
});

test("UdpSocket.send() to a closed port never throws and the socket keeps working", async () => {
  const gone = await udpPeer();
  const closedPort = gone.port;
  await gone.close();
  await using socket = await net.bindUdp({
    hostname: "127.0.0.1",
    port: 0,
    onDatagram({ from }, s) {
      // Bun throws ECONNREFUSED synchronously here after an ICMP error: must be absorbed.
      for (let i = 0; i < 5; i++) {
        s.send(new Uint8Array([1]), { hostname: "127.0.0.1", port: closedPort });
      }
      s.send(new Uint8Array([2]), from);
    },
  });
  for (let round = 0; round < 5; round++) {
    assert.deepEqual([...(await udpAsk(socket.addr.port))!], [2], `round ${round}`);
  }
});

test("bindUdp() keeps serving after a handler throws", async () => {
  let calls = 0;
  await using socket = await net.bindUdp({
    hostname: "127.0.0.1",
    port: 0,
    onDatagram({ from }, s) {
      if (++calls === 1) throw new Error("boom");
      s.send(new Uint8Array([9]), from);
    },
  });
  assert.equal(await udpAsk(socket.addr.port, undefined, 300), null);
  assert.deepEqual([...(await udpAsk(socket.addr.port))!], [9]);
});

test("bindUdp() on a port in use rejects with NetError EADDRINUSE", async () => {
  await using taken = await udpPeer();
  await assert.rejects(
    net.bindUdp({ hostname: "127.0.0.1", port: taken.port, onDatagram() {} }),
    (e: unknown) => e instanceof NetError && e.code === "EADDRINUSE",
  );
});

test("serveHttp() serves a web-standard handler and shuts down", async () => {
  const server = await net.serveHttp({
    hostname: "127.0.0.1",
    port: 0,
    handler: (request, info) =>
      new Response(
        `${request.method} ${new URL(request.url).pathname} ${info.remoteAddr.hostname}`,
      ),
  });
  try {
    assert.ok(server.addr.port > 0);
    const response = await fetch(`http://127.0.0.1:${server.addr.port}/x`);
    assert.equal(await response.text(), "GET /x 127.0.0.1");
  } finally {
    await server.shutdown(1000);
  }
  await assert.rejects(fetch(`http://127.0.0.1:${server.addr.port}/x`));
});

test("serveHttp() gives the peer's address when asked late in the request, the same each time", async () => {
  await using server = await net.serveHttp({
    hostname: "127.0.0.1",
    port: 0,
    // The adapters work the address out on first look: after an await, as the access log does.
    handler: async (request, info) => {
      await request.text();
      await new Promise((resolve) => setTimeout(resolve, 10));
      const first = info.remoteAddr;
      return new Response(JSON.stringify([first, info.remoteAddr === first]));
    },
  });
  const [addr, same] = await (await fetch(`http://127.0.0.1:${server.addr.port}/`, {
    method: "POST",
    body: "x",
  })).json();
  assert.equal(addr.hostname, "127.0.0.1");
  assert.equal(addr.transport, "tcp");
  assert.ok(addr.port > 0 && addr.port !== server.addr.port, `port ${addr.port}`);
  assert.equal(same, true);
});

test("serveHttp() answers a throwing handler with a bare 500, no stack trace", async () => {
  await using server = await net.serveHttp({
    hostname: "127.0.0.1",
    port: 0,
    handler: () => {
      throw new Error("secret detail");
    },
  });
  const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
  assert.equal(response.status, 500);
  assert.doesNotMatch(await response.text(), /secret detail/);
});

test("resolve() uses the system resolver (localhost from /etc/hosts)", async () => {
  const found = await net.resolve("localhost");
  assert.ok(
    found.some((a) => a.address === "127.0.0.1" || a.address === "::1"),
    JSON.stringify(found),
  );
  await assert.rejects(
    net.resolve("no-such-host.invalid"),
    (e: unknown) => e instanceof NetError && e.code === "ENOTFOUND",
  );
});

const CHILD = fileURLToPath(new URL("./_child.ts", import.meta.url));

/** The argv that runs `_child.ts MODE` on the runtime running the tests. */
function childArgv(mode: string): string[] {
  return RUNTIME === "deno"
    ? [process.execPath, "run", "-A", CHILD, mode]
    : [process.execPath, CHILD, mode];
}

/** Starts the child, waits for `ready`, sends `signal`, and returns how it ended. */
async function signalChild(mode: string, signal: NodeJS.Signals) {
  const [program, ...args] = childArgv(mode);
  const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] });
  try {
    let stdout = "";
    const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal }))
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child not ready: ${stdout}`)), 15_000);
      child.stdout!.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        if (stdout.includes("ready\n")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill(signal);
    const end = await ended;
    return { ...end, stdout };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

test("onSignal() calls the handler instead of dying, for SIGTERM and SIGINT", async () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const ended = await signalChild("signal", signal);
    // Deno's node:child_process reports the signal sent even when the child
    // handled it and exited 0, so the proof is what the child printed after it.
    assert.equal(ended.stdout, `ready\n${signal}\nalive\n`);
    if (RUNTIME === "bun") assert.equal(ended.code, 0);
  }
});

test("onSignal()'s remover restores the default: the signal ends the process", async () => {
  const ended = await signalChild("signal-removed", "SIGTERM");
  assert.equal(ended.signal, "SIGTERM");
  assert.equal(ended.stdout, "ready\n");
});

/** Why nobody cannot run the child here: a checkout in a 0700 folder (mktemp -d) is unreadable. */
async function nobodyCannotRead(path: string): Promise<string | false> {
  const probe = await run([
    "setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
    "test",
    "-r",
    path,
  ]); // deno-fmt-ignore
  return probe.code === 0 ? false : `nobody cannot read ${path} (the checkout's folder is private)`;
}

test(
  "setSystemClock() and slewSystemClock() without privileges fail with NetError EPERM (never change the clock)",
  {
    skip: !existsSync("/proc/self/status")
      ? "needs Linux (/proc) to run the setter without capabilities"
      // As root, setpriv drops to an unprivileged user; root would set the clock.
      : IS_ROOT
      ? peerSkip("setpriv") || await nobodyCannotRead(CHILD)
      : false,
  },
  async () => {
    // As root the child drops to nobody with no capabilities; it refuses to
    // call the setter at all if any capability is left.
    const drop = IS_ROOT
      ? [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--",
      ]
      : [];
    const home = mkdtempSync(join(tmpdir(), "netkit-net-clock-"));
    try {
      chmodSync(home, 0o777);
      const result = await run([...drop, ...childArgv("clock")], {
        env: {
          HOME: home,
          DENO_DIR: join(home, "deno"),
          TMPDIR: home,
          BUN_INSTALL_CACHE_DIR: home,
        },
        timeoutMs: 30_000,
      });
      assert.equal(result.stdout.trim(), "EPERM\nEPERM", result.stderr);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  },
);

/**
 * Runs its argv with standard error on a pipe set O_NONBLOCK (as a parent
 * can leave it), reads it slowly so the pipe fills, and prints
 * `{ code, bytes, only_a, stdout }`.
 */
const SLOW_STDERR_READER = `
import fcntl, json, os, subprocess, sys, time
r, w = os.pipe()
fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=w)
os.close(w)
count, only_a = 0, True
time.sleep(0.2)
while chunk := os.read(r, 16384):
    count += len(chunk)
    only_a = only_a and chunk == b"a" * len(chunk)
    time.sleep(0.002)
stdout = child.stdout.read().decode()
print(json.dumps({"code": child.wait(), "bytes": count, "only_a": only_a, "stdout": stdout}))
`;

test("writeStdio(2) into a non-blocking stderr whose reader falls behind: every byte, once", {
  skip: peerSkip("python3"),
}, async () => {
  const ran = await run(["python3", "-c", SLOW_STDERR_READER, ...childArgv("stderr-flood")], {
    timeoutMs: 30_000,
  });
  assert.equal(ran.code, 0, ran.stderr);
  const result = JSON.parse(ran.stdout);
  assert.deepEqual(result, { code: 0, bytes: 1 << 20, only_a: true, stdout: "done\n" });
});
