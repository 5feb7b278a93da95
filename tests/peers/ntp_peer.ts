/**
 * A scripted SNTP server for the client's tests, on node:dgram and raw
 * DataView bytes: it shares no code with netkit's codec, so a codec bug
 * cannot hide itself. Each test scripts what the server sends back (or not)
 * for each request: a good reply, a hostile one, a kiss-o'-death, nothing.
 *
 * @module
 */
import dgram from "node:dgram";

/** RFC 5905 §6: seconds from 1900 to 1970. */
const NTP_UNIX_OFFSET = 2_208_988_800;

let anchorMs = Date.now() + 0.5 - performance.now();
/**
 * The peer's clock: Unix seconds with sub-millisecond resolution, the
 * monotonic clock anchored to the wall clock and re-anchored whenever they
 * part by 2 ms: a virtual machine's wall clock was seen running
 * 850 ppm from its monotonic one, half a second in a ten-minute test run.
 */
export function peerNow(): number {
  const wallMs = Date.now();
  const fineMs = anchorMs + performance.now();
  // 2 ms of slack: re-anchoring on every millisecond turn made a reply's transmit
  // stamp jump past its receive stamp (a negative delay); 2 ms keeps offsets honest.
  if (fineMs < wallMs - 2 || fineMs >= wallMs + 3) anchorMs += wallMs + 0.5 - fineMs;
  return (anchorMs + performance.now()) / 1000;
}

/** A request the peer received. */
export interface PeerRequest {
  data: Uint8Array;
  /** The transmit timestamp (the client's nonce), 8 bytes. */
  transmit: Uint8Array;
  from: { address: string; port: number };
  /** Peer clock when it arrived, Unix seconds. */
  receivedAt: number;
  /** Which request this is, from 0. */
  index: number;
}

/** The fields of a reply; all default to those of a good stratum-2 reply. */
export interface ReplyFields {
  leap?: number;
  version?: number;
  mode?: number;
  stratum?: number;
  poll?: number;
  precision?: number;
  /** Seconds. */
  rootDelay?: number;
  /** Seconds. */
  rootDispersion?: number;
  /** Four octets, or up to four ASCII characters (a kiss code). */
  refid?: string | number[];
  /** Default: the request's transmit timestamp, echoed. */
  origin?: Uint8Array;
  /** Unix seconds, or "zero". Default: when the request arrived. */
  receive?: number | "zero";
  /** Unix seconds, or "zero". Default: now. */
  transmit?: number | "zero";
}

/** The 8 bytes of an NTP timestamp for a Unix time (wrapping into era 1 past 2036). */
export function ntpBytes(unixSeconds: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  const whole = Math.floor(unixSeconds);
  view.setUint32(0, (whole + NTP_UNIX_OFFSET) % 2 ** 32);
  view.setUint32(4, Math.min(2 ** 32 - 1, Math.floor((unixSeconds - whole) * 2 ** 32)));
  return bytes;
}

/**
 * Builds a reply to `request` (48 bytes).
 *
 * @param request what the client sent
 * @param fields what to put in the reply instead of a good stratum-2 answer
 */
export function replyTo(request: PeerRequest, fields: ReplyFields = {}): Uint8Array {
  const bytes = new Uint8Array(48);
  const view = new DataView(bytes.buffer);
  const { leap = 0, version = 4, mode = 4, stratum = 2 } = fields;
  view.setUint8(0, (leap << 6) | (version << 3) | mode);
  view.setUint8(1, stratum);
  view.setInt8(2, fields.poll ?? 6);
  view.setInt8(3, fields.precision ?? -20);
  view.setUint32(4, Math.round((fields.rootDelay ?? 0.01) * 65536));
  view.setUint32(8, Math.round((fields.rootDispersion ?? 0.01) * 65536));
  const refid = fields.refid ?? [192, 0, 2, 1];
  bytes.set(
    typeof refid === "string" ? Array.from(refid, (c) => c.charCodeAt(0)) : refid,
    12,
  );
  const stamp = (value: number | "zero") => value === "zero" ? new Uint8Array(8) : ntpBytes(value);
  bytes.set(stamp(request.receivedAt - 30), 16); // reference: last set 30 s ago
  bytes.set(fields.origin ?? request.transmit, 24);
  bytes.set(stamp(fields.receive ?? request.receivedAt), 32);
  bytes.set(stamp(fields.transmit ?? peerNow()), 40);
  return bytes;
}

/** What the script does with one request: datagrams to send back (maybe none). */
export type PeerScript = (
  request: PeerRequest,
  socket: dgram.Socket,
) => Uint8Array | Uint8Array[] | null | void;

/** A running scripted server. */
export interface NtpPeer extends AsyncDisposable {
  port: number;
  socket: dgram.Socket;
  /** Every request received, in order. */
  requests: PeerRequest[];
  close(): Promise<void>;
}

/** Where {@linkcode ntpPeer} listens. */
export interface NtpPeerOptions {
  /** @default "127.0.0.1" */
  host?: string;
  /** @default 0 */
  port?: number;
}

/**
 * Starts a scripted SNTP server on 127.0.0.1 (or the loopback address given), port 0.
 *
 * @param script what to answer each request with; default a good reply
 * @param options the address (e.g. `::1`, `127.0.0.2`) and port
 */
export async function ntpPeer(
  script: PeerScript = (request) => replyTo(request),
  options: NtpPeerOptions = {},
): Promise<NtpPeer> {
  const host = options.host ?? "127.0.0.1";
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  const requests: PeerRequest[] = [];
  socket.on("message", (message, rinfo) => {
    const receivedAt = peerNow();
    const data = new Uint8Array(message);
    const request: PeerRequest = {
      data,
      transmit: data.slice(40, 48),
      from: { address: rinfo.address, port: rinfo.port },
      receivedAt,
      index: requests.length,
    };
    requests.push(request);
    const replies = script(request, socket);
    for (const reply of replies instanceof Uint8Array ? [replies] : replies ?? []) {
      socket.send(reply, rinfo.port, rinfo.address);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(options.port ?? 0, host, () => resolve());
  });
  socket.on("error", () => {});
  const close = () => new Promise<void>((resolve) => socket.close(() => resolve()));
  return {
    port: socket.address().port,
    socket,
    requests,
    close,
    [Symbol.asyncDispose]: close,
  };
}
