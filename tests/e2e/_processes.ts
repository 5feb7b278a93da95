/**
 * What the get end-to-end tests share: stopping a peer they started, and a
 * CA with a leaf it signed, made with openssl.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { run } from "../_helpers.ts";

/** Stops a child this test started, by its PID, and waits until it is gone. */
export function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.on("close", () => resolve());
    process.kill(child.pid!, "SIGTERM");
  });
}

/** PEM files of a CA and a leaf for 127.0.0.1/localhost it signed, written into `dir`. */
export async function makeCertificates(
  dir: string,
): Promise<{ ca: string; cert: string; key: string }> {
  // A CA and a leaf it signed: rustls (Deno) refuses a self-signed CA as the server's certificate.
  const script = `set -e
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=netkit-test-ca -keyout ca.key -out ca.pem
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost -keyout leaf.key -out leaf.csr
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=critical,CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > ext.cnf
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out leaf.pem`;
  const made = await run(["sh", "-c", `cd '${dir}' && { ${script}; } 2>&1`]);
  assert.equal(made.code, 0, made.stdout);
  return { ca: join(dir, "ca.pem"), cert: join(dir, "leaf.pem"), key: join(dir, "leaf.key") };
}
