"""oauth.py: the OAuth provider's benchmark (started by `bash bench/run --oauth`).

Starts mxgate with its OAuth provider (a static-store user, one
confidential client with client_secret_basic and rotating refresh tokens)
and oidc-provider (npm) configured alike (bench/oidc-provider.mjs), then,
each for a fixed duration with wrk:
  introspect  POST introspection of one live access token by the client
              (bench/introspect.lua; every answer must be active)
  refresh     POST token with grant_type=refresh_token, every connection
              spending the refresh token its previous answer gave
              (bench/refresh.lua; every answer must carry a new one)
No ID token is part of either (the scope has no openid): what is measured is
the token work, not RSA signing, which costs both servers the same.
mxgate's refresh tokens come from its own code flow (login page, code,
exchange); oidc-provider's from its models.  Prints requests/s, the ratios
beside the issue's targets (introspection >= 5x, refresh >= 2x) and
mxgate's peak RSS; exit status 0 when every target is met.  Standard
library only (and node for the peer).
"""

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.parse
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench  # noqa: E402  (free_port, http, wait_for, stop, vm_hwm_kb)

TARGET_INTROSPECT = 5.0
TARGET_REFRESH = 2.0
PASSWORD = "bench password"
SECRET = "bench secret"
REDIRECT = "https://bench.example/cb"

CONFIG = """\
server_name: bench.example
data_dir: "{dir}/data"
log:
  level: warning
  file: "{dir}/mxgate.log"
  access_log: false
listeners:
  - bind: "127.0.0.1:{port}"
    resources: [oauth, health]
http:
  workers: {workers}
database:
  driver: sqlite
login:
  lockout: {{account_failures: 0, ip_failures: 0}}
stores:
  - name: people
    module: static
    users:
      - localpart: alice
        password_hash: "{hash}"
oauth:
  issuer: "http://127.0.0.1:{port}/"
  templates_dir: "{templates}"
  clients:
    - client_id: bench
      client_secret: "{secret}"
      skip_consent: true
      redirect_uris: ["{redirect}"]
"""


def log(msg):
    print("bench-oauth: " + msg, file=sys.stderr, flush=True)


def request(port, method, path, body=None, headers=None):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read(), \
            r.getheaders()
    finally:
        conn.close()


def basic():
    return base64.b64encode(("bench:" + urllib.parse.quote(SECRET)).encode()).decode()


def mxgate_tokens(port, n):
    """n sessions through the code flow: n refresh tokens and an access token."""
    refresh, access = [], None
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(n + 1):
        verifier = base64.urlsafe_b64encode(os.urandom(40)).decode().rstrip("=")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()) \
            .decode().rstrip("=")
        q = {"client_id": "bench", "redirect_uri": REDIRECT, "response_type": "code",
             "scope": "urn:matrix:client:api:*", "code_challenge": challenge,
             "code_challenge_method": "S256"}
        st, h, body, raw = request(port, "GET", "/authorize?" + urllib.parse.urlencode(q))
        csrf = [v for k, v in raw if k.lower() == "set-cookie" and
                v.startswith("mxgate_csrf=")][0].split(";")[0].split("=", 1)[1]
        st, h, body, raw = request(port, "POST", "/login", urllib.parse.urlencode(
            dict(q, csrf=csrf, username="alice", password=PASSWORD)),
            dict(form, Cookie="mxgate_csrf=" + csrf))
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(h.get("location", "")).query)
        if st != 303 or "code" not in code:
            raise RuntimeError("mxgate code flow: %d %s" % (st, body[:300]))
        st, h, body, raw = request(port, "POST", "/oauth2/token", urllib.parse.urlencode({
            "grant_type": "authorization_code", "code": code["code"][0],
            "redirect_uri": REDIRECT, "code_verifier": verifier}),
            dict(form, Authorization="Basic " + basic()))
        tok = json.loads(body)
        if st != 200:
            raise RuntimeError("mxgate token: %d %s" % (st, body[:300]))
        if access is None:
            access = tok["access_token"]
        else:
            refresh.append(tok["refresh_token"])
    return access, refresh


def wrk(port, path, args, lua, env):
    cmd = ["wrk", "-t%d" % args.threads, "-c%d" % args.connections, "-d%ds" % args.duration,
           "--timeout", "5s", "-s", os.path.join(HERE, lua),
           "http://127.0.0.1:%d%s" % (port, path)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 60,
                         env=dict(os.environ, **env))
    text = out.stdout + out.stderr
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if out.returncode != 0 or not m:
        raise RuntimeError("wrk failed (%d):\n%s" % (out.returncode, text))
    bad = sum(int(x) for x in re.findall(r"(?:refresh failures|inactive answers): (\d+)", text))
    m2 = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    bad += int(m2.group(1)) if m2 else 0
    if bad and os.environ.get("MXGATE_BENCH_DEBUG"):
        log("wrk said:\n" + text)
    return {"rps": float(m.group(1)), "bad": bad}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="the build directory")
    ap.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--connections", type=int, default=32, help="wrk connections")
    ap.add_argument("--workers", type=int, default=8, help="mxgate's http.workers")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    mxgate = os.path.join(args.build, "src", "mxgate")
    if not os.access(mxgate, os.X_OK):
        log("%s is missing: build first" % mxgate)
        return 1
    if not os.path.isdir(os.path.join(ROOT, "tests", "js", "node_modules", "oidc-provider")):
        log("oidc-provider is missing: bash tests/lib/npm.sh")
        return 1
    tmp = tempfile.mkdtemp(prefix="mxgate-bench-oauth.")
    daemon = peer = None
    results = {}
    signal.signal(signal.SIGTERM, lambda s, f: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        port, peer_port = bench.free_port(), bench.free_port()
        os.makedirs(os.path.join(tmp, "data"))
        cfg = os.path.join(tmp, "mxgate.yaml")
        with open(cfg, "w") as f:
            f.write(CONFIG.format(dir=tmp, port=port, workers=args.workers,
                                  hash=crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_SHA512)),
                                  templates=os.path.join(ROOT, "etc", "templates"),
                                  secret=SECRET, redirect=REDIRECT))
        mxlog = os.path.join(tmp, "mxgate.log")
        subprocess.run([mxgate, "db", "migrate", "-c", cfg], check=True,
                       capture_output=True)
        daemon = subprocess.Popen([mxgate, "serve", "-c", cfg], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        bench.wait_for(lambda: bench.http(port, "GET", "/health")[0] == 200, 30,
                       "mxgate /health", daemon, mxlog)
        # One chain per connection, and spares (wrk spends one per thread
        # checking the script).
        chains = args.connections + 2 * args.threads
        log("minting %d sessions at mxgate (code flow)" % chains)
        mx_access, mx_refresh = mxgate_tokens(port, chains)
        peer_log = open(os.path.join(tmp, "oidc-provider.log"), "w")
        peer = subprocess.Popen(["node", os.path.join(HERE, "oidc-provider.mjs"),
                                 str(peer_port), str(chains)],
                                stdout=subprocess.PIPE, stderr=peer_log, text=True)
        line = peer.stdout.readline()
        if not line:
            raise RuntimeError("oidc-provider did not start (see %s)" % peer_log.name)
        op = json.loads(line)
        auth = {"MXGATE_BENCH_AUTH": basic()}

        log("introspection: mxgate")
        results["mx_intro"] = wrk(port, "/oauth2/introspect", args, "introspect.lua",
                                  dict(auth, MXGATE_BENCH_TOKEN=mx_access))
        log("introspection: oidc-provider")
        results["op_intro"] = wrk(peer_port, "/token/introspection", args, "introspect.lua",
                                  dict(auth, MXGATE_BENCH_TOKEN=op["access_token"]))
        for name, tokens in (("mx", mx_refresh), ("op", op["refresh_tokens"])):
            path = os.path.join(tmp, name + "-refresh.txt")
            with open(path, "w") as f:
                f.write("\n".join(tokens) + "\n")
            log("refresh: %s" % ("mxgate" if name == "mx" else "oidc-provider"))
            results[name + "_refresh"] = wrk(port if name == "mx" else peer_port,
                                             "/oauth2/token" if name == "mx" else "/token",
                                             args, "refresh.lua",
                                             dict(auth, MXGATE_BENCH_TOKENS=path,
                                                  MXGATE_BENCH_THREADS=str(args.threads)))
        results["rss_kb"] = bench.vm_hwm_kb(daemon.pid)
        results["peer_rss_kb"] = bench.vm_hwm_kb(peer.pid)
    except (RuntimeError, OSError, subprocess.SubprocessError, ValueError, KeyError) as e:
        log("failed: %s" % e)
        results["failed"] = True
    except KeyboardInterrupt:
        log("interrupted")
        results["failed"] = True
    finally:
        bench.stop(daemon)
        bench.stop(peer)
        if args.keep:
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    ok = not results.get("failed")
    print("oauth bench: wrk -t%d -c%d -d%ds, loopback, %d cores, mxgate http.workers %d" %
          (args.threads, args.connections, args.duration, os.cpu_count(), args.workers))
    for what, target, key in (("introspection", TARGET_INTROSPECT, "intro"),
                              ("refresh", TARGET_REFRESH, "refresh")):
        mx, op = results.get("mx_" + key), results.get("op_" + key)
        if not mx or not op:
            print("  %s: not measured" % what)
            ok = False
            continue
        ratio = mx["rps"] / op["rps"]
        met = ratio >= target and mx["bad"] == 0 and op["bad"] == 0
        ok &= met
        print("  %-13s mxgate %8.0f req/s, oidc-provider %8.0f req/s  (bad answers %d / %d)" %
              (what, mx["rps"], op["rps"], mx["bad"], op["bad"]))
        print("  %-13s ratio %.2fx   target >= %.1fx  %s" % ("", ratio, target,
                                                            "met" if met else "MISSED"))
    if results.get("rss_kb"):
        print("  peak RSS: mxgate %.1f MB, oidc-provider (node) %.1f MB" %
              (results["rss_kb"] / 1024, results.get("peer_rss_kb", 0) / 1024))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
