/** A served temp folder with the write side on, called in-process. */
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectAdapter } from "../../../src/net/select.ts";
import { createFileHandler } from "../../../src/serve_http/handler.ts";
import {
  WriteHandler,
  type WriteHandlerOptions,
} from "../../../src/serve_http/upload/write_handler.ts";

const net = selectAdapter();

/** A temp root, a handler with writes, and a request helper; `using` removes the folder. */
export interface WriteFixture extends Disposable {
  root: string;
  request(path: string, init?: RequestInit & { from?: string }): Promise<Response>;
}

/**
 * Makes a fixture.
 *
 * @param options write options (root is filled in)
 * @param read the read side's `auth`, if any, and how long its looks are reused (0 unless given)
 */
export function writeFixture(
  options: Partial<WriteHandlerOptions> = {},
  read: { auth?: { user: string; password: string }; revalidateMs?: number } = {},
): WriteFixture {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "netkit-upload-")));
  const writes = new WriteHandler({ root, ...options });
  const handler = createFileHandler({
    root,
    fileBody: net.fileBody,
    fs: net.fs,
    writes,
    auth: read.auth,
    revalidateMs: read.revalidateMs ?? 0,
  });
  return {
    root,
    request: (path, init = {}) =>
      Promise.resolve(
        handler(new Request(`http://localhost${path}`, init), {
          remoteAddr: { transport: "tcp", hostname: init.from ?? "127.0.0.1", port: 1 },
        }),
      ),
    [Symbol.dispose]: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Basic credentials as a header. */
export function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${btoa(`${user}:${password}`)}` };
}
