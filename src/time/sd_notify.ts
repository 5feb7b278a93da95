/**
 * systemd's readiness protocol (`sd_notify(3)`): one datagram of
 * newline-separated `KEY=VALUE` lines to the AF_UNIX socket `$NOTIFY_SOCKET`
 * names (a path, or `@name` in Linux's abstract namespace). `sync-time`
 * sends `READY=1` after its first sync, so a `Type=notify` unit ordered
 * before `time-sync.target` means what the target says.
 *
 * @module
 */

/** Options for {@linkcode SdNotifier}. */
export interface SdNotifierOptions {
  /** Sends one datagram to an AF_UNIX path or `@abstract` name (the adapter's `sendUnixDatagram`). */
  send(path: string, bytes: Uint8Array): Promise<void>;
  /** Told once when a message cannot be sent (the service manager may then wait in vain). */
  log(line: string): void;
}

/**
 * The bytes of one notification: `KEY=VALUE` lines, in the order given.
 *
 * @param fields e.g. `{ READY: "1", STATUS: "synced" }`
 * @returns the datagram
 * @throws {TypeError} on a key that is not `[A-Z_]+`, or a value with a line break
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sdNotifyMessage } from "./sd_notify.ts";
 *
 * const bytes = sdNotifyMessage({ READY: "1", STATUS: "synced: offset +0.002 s" });
 * assert.equal(new TextDecoder().decode(bytes), "READY=1\nSTATUS=synced: offset +0.002 s\n");
 * ```
 */
export function sdNotifyMessage(fields: Record<string, string>): Uint8Array {
  const lines = Object.entries(fields).map(([key, value]) => {
    if (!/^[A-Z_]+$/.test(key)) {
      throw new TypeError(`Cannot build a notification: bad key '${key}'`);
    }
    if (/[\r\n]/.test(value)) {
      throw new TypeError(`Cannot build a notification: the value of ${key} has a line break`);
    }
    return `${key}=${value}\n`;
  });
  return new TextEncoder().encode(lines.join(""));
}

/**
 * Sends notifications to `$NOTIFY_SOCKET`, when it is set; does nothing
 * otherwise (as `sd_notify` returns 0 then). A failure is logged once and
 * never thrown: the program keeps the clock either way.
 *
 * @example Without NOTIFY_SOCKET nothing is sent
 * ```ts
 * import assert from "node:assert/strict";
 * import { SdNotifier } from "./sd_notify.ts";
 *
 * const sent: string[] = [];
 * const send = (path: string, bytes: Uint8Array) => {
 *   sent.push(`${path} ${new TextDecoder().decode(bytes)}`);
 *   return Promise.resolve();
 * };
 * await new SdNotifier(undefined, { send, log: () => {} }).notify({ READY: "1" });
 * assert.equal(sent.length, 0);
 * await new SdNotifier("@netkit", { send, log: () => {} }).notify({ READY: "1" });
 * assert.deepEqual(sent, ["@netkit READY=1\n"]);
 * ```
 */
export class SdNotifier {
  #socket: string | undefined;
  #options: SdNotifierOptions;
  #failed = false;

  /**
   * @param socket the value of `$NOTIFY_SOCKET` (undefined or empty: notify nobody)
   * @param options the sender and the log
   */
  constructor(socket: string | undefined, options: SdNotifierOptions) {
    this.#socket = socket === "" ? undefined : socket;
    this.#options = options;
  }

  /** Whether there is a service manager to tell. */
  get enabled(): boolean {
    return this.#socket !== undefined;
  }

  /**
   * Sends one notification; resolves when sent or given up.
   *
   * @param fields the `KEY=VALUE` pairs
   */
  async notify(fields: Record<string, string>): Promise<void> {
    const socket = this.#socket;
    if (socket === undefined || this.#failed) return;
    if (!socket.startsWith("/") && !socket.startsWith("@")) {
      this.#fail(`NOTIFY_SOCKET=${socket}: only AF_UNIX paths and @names are supported`);
      return;
    }
    try {
      await this.#options.send(socket, sdNotifyMessage(fields));
    } catch (error) {
      this.#fail(`cannot notify ${socket}: ${error instanceof Error ? error.message : error}`);
    }
  }

  #fail(message: string): void {
    this.#failed = true;
    this.#options.log(`${message} (the service manager is not told; nothing else changes)`);
  }
}
