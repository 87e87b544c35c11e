"""login.py: the login delegation benchmark (started by `bash bench/run --login`).

Starts a throwaway slapd with 10,000 people (tests/peers/slapd.py) and
mxgate with the ldap store in front of it, then measures, each for a fixed
duration:
  plain   bench/ldap-bench --mode plain: one libldap connection, a loop of
          search by uid then bind as the DN found (the baseline)
  check   wrk against POST /_matrix-internal/identity/v1/check_credentials,
          a random user and the right password per request (every answer
          must be success:true: refusals are counted and fail the bench)
  proxy   wrk against GET /_matrix/client/versions through mxgate's reverse
          proxy, and against the homeserver peer (tests/peers/homeserver.mjs)
          directly, as the baseline
then prints the ratios beside the issue's targets (check >= 1.5x plain,
proxy >= 0.5x direct) and stops everything it started.  Exit status 0
when every target is met.  Standard library only.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "peers"))
sys.path.insert(0, HERE)
import slapd  # noqa: E402
import bench  # noqa: E402  (free_port, http, wait_for, stop)

TARGET_CHECK = 1.5
TARGET_PROXY = 0.5
SERVER_NAME = "bench.example"

CONFIG = """\
server_name: {server}
data_dir: "{dir}/data"
plugin_dir: "{plugins}"
log:
  level: warning
  file: "{dir}/mxgate.log"
  access_log: false
listeners:
  - bind: "127.0.0.1:{internal_port}"
    resources: [internal, health]
  - bind: "127.0.0.1:{client_port}"
    resources: [client]
http:
  workers: {workers}
database:
  driver: sqlite
homeserver:
  base_url: "http://127.0.0.1:{hs_port}"
stores:
  - name: corp
    module: ldap
    uris: ["{uri}"]
    bind_dn: "{bind_dn}"
    bind_password_file: "{pwfile}"
    base_dn: ["{base}"]
    preset: openldap
    default_region: GB
    pool_size: {pool}
    connect_timeout: 2s
    timeout: 5s
"""


def log(msg):
    print("bench-login: " + msg, file=sys.stderr, flush=True)


def wrk(url, args, lua=None, env=None):
    cmd = ["wrk", "-t%d" % args.threads, "-c%d" % args.connections, "-d%ds" % args.duration,
           "--timeout", "5s"]
    if lua:
        cmd += ["-s", lua]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 60,
                         env=dict(os.environ, **(env or {})))
    text = out.stdout + out.stderr
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if out.returncode != 0 or not m:
        raise RuntimeError("wrk failed (%d):\n%s" % (out.returncode, text))
    res = {"rps": float(m.group(1)), "errors": 0}
    for pat in (r"Non-2xx or 3xx responses:\s+(\d+)", r"refused (\d+)"):
        m = re.search(pat, text)
        if m:
            res["errors"] += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        res["errors"] += sum(int(x) for x in m.groups())
    return res


def plain_rate(prog, server, args):
    cmd = [prog, "--mode", "plain", "--users", str(args.users), "-d", str(args.duration),
           "--uri", server.uri, "--base", server.people_base, "--bind-dn", server.bind_dn,
           "--bind-password-file", server.bind_password_file]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 60)
    m = re.search(r"^mode=plain .*rate=([\d.]+)", p.stdout, re.M)
    if p.returncode != 0 or not m:
        raise RuntimeError("ldap-bench plain exited %d:\n%s%s" % (p.returncode, p.stdout,
                                                                  p.stderr[-2000:]))
    return float(m.group(1))


def start_peer(tmp):
    """The homeserver peer on a free port; returns (process, port)."""
    peer_log = open(os.path.join(tmp, "homeserver.log"), "w")
    p = subprocess.Popen(["node", os.path.join(ROOT, "tests", "peers", "homeserver.mjs"),
                          "--port", "0", "--server-name", SERVER_NAME, "--quiet"],
                         stdout=subprocess.PIPE, stderr=peer_log, text=True)
    line = p.stdout.readline()
    if not line:
        raise RuntimeError("homeserver peer did not start")
    return p, json.loads(line)["port"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="the build directory")
    ap.add_argument("--users", type=int, default=10000)
    ap.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--connections", type=int, default=32, help="wrk connections")
    ap.add_argument("--pool", type=int, default=16, help="the ldap store's pool_size")
    ap.add_argument("--workers", type=int, default=16, help="mxgate's http.workers")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    mxgate = os.path.join(args.build, "src", "mxgate")
    prog = os.path.join(args.build, "bench", "ldap-bench")
    plugins = os.path.join(args.build, "plugins", ".libs")
    for f in (mxgate, prog):
        if not os.access(f, os.X_OK):
            log("%s is missing: build first" % f)
            return 1
    tmp = tempfile.mkdtemp(prefix="mxgate-bench-login.")
    server = daemon = peer = None
    results = {}

    def on_signal(sig, _frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    try:
        log("slapd with %d people" % args.users)
        server = slapd.Slapd(os.path.join(tmp, "slapd"), users=args.users, users_read=True,
                             size_limit=500)
        peer, hs_port = start_peer(tmp)
        internal_port, client_port = bench.free_port(), bench.free_port()
        os.makedirs(os.path.join(tmp, "data"))
        cfg = os.path.join(tmp, "mxgate.yaml")
        with open(cfg, "w") as f:
            f.write(CONFIG.format(server=SERVER_NAME, dir=tmp, plugins=plugins,
                                  internal_port=internal_port, client_port=client_port,
                                  hs_port=hs_port, uri=server.uri, bind_dn=server.bind_dn,
                                  pwfile=server.bind_password_file, base=server.people_base,
                                  pool=args.pool, workers=args.workers))
        mxlog = os.path.join(tmp, "mxgate.log")
        daemon = subprocess.Popen([mxgate, "serve", "-c", cfg], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        bench.wait_for(lambda: bench.http(internal_port, "GET", "/health")[0] == 200, 30,
                       "mxgate /health", daemon, mxlog)

        log("plain libldap loop")
        results["plain"] = plain_rate(prog, server, args)
        log("check_credentials through mxgate")
        results["check"] = wrk("http://127.0.0.1:%d/_matrix-internal/identity/v1/"
                               "check_credentials" % internal_port, args,
                               os.path.join(HERE, "check-credentials.lua"),
                               {"MXGATE_BENCH_USERS": str(args.users),
                                "MXGATE_BENCH_SERVER": SERVER_NAME})
        path = "/_matrix/client/versions"
        if bench.http(client_port, "GET", path)[0] == 200:
            log("GET %s through mxgate" % path)
            results["proxied"] = wrk("http://127.0.0.1:%d%s" % (client_port, path), args)
            log("GET %s at the peer directly" % path)
            results["direct"] = wrk("http://127.0.0.1:%d%s" % (hs_port, path), args)
        else:
            log("GET %s through mxgate is not 200: proxy not measured" % path)
    except (RuntimeError, slapd.SlapdError, OSError, subprocess.SubprocessError) as e:
        log("failed: %s" % e)
        results["failed"] = True
    except KeyboardInterrupt:
        log("interrupted")
        results["failed"] = True
    finally:
        bench.stop(daemon)
        bench.stop(peer)
        if server is not None:
            server.stop()
        if args.keep:
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    ok = not results.get("failed")
    print("login bench: %d people, wrk -t%d -c%d -d%ds, loopback, %d cores" %
          (args.users, args.threads, args.connections, args.duration, os.cpu_count()))
    plain, check = results.get("plain"), results.get("check")
    if plain:
        print("  plain libldap search+bind, 1 connection %9.0f checks/s" % plain)
    if check:
        print("  check_credentials through mxgate       %9.0f req/s  (%d not success:true)" %
              (check["rps"], check["errors"]))
        ok &= check["errors"] == 0
    if plain and check:
        ratio = check["rps"] / plain
        met = ratio >= TARGET_CHECK
        ok &= met
        print("  ratio check_credentials / plain         %8.2fx   target >= %.1fx  %s" %
              (ratio, TARGET_CHECK, "met" if met else "MISSED"))
    proxied, direct = results.get("proxied"), results.get("direct")
    if proxied and direct:
        ratio = proxied["rps"] / direct["rps"]
        met = ratio >= TARGET_PROXY and proxied["errors"] == 0
        ok &= met
        print("  GET versions: proxied %9.0f req/s, direct %9.0f req/s" %
              (proxied["rps"], direct["rps"]))
        print("  ratio proxied / direct                  %8.2fx   target >= %.1fx  %s" %
              (ratio, TARGET_PROXY, "met" if met else "MISSED"))
    else:
        print("  proxied GET /_matrix/client/versions: not measured")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
