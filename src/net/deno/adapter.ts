/**
 * The adapter on Deno's native APIs, assembled from one file per capability.
 * Only `src/net/deno/` touches `Deno.*`.
 *
 * @module
 */
import type { NetAdapter } from "../types.ts";
import { connectTcp, listenTcp } from "./tcp.ts";
import { bindUdp } from "./udp.ts";
import { serveHttp } from "./http.ts";
import { fileBody, fs } from "./fs.ts";
import { resolve } from "./resolve.ts";
import { selfCommand } from "./self_command.ts";
import { onSignal } from "./signals.ts";
import { clockSync, setSystemClock, slewSystemClock } from "./clock.ts";
import { sendUnixDatagram } from "./unix_datagram.ts";
import { isTerminal, writeStdio } from "./stdio.ts";

/**
 * The {@linkcode NetAdapter} for Deno.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoAdapter } from "./adapter.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   assert(denoAdapter.runtime === "deno");
 *   assert(/^\d+\.\d+\.\d+/.test(denoAdapter.runtimeVersion));
 * }
 * ```
 */
export const denoAdapter: NetAdapter = {
  runtime: "deno",
  get runtimeVersion() {
    return Deno.version.deno;
  },
  listenTcp,
  connectTcp,
  bindUdp,
  serveHttp,
  fileBody,
  fs,
  resolve,
  selfCommand,
  isTerminal,
  writeStdio,
  onSignal,
  // Loaded on first use: node:http(s), node:tls and node:crypto behind these
  // cost ~3 MB of memory in every process, a time server's included.
  fetch: (url, init, extras) => import("./fetch.ts").then((m) => m.denoFetch(url, init, extras)),
  // Deno turns certificate checks off only for a whole process, never per request.
  insecureTls: false,
  insecureTlsHint: "under Deno, -k needs --unsafely-ignore-certificate-errors",
  openHeadSession: (options) =>
    import("../_head_session.ts").then((m) => m.openHeadSession(options)),
  setSystemClock,
  slewSystemClock,
  clockSync,
  sendUnixDatagram,
};
