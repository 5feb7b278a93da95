/**
 * The adapter on Bun's native APIs, assembled from one file per capability.
 * Only `src/net/bun/` touches `Bun.*`; Bun's callback-style sockets become
 * promises there, never in callers.
 *
 * @module
 */
import type { NetAdapter } from "../types.ts";
import type { BunApi } from "./_api.ts";
import { connectTcp, listenTcp } from "./tcp.ts";
import { bindUdp } from "./udp.ts";
import { serveHttp } from "./http.ts";
import { fileBody, fs } from "./fs.ts";
import { bunFetch } from "./fetch.ts";
import { resolve } from "./resolve.ts";
import { selfCommand } from "./self_command.ts";
import { onSignal } from "./signals.ts";
import { clockSync, setSystemClock, slewSystemClock } from "./clock.ts";
import { sendUnixDatagram } from "./unix_datagram.ts";
import { isTerminal, writeStdio } from "./stdio.ts";
import { openHeadSession } from "../_head_session.ts";

declare const Bun: BunApi;

/**
 * The {@linkcode NetAdapter} for Bun.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bunAdapter } from "./adapter.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
 *   assert(bunAdapter.runtime === "bun");
 *   assert(/^\d+\.\d+\.\d+/.test(bunAdapter.runtimeVersion));
 * }
 * ```
 */
export const bunAdapter: NetAdapter = {
  runtime: "bun",
  get runtimeVersion() {
    return Bun.version;
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
  fetch: bunFetch,
  insecureTls: true,
  insecureTlsHint: "",
  openHeadSession,
  setSystemClock,
  slewSystemClock,
  clockSync,
  sendUnixDatagram,
};
