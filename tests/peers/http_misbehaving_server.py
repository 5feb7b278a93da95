"""A scripted HTTP(S) server for netkit get's tests: one route per failure.

Usage: python3 http_misbehaving_server.py [CERT KEY]
Prints "ports HTTP HTTPS" (HTTPS 0 without a certificate) and serves until
stdin closes or 300 s pass, whichever comes first: it never outlives a test.

Every route is deterministic. DATA is the same 1 MiB for every run (seeded),
so tests compare SHA-256 sums. The server also acts as an HTTP proxy for the
host "proxied.test" (absolute-form request lines), marking such responses.
"""

import gzip
import hashlib
import json
import random
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

DATA = random.Random(868).randbytes(1 << 20)
ETAG = '"data-v1"'
SEEN = {}  # key -> list of request summaries, for /seen?key=
HITS = {}  # key -> count, for routes that change their answer
LOCK = threading.Lock()


def head(status, reason, headers, length=None):
    lines = [f"HTTP/1.1 {status} {reason}"]
    for name, value in headers:
        lines.append(f"{name}: {value}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def ranged(request_headers, body, etag=ETAG, honour=True):
    """Status, headers and bytes for a GET of `body`, honouring Range/If-Range."""
    headers = [("ETag", etag), ("Accept-Ranges", "bytes")]
    spec = request_headers.get("range")
    if_range = request_headers.get("if-range")
    if spec and honour and (if_range is None or if_range == etag):
        start_text, _, end_text = spec.removeprefix("bytes=").partition("-")
        start = int(start_text)
        if start >= len(body):
            return 416, "Range Not Satisfiable", headers + [("Content-Range", f"bytes */{len(body)}")], b""
        end = int(end_text) if end_text else len(body) - 1
        headers.append(("Content-Range", f"bytes {start}-{end}/{len(body)}"))
        return 206, "Partial Content", headers, body[start : end + 1]
    return 200, "OK", headers, body


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        conn = self.request
        conn.settimeout(30)
        raw = b""
        try:
            while b"\r\n\r\n" not in raw:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                raw += chunk
        except (OSError, socket.timeout):
            return
        head_text, _, rest = raw.partition(b"\r\n\r\n")
        lines = head_text.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        try:
            while len(rest) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                rest += chunk
        except (OSError, socket.timeout):
            return
        self.body = rest[:length]
        proxied = target.startswith("http://")
        if proxied:
            parts = urlsplit(target)
            if parts.hostname != "proxied.test":
                conn.sendall(head(502, "Bad Gateway", [], 0))
                return
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        url = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        key = query.get("key", "")
        with LOCK:
            SEEN.setdefault(key, []).append(
                {
                    "path": url.path,
                    "method": method,
                    "range": headers.get("range"),
                    "if_range": headers.get("if-range"),
                    "authorization": headers.get("authorization"),
                    "accept_encoding": headers.get("accept-encoding"),
                    "proxied": proxied,
                }
            )
            HITS[key] = HITS.get(key, 0) + 1
            hit = HITS[key]
        try:
            self.route(conn, method, url.path, query, headers, hit, proxied)
        except (OSError, socket.timeout):
            pass

    def send(self, conn, status, reason, headers, body, method="GET"):
        conn.sendall(head(status, reason, headers, len(body)) + (b"" if method == "HEAD" else body))

    def route(self, conn, method, path, query, headers, hit, proxied):
        extra = [("X-Proxied", "yes")] if proxied else []
        if path == "/data":
            status, reason, h, body = ranged(headers, DATA)
            self.send(conn, status, reason, h + extra, body, method)
        elif path == "/norange":  # a server that ignores Range
            self.send(conn, 200, "OK", [("ETag", ETAG)], DATA)
        elif path == "/short":  # Content-Length promises more than is sent
            conn.sendall(head(200, "OK", [], len(DATA)) + DATA[: len(DATA) // 2])
        elif path == "/reset":  # a reset in the middle of the body
            conn.sendall(head(200, "OK", [], len(DATA)) + DATA[: len(DATA) // 3])
            time.sleep(0.1)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif path == "/stall":  # stops sending after a little
            conn.sendall(head(200, "OK", [], len(DATA)) + DATA[:1000])
            time.sleep(float(query.get("for", "20")))
        elif path == "/stall-head":  # never answers
            time.sleep(float(query.get("for", "20")))
        elif path == "/drip":  # slow but steady: 12 pieces, one every 0.25 s
            body = DATA[:12000]
            conn.sendall(head(200, "OK", [], len(body)))
            for i in range(12):
                time.sleep(0.25)
                conn.sendall(body[i * 1000 : (i + 1) * 1000])
        elif path == "/slow":  # ranged, about 1 MiB/s: for kills halfway
            status, reason, h, body = ranged(headers, DATA)
            conn.sendall(head(status, reason, h, len(body)))
            for i in range(0, len(body), 16384):
                conn.sendall(body[i : i + 16384])
                time.sleep(float(query.get("pause", "0.015")))
        elif path == "/flaky":  # first answer breaks off; later ones honour Range
            if hit == 1:
                h = [("ETag", ETAG), ("Accept-Ranges", "bytes")]
                conn.sendall(head(200, "OK", h, len(DATA)) + DATA[:300_000])
                time.sleep(0.1)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                status, reason, h, body = ranged(headers, DATA)
                self.send(conn, status, reason, h, body)
        elif path == "/changed":  # the file changed since the .part: new ETag, If-Range fails
            status, reason, h, body = ranged(headers, DATA[::-1], etag='"data-v2"')
            self.send(conn, status, reason, h, body)
        elif path == "/retry-after":  # 503 with Retry-After until the Nth hit
            if hit < int(query.get("ok", "2")):
                self.send(conn, 503, "Service Unavailable", [("Retry-After", query.get("after", "1"))], b"busy\n")
            else:
                self.send(conn, 200, "OK", [], DATA)
        elif path == "/loop":
            self.send(conn, 302, "Found", [("Location", f"/loop?key={query.get('key', '')}")], b"")
        elif path == "/redirect":
            code = int(query.get("code", "302"))
            self.send(conn, code, "Redirect", [("Location", query["to"])], b"moved\n")
        elif path == "/disposition":
            h = [("Content-Disposition", query["value"]), ("Content-Type", "application/octet-stream")]
            self.send(conn, 200, "OK", h, b"named body\n")
        elif path == "/gzip":
            text = b"hello, compressed world\n" * 200
            if "gzip" in headers.get("accept-encoding", ""):
                self.send(conn, 200, "OK", [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")], gzip.compress(text))
            else:
                self.send(conn, 200, "OK", [], text)
        elif path == "/status":
            code = int(query.get("code", "404"))
            self.send(conn, code, query.get("reason", "Not Found"), [], b"<html>error page</html>\n")
        elif path == "/echo":  # what arrived: method, headers, body
            body = self.body
            reply = {"method": method, "headers": headers, "body": body.decode("latin-1")}
            self.send(conn, 200, "OK", [("Content-Type", "application/json")], json.dumps(reply).encode())
        elif path == "/seen":
            with LOCK:
                body = json.dumps(SEEN.get(query.get("of", ""), [])).encode()
            self.send(conn, 200, "OK", [("Content-Type", "application/json")], body)
        elif path == "/sha256":
            self.send(conn, 200, "OK", [], hashlib.sha256(DATA).hexdigest().encode())
        else:
            self.send(conn, 404, "Not Found", [], b"not here\n")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class TlsServer(Server):
    def __init__(self, address, context):
        super().__init__(address, Handler)
        self.context = context

    def get_request(self):
        conn, addr = super().get_request()
        conn.settimeout(10)
        try:
            return self.context.wrap_socket(conn, server_side=True), addr
        except (OSError, ssl.SSLError):
            conn.close()
            raise


def main():
    plain = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    tls_port = 0
    if len(sys.argv) == 3:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
        secure = TlsServer(("127.0.0.1", 0), context)
        threading.Thread(target=secure.serve_forever, daemon=True).start()
        tls_port = secure.server_address[1]
    print(f"ports {plain.server_address[1]} {tls_port}", flush=True)
    # Stop when the test closes our stdin, or after 300 s at the latest.
    watcher = threading.Thread(target=sys.stdin.read, daemon=True)
    watcher.start()
    watcher.join(300)


if __name__ == "__main__":
    main()
