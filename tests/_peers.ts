/**
 * Independent peers for in-process tests, on node:net and node:dgram (not on
 * netkit's adapters, so an adapter bug cannot hide itself).
 *
 * @module
 */
import net from "node:net";
import dgram from "node:dgram";

/** A TCP server on 127.0.0.1 that does `onConnection` to each client. */
export async function tcpPeer(
  onConnection: (socket: net.Socket) => void,
): Promise<{ port: number; close(): Promise<void> } & AsyncDisposable> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return { port, close, [Symbol.asyncDispose]: close };
}

/** A UDP socket on 127.0.0.1 (or ::1) port 0. */
export async function udpPeer(
  onMessage: (data: Buffer, rinfo: dgram.RemoteInfo, socket: dgram.Socket) => void = () => {},
  family: 4 | 6 = 4,
): Promise<{ socket: dgram.Socket; port: number; close(): Promise<void> } & AsyncDisposable> {
  const socket = dgram.createSocket(family === 6 ? "udp6" : "udp4");
  socket.on("message", (data, rinfo) => onMessage(data, rinfo, socket));
  socket.on("error", () => {});
  await new Promise<void>((resolve) =>
    socket.bind(0, family === 6 ? "::1" : "127.0.0.1", () => resolve())
  );
  const port = socket.address().port;
  const close = () => new Promise<void>((resolve) => socket.close(() => resolve()));
  return { socket, port, close, [Symbol.asyncDispose]: close };
}

/** Reads a whole TCP reply with node:net: every byte until the server closes. */
export function tcpFetch(port: number, host = "127.0.0.1", timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, host);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error("timeout")));
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks)));
  });
}

/** Sends one UDP datagram and waits for the first reply, or null after `timeoutMs`. */
export async function udpAsk(
  port: number,
  payload: Uint8Array = new Uint8Array(0),
  timeoutMs = 1000,
  host = "127.0.0.1",
): Promise<Buffer | null> {
  let settle!: (b: Buffer | null) => void;
  const reply = new Promise<Buffer | null>((resolve) => (settle = resolve));
  await using peer = await udpPeer((data) => settle(data), host.includes(":") ? 6 : 4);
  peer.socket.send(payload, port, host);
  const timer = setTimeout(() => settle(null), timeoutMs);
  try {
    return await reply;
  } finally {
    clearTimeout(timer);
  }
}
