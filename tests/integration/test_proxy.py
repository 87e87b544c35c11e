"""test_proxy.py: the reverse proxy to the homeserver (homeserver.proxy):
client requests mxgate does not answer go to the homeserver peer
(tests/peers/homeserver.mjs) as they came, raw path and query, headers but
the hop-by-hop ones, bodies streamed both ways in bounded memory (a 20 MiB
upload, a 50 MiB download, a client that stops reading), and come back
with the homeserver's status and headers; a homeserver down, slow or
refusing is a clear 502/504; long-polls; the limits; shutdown."""

import hashlib
import http.client
import json
import socket
import threading
import time

from harness import Daemon, check, free_port, main, test, with_homeserver_peer

CONFIG = """
server_name: example.org
data_dir: "@DATA_DIR@"
log:
  file: "@LOG_FILE@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [client, identity, health]
database:
  driver: sqlite
http:
  shutdown_timeout: 2s
homeserver:
  base_url: "@HS@"
  connect_timeout: 1s
  proxy_timeout: @TIMEOUT@
  proxy_max_body: 30M
  proxy_max_connections: @MAXCONN@
@EXTRA@
"""

MIB = 1024 * 1024
PATTERN = bytes(i % 251 for i in range(251 * 256))


def pattern_sha256(total):
    h = hashlib.sha256()
    sent = 0
    while sent < total:
        n = min(len(PATTERN), total - sent)
        h.update(PATTERN[:n])
        sent += n
    return h.hexdigest()


def mxgate(peer, timeout="5s", maxconn=64, extra="", hs=None):
    return Daemon(CONFIG, subst={"HS": hs or peer.base_url, "TIMEOUT": timeout,
                                 "MAXCONN": str(maxconn), "EXTRA": extra})


def rss_kib(d):
    with open("/proc/%d/status" % d.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def raw(d, method, path, body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=timeout)
    conn.putrequest(method, path, skip_accept_encoding=True,
                    skip_host="Host" in (headers or {}))
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    if body is not None:
        conn.send(body)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


@test
@with_homeserver_peer()
def requests_pass_unchanged(peer):
    with mxgate(peer) as d:
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            body = None if method in ("GET", "DELETE") else b'{"k": "v\\u00e9"}'
            resp, data = raw(d, method, "/_peer/echo/room%2Fid/%21x%3Ay?from=s1&filter=%7B%7D"
                             "&flag", body, {"Authorization": "Bearer syt_tok",
                                             "Content-Type": "application/json"})
            echo = json.loads(data or b"{}")
            check("%s: 200 from the homeserver, its headers kept" % method,
                  resp.status == 200 and resp.getheader("X-Peer") == "echo", resp.status)
            check("%s: method, raw path and query as sent" % method,
                  echo.get("method") == method and echo.get("url") ==
                  "/_peer/echo/room%2Fid/%21x%3Ay?from=s1&filter=%7B%7D&flag", echo)
            want = hashlib.sha256(body or b"").hexdigest()
            check("%s: body as sent" % method, echo.get("body_sha256") == want and
                  echo.get("body_length") == len(body or b""), echo)
            check("%s: the access token passed on" % method,
                  echo.get("headers", {}).get("authorization") == "Bearer syt_tok", echo)
        resp, data = raw(d, "GET", "/_peer/echo", None, {
            "Connection": "keep-alive, X-Hop", "X-Hop": "1", "Keep-Alive": "timeout=5",
            "Proxy-Authorization": "Basic eDp5", "TE": "trailers", "Upgrade": "h2c",
            "X-Forwarded-For": "203.0.113.7", "X-End-To-End": "yes", "Host": "matrix.example"})
        h = json.loads(data).get("headers", {})
        check("hop-by-hop headers dropped (and the one Connection names)",
              not {"x-hop", "keep-alive", "proxy-authorization", "te", "upgrade"} & set(h) and
              h.get("connection") in (None, "keep-alive", "close"), h)
        check("end-to-end headers kept", h.get("x-end-to-end") == "yes", h)
        check("X-Forwarded-For appended, -Proto and -Host set",
              h.get("x-forwarded-for") == "203.0.113.7, 127.0.0.1" and
              h.get("x-forwarded-proto") == "http" and
              h.get("x-forwarded-host") == "matrix.example", h)
        check("the homeserver's own Host, not the client's",
              h.get("host") == "127.0.0.1:%d" % peer.port, h)
        resp, data = raw(d, "POST", "/_peer/echo/logout", b"")
        h = json.loads(data).get("headers", {})
        check("an empty POST keeps its Content-Length: 0",
              h.get("content-length") == "0" and "transfer-encoding" not in h, h)
        resp, data = raw(d, "GET", "/_matrix/client/versions")
        check("GET /_matrix/client/versions: the homeserver's",
              resp.status == 200 and "versions" in json.loads(data), data)
        resp, data = raw(d, "HEAD", "/_peer/large?mib=1")
        check("HEAD: status and length, no body",
              resp.status == 200 and resp.getheader("Content-Length") == str(MIB) and
              data == b"", (resp.status, resp.getheaders()))
        resp, data = raw(d, "GET", "/_matrix/identity/v2")
        check("mxgate's own API on the same listener is not proxied",
              resp.status == 200 and json.loads(data) == {}, data)
        resp, data = raw(d, "GET", "/_matrix/identity/v2/nonexistent")
        check("an unknown identity path: mxgate's 404, not the homeserver's",
              resp.status == 404 and b"M_UNRECOGNIZED" in data, data)
        out = d.send_raw(b"OPTIONS /_matrix/client/v3/sync HTTP/1.1\r\nHost: x\r\n"
                         b"Origin: https://app.example\r\n\r\n", timeout=2)
        check("CORS preflight answered by mxgate", out.startswith(b"HTTP/1.1 200"), out[:100])


@test
@with_homeserver_peer()
def large_bodies_stream(peer):
    with mxgate(peer, timeout="60s") as d:
        raw(d, "GET", "/_matrix/client/versions")
        before = rss_kib(d)
        upload = bytes(PATTERN) * (20 * MIB // len(PATTERN) + 1)
        upload = upload[:20 * MIB]
        resp, data = raw(d, "POST", "/_peer/echo/upload", upload,
                         {"Content-Type": "application/octet-stream"}, timeout=60)
        echo = json.loads(data or b"{}")
        check("a 20 MiB upload arrives whole", resp.status == 200 and
              echo.get("body_length") == 20 * MIB and
              echo.get("body_sha256") == hashlib.sha256(upload).hexdigest(), echo)
        resp, data = raw(d, "GET", "/_peer/large?mib=50", timeout=60)
        check("a 50 MiB download arrives whole, with its Content-Length",
              resp.status == 200 and len(data) == 50 * MIB and
              hashlib.sha256(data).hexdigest() == pattern_sha256(50 * MIB), len(data))
        resp, data = raw(d, "GET", "/_peer/large?mib=8&chunked=1", timeout=60)
        check("a chunked download (no length) arrives whole",
              resp.status == 200 and len(data) == 8 * MIB and
              hashlib.sha256(data).hexdigest() == pattern_sha256(8 * MIB), len(data))
        grew = rss_kib(d) - before
        check("mxgate's memory did not grow with the bodies (+%d KiB)" % grew,
              grew < 16 * 1024, grew)
        # A client that asks for 50 MiB and reads nothing: mxgate must not
        # pull it all in on its behalf.
        s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.sendall(b"GET /_peer/large?mib=50 HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(1.5)
        stalled = rss_kib(d) - before
        check("a client that does not read: mxgate holds little (+%d KiB)" % stalled,
              stalled < 16 * 1024, stalled)
        got = 0
        h = hashlib.sha256()
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(65536)
        head, _, rest = head.partition(b"\r\n\r\n")
        h.update(rest)
        got = len(rest)
        while got < 50 * MIB:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            h.update(chunk)
            got += len(chunk)
        s.close()
        check("...and once it reads, every byte comes", got == 50 * MIB and
              h.hexdigest() == pattern_sha256(50 * MIB), got)
        out = d.send_raw(b"POST /_peer/echo HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Length: %d\r\n\r\n" % (31 * MIB))
        check("a body declared over proxy_max_body: 413 M_TOO_LARGE",
              b" 413 " in out.split(b"\r\n")[0] and b"M_TOO_LARGE" in out, out[:200])


@test
@with_homeserver_peer()
def homeserver_trouble(peer):
    with mxgate(peer, hs="http://127.0.0.1:%d" % free_port()) as d:
        resp, data = raw(d, "GET", "/_matrix/client/v3/sync")
        check("homeserver down: 502 M_UNKNOWN", resp.status == 502 and
              json.loads(data).get("errcode") == "M_UNKNOWN", data)
        resp, data = raw(d, "PUT", "/_peer/echo", b"x" * 300000)
        check("homeserver down, with a body: 502", resp.status == 502, data[:200])
    with mxgate(peer, timeout="2s") as d:
        t0 = time.monotonic()
        resp, data = raw(d, "GET", "/_peer/slow?ms=6000")
        took = time.monotonic() - t0
        check("homeserver slow: 504 at proxy_timeout (2 s), took %.1f s" % took,
              resp.status == 504 and 1.5 < took < 4.5, (resp.status, data))
    with mxgate(peer, timeout="10s") as d:
        t0 = time.monotonic()
        resp, data = raw(d, "GET", "/_matrix/client/v3/sync?timeout=3000&since=s1")
        took = time.monotonic() - t0
        check("a long-poll /sync held for its timeout (%.1f s), then answered" % took,
              resp.status == 200 and 2.8 < took < 6 and b"next_batch" in data, data)
        results = []

        def one():
            r, body = raw(d, "GET", "/_matrix/client/versions")
            results.append(r.status)
        threads = [threading.Thread(target=one) for _ in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        check("24 requests at once: all 200", results == [200] * 24, results)
    with mxgate(peer, timeout="10s", maxconn=2) as d:
        statuses = []

        def slow():
            r, body = raw(d, "GET", "/_peer/slow?ms=1500")
            statuses.append(r.status)
        threads = [threading.Thread(target=slow) for _ in range(3)]
        for t in threads:
            t.start()
            time.sleep(0.2)
        for t in threads:
            t.join(30)
        check("proxy_max_connections 2, three at once: one 503",
              sorted(statuses) == [200, 200, 503], statuses)


@test
@with_homeserver_peer()
def proxy_off_and_shutdown(peer):
    with mxgate(peer, extra="  proxy: false") as d:
        resp, data = raw(d, "GET", "/_matrix/client/v3/sync")
        check("proxy off: 404 M_UNRECOGNIZED", resp.status == 404 and
              b"M_UNRECOGNIZED" in data, data)
    d = mxgate(peer, timeout="60s")
    with d:
        box = {}

        def poll():
            try:
                r, body = raw(d, "GET", "/_matrix/client/v3/sync?timeout=30000")
                box["status"] = r.status
            except (OSError, http.client.HTTPException) as e:
                box["error"] = repr(e)
        t = threading.Thread(target=poll)
        t.start()
        time.sleep(0.5)
        t0 = time.monotonic()
        d.stop()
        took = time.monotonic() - t0
        t.join(10)
    check("a long-poll in flight: mxgate stops within shutdown_timeout + 2 s (%.1f s)" % took,
          took < 5 and d.returncode == 0, (took, d.returncode))
    check("the long-poll is answered 503 (or cut), not left hanging",
          box.get("status") == 503 or "error" in box, box)


if __name__ == "__main__":
    main()
