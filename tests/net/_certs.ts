/**
 * Test certificates made with openssl: a CA, and leaves it signed (good,
 * for the wrong name, expired) plus a self-signed one. All in a temp folder
 * removed on dispose.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One certificate and its key, PEM. */
export interface Pem {
  cert: string;
  key: string;
}

/** What {@linkcode makeCertificates} made. */
export interface TestCertificates extends Disposable {
  /** The CA's certificate, PEM: trust it to get past chain checks. */
  ca: string;
  /** For localhost and 127.0.0.1, signed by the CA, valid 2020-2099. */
  good: Pem;
  /** For example.invalid only, signed by the CA. */
  wrongName: Pem;
  /** For localhost and 127.0.0.1, signed by the CA, valid one day in 2020. */
  expired: Pem;
  /** For localhost and 127.0.0.1, signed by its own key. */
  selfSigned: Pem;
  /** For localhost and 127.0.0.1, signed by the CA, valid from yesterday for 10 days; cert is leaf + CA. */
  fromYesterday: Pem;
  /** For localhost and 127.0.0.1, signed by the CA, valid from 3 days ago to 2 days ago. */
  lastWeek: Pem;
}

const DAY_MS = 86_400_000;

/** `openssl ca`'s date form, YYYYMMDDHHMMSSZ, `days` from now. */
function opensslDate(days: number): string {
  return new Date(Date.now() + days * DAY_MS).toISOString().replace(/[-:T]|\.\d+/g, "");
}

const CA_CONFIG = `[ca]
default_ca = d
[d]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = p
copy_extensions = copy
unique_subject = no
[p]
commonName = supplied
`;

function openssl(cwd: string, args: string[]): void {
  const result = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
}

/** Makes the certificates (needs openssl on PATH). */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "netkit-net-certs-"));
  try {
    writeFileSync(join(dir, "ca.cnf"), CA_CONFIG);
    writeFileSync(join(dir, "index.txt"), "");
    writeFileSync(join(dir, "serial"), "01\n");
    const key = ["-newkey", "rsa:2048", "-nodes"];
    // The CA is valid from yesterday for 30 days (self-signed through `openssl ca` for its dates).
    openssl(dir, [
      "req",
      ...key,
      "-keyout",
      "ca.key",
      "-out",
      "ca.csr",
      "-subj",
      "/CN=netkit test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, [
      "ca",
      "-batch",
      "-selfsign",
      "-config",
      "ca.cnf",
      "-keyfile",
      "ca.key",
      "-in",
      "ca.csr",
      "-out",
      "ca.pem",
      "-startdate",
      opensslDate(-1),
      "-enddate",
      opensslDate(30),
      "-notext",
    ]);
    const leaf = (name: string, san: string, start: string, end: string): Pem => {
      openssl(dir, [
        "req",
        ...key,
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.csr`,
        "-subj",
        `/CN=${name}`,
        "-addext",
        `subjectAltName=${san}`,
      ]);
      openssl(dir, [
        "ca",
        "-batch",
        "-config",
        "ca.cnf",
        "-cert",
        "ca.pem",
        "-keyfile",
        "ca.key",
        "-in",
        `${name}.csr`,
        "-out",
        `${name}.pem`,
        "-startdate",
        start,
        "-enddate",
        end,
        "-notext",
      ]);
      return pem(dir, name);
    };
    const local = "DNS:localhost,IP:127.0.0.1";
    const good = leaf("good", local, "20200101000000Z", "20991231000000Z");
    const wrongName = leaf("wrong", "DNS:example.invalid", "20200101000000Z", "20991231000000Z");
    const expired = leaf("expired", local, "20200101000000Z", "20200102000000Z");
    const fromYesterday = leaf("yesterday", local, opensslDate(-1), opensslDate(10));
    const lastWeek = leaf("lastweek", local, opensslDate(-3), opensslDate(-2));
    const ca = readFileSync(join(dir, "ca.pem"), "utf8");
    openssl(dir, [
      "req",
      "-x509",
      ...key,
      "-keyout",
      "self.key",
      "-out",
      "self.pem",
      "-days",
      "30",
      "-subj",
      "/CN=localhost",
      "-addext",
      `subjectAltName=${local}`,
    ]);
    return {
      ca,
      good,
      wrongName,
      expired,
      selfSigned: pem(dir, "self"),
      fromYesterday: { ...fromYesterday, cert: fromYesterday.cert + ca },
      lastWeek,
      [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function pem(dir: string, name: string): Pem {
  return {
    cert: readFileSync(join(dir, `${name}.pem`), "utf8"),
    key: readFileSync(join(dir, `${name}.key`), "utf8"),
  };
}
