"""test_store_tools.py: the admin tools that ask the identity stores
(mxgate auth-test, search, profile, lookup) and the homeserver's password
check (POST /_matrix-internal/identity/v1/check_credentials, ma1sd's
protocol), over the built-in static store and a store module that cannot
be reached (a closed port behind the rest module)."""

import json
import time
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # Debian 12's Python still has it; the hashes come from libxcrypt

from harness import Daemon, check, test, main, run_cli, free_port, wait_for

PASSWORD = "correct horse battery staple"
HASH = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_SHA512))
INTERNAL = "/_matrix-internal/identity/v1/check_credentials"

CONFIG = """
server_name: example.org
data_dir: "@DATA_DIR@"
plugin_dir: "@PLUGIN_DIR@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [identity, health]
  - bind: "127.0.0.1:@PORT2@"
    resources: [internal]
database:
  driver: sqlite
stores:
  - name: people
    module: static
    users:
      - localpart: alice
        display_name: "Alice Ängström"
        password_hash: "%s"
        threepids:
          - {medium: email, address: Alice@Example.org}
          - {medium: msisdn, address: "+44 7700 900123"}
      - localpart: alina
        display_name: Alina
        password_hash: "%s"
        disabled: true
      - localpart: bob
        display_name: "Bob\\nstore evil (static): ok @root:example.org"
@EXTRA@
""" % (HASH, HASH)

# A second store, asked after the static one, that is always down: the
# answer for people it might know must be "unavailable", never "denied".
DOWN_STORE = """
  - name: iam
    module: rest
    priority: 200
    url: "http://127.0.0.1:%d"
    timeout: 2s
"""


def daemon(extra="", **kw):
    return Daemon(CONFIG, subst={"EXTRA": extra}, **kw)


def auth(config, user, password, *args):
    return run_cli("auth-test", "-c", config, *args, user, input=password + "\n")


@test
def auth_test_cli():
    d = daemon(start=False)
    r = auth(d.config_path, "alice", PASSWORD)
    check("auth-test: right password exits 0", r.returncode == 0, r.stdout + r.stderr)
    check("auth-test: names the store and the user",
          "store people (static): ok @alice:example.org" in r.stdout, r.stdout)
    check("auth-test: verdict line", "alice -> @alice:example.org (store people)" in r.stdout,
          r.stdout)
    check("auth-test: display name intact (UTF-8)", "  display_name: Alice Ängström" in r.stdout,
          r.stdout)
    check("auth-test: 3PIDs canonical", "  email: alice@example.org" in r.stdout and
          "  msisdn: 447700900123" in r.stdout, r.stdout)
    check("auth-test: the password is never printed",
          PASSWORD not in r.stdout + r.stderr, r.stdout + r.stderr)
    for who in ("@alice:example.org", "ALICE@example.org", "+44 7700 900123"):
        r = auth(d.config_path, who, PASSWORD)
        check("auth-test: %s logs in" % who, r.returncode == 0 and
              "@alice:example.org (store people)" in r.stdout, r.stdout + r.stderr)
    r = auth(d.config_path, "alice", "wrong")
    check("auth-test: wrong password exits 1, denied", r.returncode == 1 and
          "alice -> denied" in r.stdout, r.stdout + r.stderr)
    r = auth(d.config_path, "alice", "")
    check("auth-test: empty password denied", r.returncode == 1 and "-> denied" in r.stdout,
          r.stdout)
    r = auth(d.config_path, "nobody", PASSWORD)
    check("auth-test: unknown user not found", r.returncode == 1 and
          "nobody -> not found" in r.stdout, r.stdout)
    r = auth(d.config_path, "alina", PASSWORD)
    check("auth-test: disabled person", r.returncode == 1 and "alina -> disabled" in r.stdout,
          r.stdout)
    r = auth(d.config_path, "@alice:elsewhere.org", PASSWORD)
    check("auth-test: a foreign Matrix ID is not ours", r.returncode == 1 and
          "not found" in r.stdout, r.stdout)
    r = run_cli("auth-test", "-c", d.config_path, "alice", PASSWORD, input="")
    check("auth-test: a password on the command line is refused (exit 2)",
          r.returncode == 2, r.stdout + r.stderr)
    r = auth(d.config_path, "alice", "x" * 5000)
    check("auth-test: an over-long password is refused, not cut", r.returncode == 2 and
          "longer than" in r.stderr, r.stderr)
    r = auth(d.config_path, "not-an-address@", PASSWORD, "-m", "email")
    check("auth-test: an invalid e-mail address is a usage error", r.returncode == 2, r.stderr)


@test
def search_and_profile_cli():
    d = daemon(start=False)
    r = run_cli("search", "-c", d.config_path, "AL")
    check("search: case-insensitive substring", r.returncode == 0 and
          "result: 2 found" in r.stdout, r.stdout + r.stderr)
    merged = r.stdout.split("result:", 1)[-1]
    check("search: merged list has both people", "@alice:example.org\tAlice Ängström" in merged
          and "@alina:example.org\tAlina" in merged, r.stdout)
    r = run_cli("search", "-c", d.config_path, "-l", "1", "al")
    check("search: limit honoured and reported", "result: 1 found, limited" in r.stdout,
          r.stdout)
    for term in ("", "a", " a "):
        r = run_cli("search", "-c", d.config_path, term)
        check("search: term %r is too short: nobody, no store asked" % term,
              r.returncode == 1 and "result: 0 found" in r.stdout and
              "term too short" in r.stdout, r.stdout + r.stderr)
    r = run_cli("search", "-c", d.config_path, "bob")
    check("search: control characters from a store cannot forge lines",
          "store evil" not in r.stdout.splitlines()[0] and
          not any(line.startswith("store evil") for line in r.stdout.splitlines()), r.stdout)
    r = run_cli("profile", "-c", d.config_path, "@alice:example.org")
    check("profile: found", r.returncode == 0 and
          "@alice:example.org -> ok (store people)" in r.stdout and
          "  email: alice@example.org" in r.stdout, r.stdout + r.stderr)
    r = run_cli("profile", "-c", d.config_path, "@zed:example.org")
    check("profile: unknown", r.returncode == 1 and "-> not found" in r.stdout, r.stdout)
    r = run_cli("profile", "-c", d.config_path, "alice")
    check("profile: not a Matrix ID is a usage error", r.returncode == 2, r.stderr)
    r = run_cli("search", "-c", d.config_path, "-l", "0", "al")
    check("search: --limit 0 is a usage error", r.returncode == 2, r.stderr)


def check_creds(d, body):
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return d.post(INTERNAL, raw, port=d.ports["PORT2"])


@test
def check_credentials():
    with daemon() as d:
        r = check_creds(d, {"user": {"id": "@alice:example.org", "password": PASSWORD}})
        auth_ = (r.json or {}).get("auth", {})
        check("check_credentials: success", r.status == 200 and auth_.get("success") is True, r)
        check("check_credentials: the Matrix ID",
              auth_.get("id") == {"type": "mxid", "value": "@alice:example.org"}, auth_)
        check("check_credentials: display name twice (ma1sd's legacy field)",
              auth_.get("display_name") == "Alice Ängström" and
              auth_.get("profile", {}).get("display_name") == "Alice Ängström", auth_)
        check("check_credentials: three_pids",
              {"medium": "email", "address": "alice@example.org"} in
              auth_.get("profile", {}).get("three_pids", []), auth_)
        r = check_creds(d, {"user": {"id": "Alice@Example.org", "password": PASSWORD}})
        check("check_credentials: an e-mail address as id (ma1sd could not)",
              r.status == 200 and r.json["auth"]["success"] is True and
              r.json["auth"]["id"]["value"] == "@alice:example.org", r)
        r = check_creds(d, {"user": {"id": "447700900123", "medium": "msisdn",
                                     "password": PASSWORD}})
        check("check_credentials: a phone number with medium",
              r.status == 200 and r.json["auth"]["success"] is True, r)
        fail = {"auth": {"success": False, "profile": {"three_pids": []}}}
        for name, body in (("wrong password", {"id": "@alice:example.org", "password": "nope"}),
                           ("unknown user", {"id": "@nobody:example.org", "password": "x"}),
                           ("disabled user", {"id": "@alina:example.org", "password": PASSWORD}),
                           ("empty password", {"id": "@alice:example.org", "password": ""}),
                           ("foreign server", {"id": "@alice:evil.org", "password": PASSWORD})):
            r = check_creds(d, {"user": body})
            check("check_credentials: %s is 200 success:false, told apart from nothing" % name,
                  r.status == 200 and r.json == fail, r)
        for name, body, code in (
                ("no user", {}, "M_MISSING_PARAMS"),
                ("no password", {"user": {"id": "alice"}}, "M_MISSING_PARAMS"),
                ("user not an object", {"user": "alice"}, "M_MISSING_PARAMS"),
                ("password a number", {"user": {"id": "alice", "password": 5}}, "M_INVALID_PARAM"),
                ("NUL in password", '{"user":{"id":"alice","password":"%s\\u0000x"}}' % PASSWORD,
                 "M_NOT_JSON"),
                ("not JSON", "{user", "M_NOT_JSON")):
            r = check_creds(d, body)
            check("check_credentials: %s is 400 %s" % (name, code),
                  r.status == 400 and (r.json or {}).get("errcode") == code, r)
        r = d.post(INTERNAL, json.dumps({"user": {"id": "alice", "password": PASSWORD}}))
        check("check_credentials: not served on the identity listener", r.status == 404, r)
        log = d.log_text()
        check("check_credentials: no password in the log", PASSWORD not in log, log[-2000:])


@test
def store_down_is_unavailable():
    dead = free_port()
    d = daemon(extra=DOWN_STORE % dead, start=False)
    r = auth(d.config_path, "zed", PASSWORD)
    check("auth-test: unknown here and a store down: unavailable, not 'not found'",
          r.returncode == 1 and "zed -> unavailable" in r.stdout, r.stdout + r.stderr)
    check("auth-test: the store that is down is named", "store iam (rest): unavailable" in
          r.stdout, r.stdout)
    r = auth(d.config_path, "alice", PASSWORD)
    check("auth-test: a person the first store knows still logs in", r.returncode == 0, r.stdout)
    r = run_cli("search", "-c", d.config_path, "al")
    check("search: one store down makes the result partial, not empty",
          r.returncode == 0 and "result: 2 found, partial" in r.stdout, r.stdout + r.stderr)
    d.start()
    with d:
        r = check_creds(d, {"user": {"id": "@zed:example.org", "password": PASSWORD}})
        check("check_credentials: a store down is 503 M_UNKNOWN, never success:false",
              r.status == 503 and (r.json or {}).get("errcode") == "M_UNKNOWN", r)
        r = check_creds(d, {"user": {"id": "@alice:example.org", "password": PASSWORD}})
        check("check_credentials: alice (first store) still accepted", r.status == 200 and
              r.json["auth"]["success"] is True, r)


LOCKOUT = """
login:
  lockout: {account_failures: 3, ip_failures: %d, window: 1m, duration: %s}
"""


def cc(d, user, password):
    return check_creds(d, {"user": {"id": user, "password": password}})


@test
def lockout():
    with daemon(extra=LOCKOUT % (1000, "2s")) as d:
        for i in range(3):
            r = cc(d, "@alice:example.org", "wrong %d" % i)
            check("lockout: failure %d is a plain refusal" % (i + 1), r.status == 200 and
                  r.json["auth"]["success"] is False, r)
        r = cc(d, "Alice", PASSWORD)
        check("lockout: after 3 failures even the right password gets 429 M_LIMIT_EXCEEDED "
              "(Alice, alice and @alice:example.org are one name)",
              r.status == 429 and r.json.get("errcode") == "M_LIMIT_EXCEEDED" and
              0 < r.json.get("retry_after_ms", 0) <= 2000, r)
        r = cc(d, "@bob:example.org", "wrong")
        check("lockout: another name is not locked", r.status == 200, r)
        for i in range(3):
            cc(d, "@ghost:example.org", "wrong")
        r = cc(d, "@ghost:example.org", "wrong")
        check("lockout: a name nobody has locks the same way (no existence leak)",
              r.status == 429 and r.json.get("errcode") == "M_LIMIT_EXCEEDED", r)
        ok = wait_for(lambda: cc(d, "@alice:example.org", PASSWORD).status == 200, timeout=5)
        r = cc(d, "@alice:example.org", PASSWORD)
        check("lockout: the lock ends after duration; the right password works again",
              ok and r.status == 200 and r.json["auth"]["success"] is True, r)
    with daemon(extra=LOCKOUT % (4, "1m")) as d:
        for name in ("n1", "n2", "n3", "n4"):
            cc(d, name, "wrong")
        r = cc(d, "n5", "wrong")
        check("lockout: 4 failures from one IP lock the IP, whatever the name",
              r.status == 429 and r.json.get("errcode") == "M_LIMIT_EXCEEDED", r)
    off = "\nlogin:\n  lockout: {account_failures: 0, ip_failures: 0}\n"
    with daemon(extra=off) as d:
        for i in range(8):
            cc(d, "@carl:example.org", "wrong")
        r = cc(d, "@carl:example.org", "wrong")
        check("lockout: limits of 0 turn it off", r.status == 200, r)


SLOW_HASH = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_SHA512, rounds=200000))
TIMING = """
server_name: example.org
data_dir: "@DATA_DIR@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [health, internal]
database: {driver: sqlite}
login:
  lockout: {account_failures: 0, ip_failures: 0}
stores:
  - name: people
    module: static
    users:
      - {localpart: alice, password_hash: "%s"}
""" % SLOW_HASH


def timed(d, user):
    t0 = time.perf_counter()
    r = d.post(INTERNAL, json.dumps({"user": {"id": user, "password": "not it"}}))
    return time.perf_counter() - t0, r


@test
def refusal_timing():
    # A wrong password for alice against a name nobody has: the answers are the
    # same, and so must the times be.  Mann-Whitney's U over n x n pairs: with
    # times from one distribution, about half the pairs have the unknown name
    # slower; with a tell (no hash checked for unknown names), almost none do.
    n = 25
    with Daemon(TIMING) as d:
        timed(d, "@alice:example.org")
        known, unknown, bodies = [], [], set()
        for i in range(n):
            t, r = timed(d, "@alice:example.org")
            known.append(t)
            bodies.add((r.status, r.body))
            t, r = timed(d, "@nobody%d:example.org" % i)
            unknown.append(t)
            bodies.add((r.status, r.body))
        check("timing: a wrong password and an unknown name get the same answer",
              len(bodies) == 1, bodies)
        u = sum(1.0 if b > a else 0.5 if b == a else 0.0 for a in known for b in unknown)
        share = u / (n * n)
        known.sort()
        unknown.sort()
        check("timing: an unknown name is not told apart by time (U share %.2f; medians "
              "%.1f ms vs %.1f ms)" % (share, known[n // 2] * 1e3, unknown[n // 2] * 1e3),
              0.15 <= share <= 0.85, (known, unknown))


if __name__ == "__main__":
    main()
