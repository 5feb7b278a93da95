/**
 * sendUnixDatagram() against a receiver nobody here wrote: python3's
 * AF_UNIX datagram socket, bound to a path and to an abstract name (the
 * two forms `$NOTIFY_SOCKET` takes).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { randomBytes } from "node:crypto";
import { selectAdapter } from "../../src/net/select.ts";
import { NetError } from "../../src/net/errors.ts";
import { peerSkip } from "../_helpers.ts";

const net = selectAdapter();
const skip = process.platform !== "linux" ? "Unix datagrams are sent on Linux only" : false;

/** python3 receiving one datagram at `address` ("@name": abstract); prints `bound`, then it. */
const RECEIVER = `
import socket, sys
name = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\\0" + name[1:] if name.startswith("@") else name)
print("bound", flush=True)
s.settimeout(10)
print(s.recv(4096).decode(), end="", flush=True)
`;

/** Starts the receiver and waits until it is bound; `received` is what it will print. */
async function receiveOne(address: string): Promise<{ received: Promise<string> }> {
  const child = spawn("python3", ["-c", RECEIVER, address], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<string>((resolve, reject) => {
    child.on("error", reject);
    child.on(
      "close",
      (code) =>
        code === 0
          ? resolve(output.replace(/^bound\n/, ""))
          : reject(new Error(`python3 exited with ${code}: ${stderr}`)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk) => {
      output += chunk;
      if (output.startsWith("bound\n")) resolve();
    });
    exited.catch(reject);
  });
  return { received: exited }; // wrapped: an async function would wait for it
}

test("sendUnixDatagram() delivers one datagram to a socket bound to a path", {
  skip: skip || peerSkip("python3"),
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-unix-"));
  try {
    const path = join(dir, "notify");
    const { received } = await receiveOne(path);
    await net.sendUnixDatagram(path, new TextEncoder().encode("READY=1\nSTATUS=synced"));
    assert.equal(await received, "READY=1\nSTATUS=synced");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sendUnixDatagram() reaches an abstract socket named @name (systemd's other form)", {
  skip: skip || peerSkip("python3"),
}, async () => {
  const name = `@netkit-test-${randomBytes(6).toString("hex")}`;
  const { received } = await receiveOne(name);
  await net.sendUnixDatagram(name, new TextEncoder().encode("READY=1"));
  assert.equal(await received, "READY=1");
});

test("sendUnixDatagram() names a missing socket and one nobody is bound to", {
  skip: skip || peerSkip("python3"),
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-unix-"));
  try {
    const missing = await net.sendUnixDatagram(join(dir, "none"), new Uint8Array(1)).catch((e) =>
      e
    );
    assert.ok(missing instanceof NetError);
    assert.equal(missing.code, "ENOENT");
    assert.match(missing.message, /^Cannot send to socket .*none: no such socket$/);
    // The receiver exits after one datagram and leaves its socket file behind.
    const path = join(dir, "stale");
    const { received } = await receiveOne(path);
    await net.sendUnixDatagram(path, new Uint8Array([65]));
    assert.equal(await received, "A");
    const stale = await net.sendUnixDatagram(path, new Uint8Array(1)).catch((e) => e);
    assert.equal(stale.code, "ECONNREFUSED");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sendUnixDatagram() refuses a path longer than a socket address holds", { skip }, async () => {
  const refused = await net.sendUnixDatagram(`/${"x".repeat(200)}`, new Uint8Array(1)).catch((e) =>
    e
  );
  assert.ok(refused instanceof RangeError);
});
