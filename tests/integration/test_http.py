"""test_http.py: the daemon's HTTP behaviour: routing errors, body limits,
CORS, keep-alive, resources per listener, health and metrics, malformed
requests, and the access log (one line per request, never a secret)."""

import os
import re
import socket
import time

from harness import Daemon, check, test, main, wait_for

CONFIG = """
server_name: example.org
data_dir: "@DATA_DIR@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [identity, client]
  - bind: "127.0.0.1:@PORT2@"
    resources: [health, metrics]
http:
  max_body_size: 2k
lookup:
  require_auth: false   # HTTP behaviour is the point; test_accounts.py covers auth
log:
  file: "@LOG_FILE@"
  level: info
"""

V2 = "/_matrix/identity/v2"


def errcode(r):
    return (r.json or {}).get("errcode")


@test
def routing_errors():
    with Daemon(CONFIG, wait_path=None) as d:
        r = d.get("/_matrix/identity/v2/no/such/thing")
        check("unknown path: 404 M_UNRECOGNIZED", r.status == 404 and errcode(r) == "M_UNRECOGNIZED", r)
        check("404 body is a Matrix error with a message", isinstance((r.json or {}).get("error"), str), r)
        r = d.get("/")
        check("root: 404 M_UNRECOGNIZED", r.status == 404 and errcode(r) == "M_UNRECOGNIZED", r)
        r = d.request("DELETE", V2 + "/hash_details")
        check("wrong method: 405 M_UNRECOGNIZED", r.status == 405 and errcode(r) == "M_UNRECOGNIZED", r)
        r = d.get("/health")
        check("health is not served on the identity listener", r.status == 404, r)
        r = d.get(V2, port=d.ports["PORT2"])
        check("identity is not served on the health listener", r.status == 404, r)


@test
def health_and_metrics():
    with Daemon(CONFIG, wait_path=None) as d:
        p2 = d.ports["PORT2"]
        r = d.get("/health", port=p2)
        check("GET /health 200 when the database answers", r.status == 200, r)
        d.get(V2)
        r = d.get("/metrics", port=p2)
        check("GET /metrics 200", r.status == 200, r)
        text = r.body.decode()
        check("metrics in Prometheus text format",
              re.search(r"^# TYPE \S+ (counter|gauge)$", text, re.M) is not None, text[:500])
        check("metrics report resident memory", "resident" in text, text[:500])


@test
def body_limits_and_json():
    with Daemon(CONFIG, wait_path=None) as d:
        big = '{"algorithm":"sha256","pepper":"x","addresses":["%s"]}' % ("a" * 4096)
        r = d.post(V2 + "/lookup", big, {"Content-Type": "application/json"})
        check("oversized body: 413 M_TOO_LARGE", r.status == 413 and errcode(r) == "M_TOO_LARGE", r)
        r = d.post(V2 + "/lookup", "\x00\x01\x02", {"Content-Type": "application/json"})
        check("binary body: 400 M_NOT_JSON", r.status == 400 and errcode(r) == "M_NOT_JSON", r)
        r = d.post(V2 + "/lookup", '{"a":1}{"b":2}', {"Content-Type": "application/json"})
        check("trailing garbage: 400 M_NOT_JSON", r.status == 400 and errcode(r) == "M_NOT_JSON", r)
        r = d.post(V2 + "/lookup", '{"algorithm":"sha256","algorithm":"none"}',
                   {"Content-Type": "application/json"})
        check("duplicate keys refused with 400", r.status == 400, r)
        r = d.get(V2)
        check("daemon still answers after bad bodies", r.status == 200, r)


@test
def cors():
    with Daemon(CONFIG, wait_path=None) as d:
        r = d.request("OPTIONS", V2 + "/lookup", headers={
            "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        check("preflight answers 200", r.status == 200, r)
        h = r.headers
        check("preflight allow-origin *", h.get("access-control-allow-origin") == "*", h)
        check("preflight allow-methods", "POST" in h.get("access-control-allow-methods", ""), h)
        check("preflight allow-headers includes Authorization",
              "Authorization" in h.get("access-control-allow-headers", ""), h)
        r = d.request("OPTIONS", "/_matrix/client/v3/login")
        check("preflight on a client path answers 200 with CORS",
              r.status == 200 and r.headers.get("access-control-allow-origin") == "*", r)
        r = d.get(V2 + "/nope")
        check("errors carry CORS headers too", r.headers.get("access-control-allow-origin") == "*",
              r.headers)


@test
def keep_alive():
    with Daemon(CONFIG, wait_path=None) as d:
        conn = d.connection()
        r1 = d.request("GET", V2, conn=conn)
        sock1 = conn.sock
        r2 = d.request("GET", V2 + "/hash_details", conn=conn)
        check("two answers on one connection", r1.status == 200 and r2.status == 200, (r1, r2))
        check("connection kept open between requests",
              sock1 is not None and conn.sock is sock1, "a new socket was opened")
        check("no Connection: close header", r2.headers.get("connection", "").lower() != "close",
              r2.headers)
        conn.close()


@test
def malformed_requests():
    with Daemon(CONFIG, wait_path=None) as d:
        out = d.send_raw(b"GARBAGE\r\n\r\n")
        check("garbage request line gets an HTTP error or a close",
              out == b"" or out.startswith(b"HTTP/1.1 4"), out[:200])
        out = d.send_raw(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 100000 + b"\r\n\r\n")
        check("huge header refused", out == b"" or out.split(b" ")[1][:1] == b"4", out[:200])
        r = d.get(V2, headers={"X-Long": "a" * 8192, "Authorization": "Bearer " + "t" * 2000})
        check("an 8 KiB header line is accepted", r.status == 200, r)
        out = d.send_raw(b"POST /_matrix/identity/v2/lookup HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Length: 99999999\r\n\r\n")
        check("declared oversized body: 413", b" 413 " in out.split(b"\r\n")[0], out[:200])
        r = d.get(V2)
        check("daemon alive after malformed requests", r.status == 200, r)


@test
def access_log_and_secrets():
    secret = "s3cr3t-" + os.urandom(6).hex()
    with Daemon(CONFIG, wait_path=None) as d:
        d.get(V2 + "/hash_details?access_token=" + secret,
              headers={"Authorization": "Bearer " + secret})
        d.post(V2 + "/lookup", {"algorithm": "sha256", "pepper": secret, "addresses": [secret]},
               headers={"Authorization": "Bearer " + secret, "X-Password": secret})
        d.post(V2 + "/lookup", '{"password": "%s"' % secret, {"Content-Type": "application/json"})
        d.get("/_matrix/identity/v2/" + "x" * 50)
        # The access line is written when the request completes, just after
        # the answer leaves.
        wait_for(lambda: "/_matrix/identity/v2/" + "x" * 50 in d.log_text(), 5)
        log = d.log_text()
        check("access log line with method, path, status",
              re.search(r"GET /_matrix/identity/v2/hash_details 200 ", log) is not None, log[-2000:])
        check("query string never logged", "access_token" not in log, "")
        check("POST line logged with its status",
              re.search(r"POST /_matrix/identity/v2/lookup 400 ", log) is not None, log[-2000:])
        check("latency logged in ms", re.search(r"hash_details 200 \d+(\.\d+)?ms", log) is not None,
              log[-1000:])
        d.stop()
        log = d.log_text()
        check("no secret in any log line", secret not in log,
              [l for l in log.splitlines() if secret in l][:3])


@test
def log_reopen_on_sighup():
    import signal
    with Daemon(CONFIG, wait_path=None) as d:
        d.get(V2)
        moved = d.log_file + ".1"
        os.rename(d.log_file, moved)
        d.signal(signal.SIGHUP)
        ok = False
        for _ in range(200):
            d.get(V2 + "/hash_details")
            if os.path.exists(d.log_file) and "hash_details" in open(d.log_file).read():
                ok = True
                break
            time.sleep(0.02)
        check("SIGHUP reopens the log file", ok, "no new log file after SIGHUP")
        check("daemon still serving after SIGHUP", d.get(V2).status == 200)


@test
def graceful_stop():
    import signal
    with Daemon(CONFIG, wait_path=None) as d:
        body = b'{"algorithm":"sha256","pepper":"x","addresses":[]}'
        s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
        s.sendall(b"POST /_matrix/identity/v2/lookup HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
                  + body[:10])
        # The request is in flight (body incomplete) when SIGTERM arrives;
        # /metrics counts itself, hence 2.
        def in_flight():
            text = d.get("/metrics", port=d.ports["PORT2"]).body.decode()
            m = re.search(r"^mxgate_http_requests_in_flight (\d+)$", text, re.M)
            return int(m.group(1)) if m else -1
        check("the slow request is in flight", wait_for(lambda: in_flight() >= 2, 5))
        d.signal(signal.SIGTERM)

        def refused():
            try:
                socket.create_connection(("127.0.0.1", d.port), timeout=1).close()
                return False
            except OSError:
                return True
        check("no new connections after SIGTERM", wait_for(refused, 5))
        s.sendall(body[10:])
        answer = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
            if b"\r\n\r\n" in answer and answer.endswith(b"}"):
                break
        s.close()
        check("the in-flight request is answered", answer.startswith(b"HTTP/1.1 400"), answer[:200])
        code = d.stop(timeout=12)
        check("exit status 0 after SIGTERM", code == 0, code)


if __name__ == "__main__":
    main()
