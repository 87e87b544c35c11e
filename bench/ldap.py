"""ldap.py: the LDAP store's benchmark (started by `bash bench/run --ldap`).

Starts a throwaway slapd with 10,000 people (tests/peers/slapd.py; the
server's size limit of 500 makes paging necessary), writes an mxgate
configuration with the ldap store against it, and runs bench/ldap-bench
once per mode for a fixed duration:
  plain   one libldap connection: search by uid, bind as the DN found
  store   16 threads through the store chain (the module and its pool)
  search  directory search at 50 concurrent threads, random 3-letter terms
  index   enumerate_3pids over the whole directory through paged results
then prints the figures beside the issue's targets (store >= 1.5x plain,
search p99 < 20 ms) and stops slapd, whatever happened.  Exit status 0
when every target is met, 1 when one is missed or something broke.
Standard library only.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "peers"))
import slapd  # noqa: E402

TARGET_RATIO = 1.5
TARGET_P99_MS = 20.0

CONFIG = """\
server_name: bench.example
data_dir: "{dir}/data"
plugin_dir: "{plugins}"
log:
  level: warning
listeners:
  - bind: "127.0.0.1:1"
    resources: [identity]
database:
  driver: sqlite
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
    page_size: {page}
    connect_timeout: 2s
    timeout: 5s
"""


def log(msg):
    print("bench-ldap: " + msg, file=sys.stderr, flush=True)


def parse_line(text, mode):
    for line in text.splitlines():
        if line.startswith("mode=%s " % mode):
            return dict(kv.split("=", 1) for kv in line.split())
    return None


def run_mode(prog, mode, args, timeout):
    cmd = [prog, "--mode", mode] + args
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    res = parse_line(p.stdout, mode)
    if p.returncode != 0 or res is None:
        log("%s exited %d:\n%s%s" % (mode, p.returncode, p.stdout, p.stderr[-3000:]))
    return res, p.returncode


def terms(people, count, seed=4):
    """Random 3-letter pieces of real names and IDs, so searches find
    people (a random trigram would mostly find nobody)."""
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        p = rnd.choice(people)
        text = rnd.choice([p.cn, p.uid, p.mails[0]])
        i = rnd.randrange(0, len(text) - 2)
        piece = text[i:i + 3]
        if piece.strip() == piece and len(piece.strip()) == 3:
            out.append(piece)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="the build directory (bench/ldap-bench)")
    ap.add_argument("--users", type=int, default=10000)
    ap.add_argument("--duration", type=float, default=5.0, help="seconds per mode")
    ap.add_argument("--threads", type=int, default=16, help="store mode threads")
    ap.add_argument("--search-threads", type=int, default=50)
    ap.add_argument("--pool", type=int, default=16, help="the store's pool_size")
    ap.add_argument("--page", type=int, default=500, help="the store's page_size")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    prog = os.path.join(args.build, "bench", "ldap-bench")
    plugins = os.path.join(args.build, "plugins", ".libs")
    if not os.access(prog, os.X_OK):
        log("%s is missing: build first" % prog)
        return 1
    tmp = tempfile.mkdtemp(prefix="mxgate-bench-ldap.")
    server = None
    try:
        log("slapd with %d people" % args.users)
        server = slapd.Slapd(os.path.join(tmp, "slapd"), users=args.users, users_read=True,
                             size_limit=500)
        os.makedirs(os.path.join(tmp, "data"))
        cfg = os.path.join(tmp, "mxgate.yaml")
        with open(cfg, "w") as f:
            f.write(CONFIG.format(dir=tmp, plugins=plugins, uri=server.uri,
                                  bind_dn=server.bind_dn, pwfile=server.bind_password_file,
                                  base=server.people_base, pool=args.pool, page=args.page))
        termfile = os.path.join(tmp, "terms.txt")
        with open(termfile, "w") as f:
            f.write("\n".join(terms(server.people, 5000)) + "\n")
        common = ["--users", str(args.users), "-d", str(args.duration)]
        timeout = args.duration * 4 + 60
        results, failed = {}, False
        for mode, extra in (
                ("plain", ["--uri", server.uri, "--base", server.people_base,
                           "--bind-dn", server.bind_dn,
                           "--bind-password-file", server.bind_password_file]),
                ("store", ["-c", cfg, "-t", str(args.threads)]),
                ("search", ["-c", cfg, "-t", str(args.search_threads), "--terms", termfile]),
                ("index", ["-c", cfg, "--rounds", "3"])):
            log("mode %s" % mode)
            res, rc = run_mode(prog, mode, common + extra, timeout)
            results[mode] = res
            failed |= rc != 0 or res is None
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    ok = not failed
    print("LDAP store bench: %d people, slapd size limit 500, %.0f s per mode" %
          (args.users, args.duration))
    plain, store = results.get("plain"), results.get("store")
    search, index = results.get("search"), results.get("index")
    if plain:
        print("  plain libldap, 1 connection   %9.0f checks/s" % float(plain["rate"]))
    if store:
        print("  store chain, %2s threads       %9.0f checks/s  (pool_size %d, %s failures)" %
              (store["threads"], float(store["rate"]), args.pool, store["failures"]))
    if plain and store:
        ratio = float(store["rate"]) / float(plain["rate"])
        met = ratio >= TARGET_RATIO
        ok &= met
        print("  ratio store / plain           %9.2fx    target >= %.1fx  %s" %
              (ratio, TARGET_RATIO, "met" if met else "MISSED"))
    if search:
        p99 = float(search["p99_ms"])
        met = p99 < TARGET_P99_MS
        ok &= met
        print("  search, %2s threads            p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.1f ms"
              "  (%s/s, %.1f found each)" %
              (search["threads"], float(search["p50_ms"]), float(search["p90_ms"]), p99,
               float(search["max_ms"]), search["rate"], float(search["found_avg"])))
        print("  search p99                    %9.2f ms   target < %.0f ms  %s" %
              (p99, TARGET_P99_MS, "met" if met else "MISSED"))
    if index:
        print("  index build (enumerate)       %9.3f s    best of %s, mean %.3f s; %s people, "
              "%s 3PIDs, page_size %d" % (float(index["best_s"]), index["rounds"],
                                          float(index["mean_s"]), index["people"],
                                          index["threepids"], args.page))
    if failed:
        print("  some mode failed: see the messages above")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
