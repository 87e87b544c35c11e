"""test_limits.py: rate limits on lookup (429 M_LIMIT_EXCEEDED, Retry-After,
per_second 0, X-Forwarded-For from trusted proxies only), pepper rotation
(on SQLite, and two daemons sharing one PostgreSQL database), and the legacy
/_matrix/identity/api/v1 paths behind identity.v1_api.

The v1 lookup signature is verified with Node's ed25519 (Python's standard
library has none); without node that one case is skipped."""

import json
import subprocess
import time

from harness import (Daemon, check, ed25519_verify, lookup_hash, main, pg_conninfo, skip, test,
                     wait_for)

BASE = """
server_name: example.org
data_dir: "@DATA_DIR@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [identity, health]
database: @DATABASE@
stores:
  - name: people
    module: static
    users:
      - localpart: alice
        threepids:
          - {medium: email, address: Alice@Example.org}
      - localpart: bob
        threepids:
          - {medium: msisdn, address: "+44 7700 900123"}
"""

SQLITE = "{driver: sqlite}"
V2 = "/_matrix/identity/v2"
V1 = "/_matrix/identity/api/v1"


def daemon(extra, database=SQLITE, **kw):
    # Limits, not tokens, are the point here: lookups need no account.
    if "\nlookup:\n" in "\n" + extra:
        extra = ("\n" + extra).replace("\nlookup:\n", "\nlookup:\n  require_auth: false\n")[1:]
    else:
        extra += "lookup:\n  require_auth: false\n"
    return Daemon(BASE + extra, subst={"DATABASE": database}, **kw)


def errcode(r):
    return (r.json or {}).get("errcode")


@test
def lookup_limited_after_burst():
    with daemon("rate_limits:\n  lookup: {per_second: 0.5, burst: 3}\n") as d:
        codes = [d.get(V2 + "/hash_details").status for _ in range(3)]
        check("the burst passes", codes == [200, 200, 200], codes)
        r = d.get(V2 + "/hash_details")
        check("hash_details beyond the burst: 429 M_LIMIT_EXCEEDED",
              r.status == 429 and errcode(r) == "M_LIMIT_EXCEEDED", r)
        ms = (r.json or {}).get("retry_after_ms")
        check("retry_after_ms is about 1/rate", isinstance(ms, int) and 0 < ms <= 2000, r.json)
        check("Retry-After in whole seconds, rounded up",
              isinstance(ms, int) and r.headers.get("retry-after") == str((ms + 999) // 1000),
              (r.headers.get("retry-after"), ms))
        r = d.post(V2 + "/lookup", {"algorithm": "sha256", "pepper": "x", "addresses": []})
        check("POST lookup shares the bucket: 429", r.status == 429 and
              errcode(r) == "M_LIMIT_EXCEEDED", r)
        r = d.get(V2 + "/pubkey/ed25519:0")
        check("other endpoints are not limited", r.status == 200, r)
        r = wait_for(lambda: (lambda x: x if x.status == 200 else None)(
            d.get(V2 + "/hash_details")), timeout=10, interval=0.2)
        check("a token comes back after retry_after_ms", r is not None and r.status == 200, r)


@test
def zero_rate_disables():
    with daemon("rate_limits:\n  lookup: {per_second: 0, burst: 1}\n") as d:
        conn = d.connection()
        codes = {d.request("GET", V2 + "/hash_details", conn=conn).status for _ in range(200)}
        check("per_second 0: 200 requests, never 429", codes == {200}, codes)


LIMITED = ("rate_limits:\n  lookup: {per_second: 0.01, burst: 2}\n"
           "http:\n  trusted_proxies: [%s]\n")


@test
def forwarded_for_from_trusted_proxy():
    with daemon(LIMITED % '"127.0.0.1", "::1"') as d:
        def get(ip):
            return d.get(V2 + "/hash_details", headers={"X-Forwarded-For": ip}).status
        a = [get("198.51.100.1") for _ in range(3)]
        check("client A via the proxy: 2 pass, the 3rd is limited", a == [200, 200, 429], a)
        check("client B via the same proxy has its own bucket",
              get("198.51.100.2") == 200)
        check("the rightmost untrusted hop counts: A behind a spoofed entry is still A",
              get("6.6.6.6, 198.51.100.1") == 429)
        check("trusted hops are skipped: A seen through a second proxy is still A",
              get("198.51.100.1, 127.0.0.1") == 429)


@test
def forwarded_for_from_untrusted_peer_ignored():
    with daemon(LIMITED % '"10.9.9.9"') as d:
        codes = [d.get(V2 + "/hash_details",
                       headers={"X-Forwarded-For": "198.51.100.%d" % i}).status
                 for i in range(3)]
        check("X-Forwarded-For from an untrusted peer is ignored: the peer is limited",
              codes == [200, 200, 429], codes)


ALICE = "@alice:example.org"


def pepper_of(d):
    r = d.get(V2 + "/hash_details")
    return (r.json or {}).get("lookup_pepper") if r.status == 200 else None


def lookup_alice(d, pepper):
    h = lookup_hash("alice@example.org", "email", pepper)
    return d.post(V2 + "/lookup", {"algorithm": "sha256", "pepper": pepper, "addresses": [h]})


# Polling hash_details must not run into the lookup limit.
ROTATING = ("lookup:\n  refresh_interval: 1s\n  pepper_rotation: 2s\n"
            "rate_limits:\n  lookup: {per_second: 0}\n")


@test
def pepper_rotates():
    with daemon(ROTATING) as d:
        old = pepper_of(d)
        check("a pepper at start", isinstance(old, str) and len(old) >= 16, old)
        new = wait_for(lambda: (lambda p: p if p and p != old else None)(pepper_of(d)),
                       timeout=20, interval=0.2)
        check("the pepper changes after the rotation", new is not None, (old, new))
        r = lookup_alice(d, old)
        check("the old pepper: 400 M_INVALID_PEPPER",
              r.status == 400 and errcode(r) == "M_INVALID_PEPPER", r)
        offered = (r.json or {}).get("lookup_pepper")
        check("... offering a newer pepper", isinstance(offered, str) and offered != old, r.json)
        # A rotation may fall between two requests: retry with what we are told.
        def found():
            p = pepper_of(d)
            r = lookup_alice(d, p)
            h = lookup_hash("alice@example.org", "email", p)
            return r.status == 200 and (r.json or {}).get("mappings", {}).get(h) == ALICE
        check("the new pepper finds the same 3PIDs", wait_for(found, timeout=10, interval=0.1))
    with daemon("") as d:
        p = pepper_of(d)
        check("without pepper_rotation the pepper stays", pepper_of(d) == p)


def psql(conninfo, sql):
    return subprocess.run(["psql", conninfo, "-v", "ON_ERROR_STOP=1", "-Atc", sql],
                          capture_output=True, text=True, timeout=60)


@test
def pepper_rotation_shared_postgresql():
    conninfo = pg_conninfo()
    if not conninfo:
        skip("two daemons on one PostgreSQL agree on the pepper",
             "MXGATE_TEST_PGCONNINFO not set")
        return
    dbname = "mxg_limits_%d" % int(time.time() * 1000 % 1e9)
    r = psql(conninfo, "CREATE DATABASE %s" % dbname)
    if not check("own PostgreSQL database created", r.returncode == 0, r.stderr):
        return
    own = "%s dbname=%s" % (conninfo, dbname)
    database = json.dumps({"driver": "postgresql", "conninfo": own})
    try:
        a = daemon(ROTATING.replace("2s", "3s"), database=database, name="pg-a")
        b = daemon(ROTATING.replace("2s", "3s"), database=database, name="pg-b")
        first = pepper_of(a)
        check("both daemons start with the same pepper", first == pepper_of(b),
              (first, pepper_of(b)))

        def agreed_new():
            pa, pb = pepper_of(a), pepper_of(b)
            return pa if pa and pa == pb and pa != first else None
        new = wait_for(agreed_new, timeout=30, interval=0.2)
        check("after a rotation both hand out the same new pepper", new is not None)
        # Let a few more refreshes race for the next rotation.
        wait_for(lambda: (lambda p: p not in (first, new))(pepper_of(a)), timeout=20,
                 interval=0.2)
        a.stop()
        b.stop()
        rows = psql(own, "SELECT created_at FROM lookup_peppers ORDER BY created_at")
        times = [int(x) for x in rows.stdout.split()]
        gaps = [y - x for x, y in zip(times, times[1:])]
        check("rotation is idempotent: one pepper per rotation between the daemons",
              len(times) >= 3 and all(g >= 3000 for g in gaps), (times, gaps))
    finally:
        for d in list(Daemon._running):
            d.kill()
        psql(conninfo, "DROP DATABASE IF EXISTS %s" % dbname)


@test
def v1_off():
    with daemon("") as d:
        for method, path in [("GET", V1), ("GET", V1 + "/lookup?medium=email&address=a@b.c"),
                             ("POST", V1 + "/bulk_lookup"), ("GET", V1 + "/pubkey/ed25519:0"),
                             ("GET", V1 + "/pubkey/isvalid?public_key=x"),
                             ("POST", V1 + "/lookup"), ("GET", V1 + "/validate/email/requestToken"),
                             ("POST", V1 + "/bind")]:
            r = d.request(method, path, body={} if method == "POST" else None)
            check("v1 off: %s %s is 404 M_UNRECOGNIZED" % (method, path.split("?")[0]),
                  r.status == 404 and errcode(r) == "M_UNRECOGNIZED", r)


@test
def v1_on():
    with daemon("identity:\n  v1_api: true\n") as d:
        r = d.get(V1)
        check("GET /api/v1: 200 {}", r.status == 200 and r.json == {}, r)
        r = d.get(V1 + "/lookup?medium=email&address=ALICE@example.org")
        a = r.json or {}
        check("v1 lookup: 200 with the association",
              r.status == 200 and a.get("mxid") == ALICE and a.get("medium") == "email"
              and a.get("address") == "ALICE@example.org", r)
        check("v1 lookup: not_before <= ts < not_after, integers",
              all(isinstance(a.get(k), int) for k in ("not_before", "not_after", "ts"))
              and a["not_before"] <= a["ts"] < a["not_after"], a)
        sig = (a.get("signatures") or {}).get("example.org", {}).get("ed25519:0")
        check("v1 lookup: signed by example.org ed25519:0", isinstance(sig, str), a)
        pub = (d.get(V1 + "/pubkey/ed25519:0").json or {}).get("public_key")
        check("v1 pubkey", isinstance(pub, str) and len(pub) == 43, pub)
        unsigned = {k: v for k, v in a.items() if k not in ("signatures", "unsigned")}
        canonical = json.dumps(unsigned, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False)
        verdict = ed25519_verify(canonical, sig or "", pub or "") if sig and pub else "no sig"
        if verdict is None:
            skip("v1 lookup signature verifies with the server key", "node not installed")
        else:
            check("v1 lookup signature verifies with the server key (node)",
                  verdict == "valid", verdict)
        r = d.get(V1 + "/lookup?medium=email&address=nobody@example.org")
        check("v1 lookup of an unknown address: 200 {}", r.status == 200 and r.json == {}, r)
        r = d.get(V1 + "/lookup?medium=email")
        check("v1 lookup without address: 400 M_MISSING_PARAMS",
              r.status == 400 and errcode(r) == "M_MISSING_PARAMS", r)
        r = d.post(V1 + "/lookup", {})
        check("POST on v1 lookup: 405 M_UNRECOGNIZED",
              r.status == 405 and errcode(r) == "M_UNRECOGNIZED", r)
        r = d.post(V1 + "/bulk_lookup", {"threepids": [["email", "alice@example.org"],
                                                       ["msisdn", "447700900123"],
                                                       ["email", "nobody@example.org"],
                                                       ["fax", "1"]]})
        check("v1 bulk_lookup maps the known ones, as sent",
              r.status == 200 and r.json == {"threepids": [
                  ["email", "alice@example.org", ALICE],
                  ["msisdn", "447700900123", "@bob:example.org"]]}, r)
        r = d.post(V1 + "/bulk_lookup", {"threepids": [["email"]]})
        check("v1 bulk_lookup with a bad pair: 400 M_INVALID_PARAM",
              r.status == 400 and errcode(r) == "M_INVALID_PARAM", r)
        r = d.post(V1 + "/bulk_lookup", {})
        check("v1 bulk_lookup without threepids: 400 M_MISSING_PARAMS",
              r.status == 400 and errcode(r) == "M_MISSING_PARAMS", r)
        r = d.get(V1 + "/pubkey/isvalid?public_key=" + (pub or "").replace("+", "%2B")
                  .replace("/", "%2F"))
        check("v1 pubkey/isvalid", r.status == 200 and r.json == {"valid": True}, r)
        r = d.get(V1 + "/pubkey/ed25519:9")
        check("v1 pubkey unknown id: 404 M_NOT_FOUND",
              r.status == 404 and errcode(r) == "M_NOT_FOUND", r)
        r = d.get(V1 + "/bind")
        check("other v1 paths stay 404 M_UNRECOGNIZED",
              r.status == 404 and errcode(r) == "M_UNRECOGNIZED", r)


if __name__ == "__main__":
    main()
