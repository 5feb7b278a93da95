/**
 * Node built-ins loaded on first use. A static `import … from "node:crypto"`
 * in the compiled binary's start chunks (main.ts, what it imports, the
 * adapter) is evaluated at every start, whatever the command runs, and in a
 * command's chunk whenever that command runs: node:crypto alone costs Bun
 * ~5 ms (`netkit --version` went from 24.5 to 16.6 ms without these). Code
 * that needs one of them only sometimes takes it from here.
 *
 * @module
 */
import process from "node:process";

/** node:crypto, loaded on first call. */
export const nodeCrypto = () =>
  process.getBuiltinModule("node:crypto") as typeof import("node:crypto");
/** node:tls, loaded on first call. */
export const nodeTls = () => process.getBuiltinModule("node:tls") as typeof import("node:tls");
/** node:net, loaded on first call. */
export const nodeNet = () => process.getBuiltinModule("node:net") as typeof import("node:net");
/** node:stream, loaded on first call. */
export const nodeStream = () =>
  process.getBuiltinModule("node:stream") as typeof import("node:stream");
/** node:fs/promises, loaded on first call (Bun: ~1 ms at start, needed only by serve-http). */
export const nodeFsPromises = () =>
  process.getBuiltinModule("node:fs/promises") as typeof import("node:fs/promises");
/** node:child_process, loaded on first call. */
export const nodeChildProcess = () =>
  process.getBuiltinModule("node:child_process") as typeof import("node:child_process");
