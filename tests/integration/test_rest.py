"""test_rest.py: the `rest` store module (ma1sd's REST backend protocol)
against a real IAM peer (tests/peers/iam.py) on loopback: logins by
localpart, Matrix ID, e-mail and phone through `mxgate auth-test`, lookup,
search and profile through the other store tools, the daemon's hashed
lookups fed by the paged enumerate extension, and check_credentials.  The
IAM also times out, answers garbage, wrong types and 500s, requires bearer
or basic credentials, and has endpoints switched off: every failure of the
IAM must read "unavailable" (503 on the daemon), never "denied"."""

import json
import os
import subprocess
import sys
import time

from harness import (Daemon, check, free_port, http_request, lookup_hash, main, port_open,
                     run_cli, test, tmp_dir, wait_for)

PEERS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "peers")
INTERNAL = "/_matrix-internal/identity/v1/check_credentials"
V2 = "/_matrix/identity/v2"
PASSWORD = "Tr0ub4dor & 3"

PEOPLE = {
    "domain": "example.org",
    "people": [
        {"localpart": "alice", "password": PASSWORD, "display_name": "Alice Ängström",
         "threepids": [{"medium": "email", "address": "Alice@Example.org"},
                       {"medium": "msisdn", "address": "+44 7700 900123"}]},
        {"localpart": "bob", "password": "bobpw", "display_name": "Bob",
         "threepids": [{"medium": "email", "address": "bob@example.org"}]},
        {"localpart": "carol", "password": "carolpw", "display_name": "Carol Alison",
         "threepids": [{"medium": "email", "address": "carol@example.org"},
                       {"medium": "email", "address": "c.a@example.net"}]},
        {"localpart": "dave", "password": "davepw", "display_name": "Dave",
         "threepids": [{"medium": "email", "address": "dave@example.org"}]},
    ],
}

CONFIG = """
server_name: example.org
data_dir: "@DATA_DIR@"
plugin_dir: "@PLUGIN_DIR@"
log: {file: "@LOG_FILE@", level: info}
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [identity, health]
  - bind: "127.0.0.1:@PORT2@"
    resources: [internal]
database:
  driver: sqlite
identity:
  v1_api: true
lookup:
  require_auth: false
  algorithms: [sha256, none]
stores:
  - name: iam
    module: rest
    priority: 10
    url: "http://127.0.0.1:@IAM_PORT@/"
    timeout: 1s
    connect_timeout: 1s
@REST_EXTRA@
"""


class Iam:
    """tests/peers/iam.py on a free port, with its knobs and request log."""

    def __init__(self, *args):
        self.dir = tmp_dir("iam")
        data = os.path.join(self.dir, "people.json")
        with open(data, "w") as f:
            json.dump(PEOPLE, f)
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, os.path.join(PEERS, "iam.py"),
                                      str(self.port), data] + list(args),
                                     stdin=subprocess.DEVNULL)
        if not wait_for(lambda: self.proc.poll() is not None or port_open(self.port), 10):
            raise RuntimeError("iam.py did not start")
        if self.proc.poll() is not None:
            raise RuntimeError("iam.py exited %d" % self.proc.returncode)

    def set(self, **knobs):
        r = http_request(self.port, "POST", "/_control/set", knobs)
        assert r.status == 200, r

    def log(self):
        return http_request(self.port, "GET", "/_control/log").json

    def clear(self):
        http_request(self.port, "POST", "/_control/clear", {})

    def paths(self):
        return [e["path"].rsplit("/", 1)[-1] for e in self.log()]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        return False


def config(iam, extra="", start=False, **kw):
    """A daemon (not started unless asked) whose config points at iam."""
    return Daemon(CONFIG, subst={"IAM_PORT": iam.port, "REST_EXTRA": extra}, start=start, **kw)


def auth(cfg, user, password, *args):
    return run_cli("auth-test", "-c", cfg, *args, user, input=password + "\n")


@test
def logins():
    with Iam() as iam:
        d = config(iam)
        for who in ("alice", "@alice:example.org", "ALICE", "Alice@Example.org",
                    "+44 7700 900123"):
            r = auth(d.config_path, who, PASSWORD)
            check("auth-test %s: ok (exit 0)" % who, r.returncode == 0 and
                  "store iam (rest): ok @alice:example.org" in r.stdout and
                  "-> @alice:example.org (store iam)" in r.stdout, r.stdout + r.stderr)
        check("auth-test: profile from the IAM (UTF-8, canonical 3PIDs)",
              "  display_name: Alice Ängström" in r.stdout and
              "  email: alice@example.org" in r.stdout and "  msisdn: 447700900123" in r.stdout,
              r.stdout)
        iam.clear()
        r = auth(d.config_path, "Alice@Example.org", PASSWORD)
        log = iam.log()
        # auth-test asks the store, then the chain: the same two calls twice.
        check("auth by e-mail: identity/single, then auth as the Matrix ID",
              [e["path"] for e in log[:2]] == ["/_ma1sd/backend/api/v1/identity/single",
                                           "/_ma1sd/backend/api/v1/auth/login"] and
              log[0]["body"] == {"lookup": {"medium": "email", "address": "alice@example.org"}}
              and log[1]["body"]["auth"] == {"mxid": "@alice:example.org", "localpart": "alice",
                                             "domain": "example.org", "password": PASSWORD},
              log)
        r = auth(d.config_path, "alice", "wrong")
        # The IAM's "no" is the same for a wrong password and an unknown user:
        # "not accepted here", so that a later store may still know the person.
        check("auth-test: wrong password is refused (exit 1), not accepted by the IAM",
              r.returncode == 1 and
              "store iam (rest): not found: the IAM did not accept the password" in r.stdout
              and "alice -> not found" in r.stdout, r.stdout + r.stderr)
        iam.set(deny_status=401)
        r = auth(d.config_path, "alice", "wrong")
        check("auth-test: a 401 without WWW-Authenticate is a refusal too",
              r.returncode == 1 and "alice -> not found" in r.stdout and
              "unavailable" not in r.stdout, r.stdout + r.stderr)
        iam.set(deny_status=None)
        r = auth(d.config_path, "zed", PASSWORD)
        check("auth-test: an unknown localpart: the IAM says no (it cannot tell)",
              r.returncode == 1 and "zed -> not found" in r.stdout, r.stdout + r.stderr)
        r = auth(d.config_path, "zed@example.org", PASSWORD)
        check("auth-test: an unknown e-mail address is not found",
              r.returncode == 1 and "-> not found" in r.stdout, r.stdout + r.stderr)
        r = auth(d.config_path, "@alice:elsewhere.org", PASSWORD)
        check("auth-test: a foreign Matrix ID is not found",
              r.returncode == 1 and "-> not found" in r.stdout, r.stdout + r.stderr)
        iam.clear()
        r = auth(d.config_path, "alice", "")
        check("auth-test: empty password denied without asking the IAM",
              r.returncode == 1 and "-> denied" in r.stdout and
              "auth/login" not in json.dumps(iam.log()), r.stdout + json.dumps(iam.log()))
        # Everything sent so far: the password only ever went to auth/login.
        iam.clear()
        for args in (("lookup", "email", "alice@example.org"), ("search", "alice"),
                     ("profile", "@alice:example.org")):
            run_cli(args[0], "-c", d.config_path, *args[1:])
        auth(d.config_path, "alice@example.org", PASSWORD)
        leaks = [e["path"] for e in iam.log()
                 if PASSWORD in json.dumps(e["body"], ensure_ascii=False)
                 and not e["path"].endswith("/auth/login")]
        check("the password goes to auth/login only", leaks == [] and
              any(e["path"].endswith("/auth/login") for e in iam.log()), leaks)


@test
def lookup_search_profile():
    with Iam() as iam:
        d = config(iam)
        r = run_cli("lookup", "-c", d.config_path, "email", "ALICE@example.org")
        check("lookup e-mail: found (exit 0)", r.returncode == 0 and
              "-> @alice:example.org (store iam)" in r.stdout, r.stdout + r.stderr)
        r = run_cli("lookup", "-c", d.config_path, "msisdn", "+44 7700 900123")
        check("lookup msisdn: found", r.returncode == 0 and "@alice:example.org" in r.stdout,
              r.stdout + r.stderr)
        r = run_cli("lookup", "-c", d.config_path, "email", "nobody@example.org")
        check("lookup: unknown is not found (exit 1)", r.returncode == 1 and
              "not found" in r.stdout, r.stdout + r.stderr)
        iam.clear()
        r = run_cli("search", "-c", d.config_path, "ali")
        merged = r.stdout.split("result:", 1)[-1]
        check("search: by name, localparts made Matrix IDs", r.returncode == 0 and
              "@alice:example.org\tAlice Ängström" in merged and
              "@carol:example.org\tCarol Alison" in merged, r.stdout + r.stderr)
        check("search: each person once", merged.count("@alice:example.org") == 1, merged)
        bodies = [e["body"] for e in iam.log()]
        check("search: asked by name, then by threepid",
              {"by": "name", "search_term": "ali"} in bodies and
              {"by": "threepid", "search_term": "ali"} in bodies, bodies)
        r = run_cli("search", "-c", d.config_path, "example.net")
        check("search: by 3PID finds carol", "@carol:example.org" in r.stdout and
              "result: 1 found" in r.stdout, r.stdout + r.stderr)
        r = run_cli("profile", "-c", d.config_path, "@carol:example.org")
        check("profile: display name and 3PIDs", r.returncode == 0 and
              "-> ok (store iam)" in r.stdout and "  display_name: Carol Alison" in r.stdout and
              "  email: c.a@example.net" in r.stdout, r.stdout + r.stderr)
        r = run_cli("profile", "-c", d.config_path, "@zed:example.org")
        check("profile: unknown is not found", r.returncode == 1 and
              "-> not found" in r.stdout, r.stdout + r.stderr)


@test
def iam_failures():
    with Iam() as iam:
        d = config(iam)
        iam.set(delay=3)
        start = time.monotonic()
        r = auth(d.config_path, "alice", PASSWORD)
        took = time.monotonic() - start
        check("IAM slower than timeout: unavailable, not denied", r.returncode == 1 and
              "store iam (rest): unavailable" in r.stdout and "denied" not in r.stdout,
              r.stdout + r.stderr)
        check("IAM slower than timeout: answer within about the timeout (1 s)", took < 2.5,
              took)
        r = run_cli("lookup", "-c", d.config_path, "email", "bob@example.org")
        check("lookup against a slow IAM: unavailable", r.returncode == 1 and
              "unavailable" in r.stdout, r.stdout)
        iam.set(delay=0)
        for mode, why in (("garbage", "not a JSON object"), ("wrongtypes", "auth.success"),
                          ("500", "HTTP 500")):
            iam.set(mode=mode)
            r = auth(d.config_path, "alice", PASSWORD)
            check("IAM %s: auth-test unavailable naming the cause" % mode,
                  r.returncode == 1 and "store iam (rest): unavailable" in r.stdout and
                  why in r.stdout and "denied" not in r.stdout, r.stdout + r.stderr)
            r = run_cli("search", "-c", d.config_path, "alice")
            check("IAM %s: search unavailable" % mode, r.returncode == 1 and
                  "store iam (rest): unavailable" in r.stdout, r.stdout + r.stderr)
            r = run_cli("profile", "-c", d.config_path, "@alice:example.org")
            check("IAM %s: profile unavailable" % mode, r.returncode == 1 and
                  "unavailable" in r.stdout, r.stdout + r.stderr)
        iam.set(mode="normal")
    # And nobody listening at all.
    r = auth(d.config_path, "alice", PASSWORD)
    check("IAM down (connection refused): unavailable", r.returncode == 1 and
          "unavailable" in r.stdout and "denied" not in r.stdout, r.stdout + r.stderr)


@test
def iam_credentials():
    token = "s3cr3t-t0ken"
    with Iam("--bearer", token) as iam:
        token_file = os.path.join(iam.dir, "token")
        with open(token_file, "w") as f:
            f.write(token + "\n")
        d = config(iam, "    auth_bearer_token_file: %s\n" % token_file)
        r = auth(d.config_path, "alice", PASSWORD)
        check("bearer token (from a file): login ok", r.returncode == 0, r.stdout + r.stderr)
        check("bearer token sent on every call",
              all(e["authorization"] == "Bearer " + token for e in iam.log()), iam.log())
        d = config(iam, "    auth_bearer_token: wrong\n")
        r = auth(d.config_path, "alice", PASSWORD)
        check("wrong bearer token: unavailable (the IAM refuses mxgate, not the user)",
              r.returncode == 1 and "unavailable" in r.stdout and "HTTP 401" in r.stdout and
              "denied" not in r.stdout, r.stdout + r.stderr)
        check("the token is never printed", token not in r.stdout + r.stderr and
              "wrong" not in r.stdout + r.stderr, r.stdout + r.stderr)
        d = config(iam)
        r = run_cli("lookup", "-c", d.config_path, "email", "bob@example.org")
        check("no token at all: lookup unavailable", r.returncode == 1 and
              "unavailable" in r.stdout, r.stdout)
    with Iam("--basic", "mxgate:b4sic pw") as iam:
        d = config(iam, "    auth_basic_user: mxgate\n    auth_basic_password: \"b4sic pw\"\n")
        r = auth(d.config_path, "bob", "bobpw")
        check("basic auth: login ok", r.returncode == 0 and "@bob:example.org" in r.stdout,
              r.stdout + r.stderr)
        d = config(iam, "    auth_basic_user: mxgate\n    auth_basic_password: nope\n")
        r = auth(d.config_path, "bob", "bobpw")
        check("wrong basic password: unavailable", r.returncode == 1 and
              "unavailable" in r.stdout and "denied" not in r.stdout, r.stdout + r.stderr)
    d = config(iam, "    auth_bearer_token: a\n    auth_basic_user: u\n"
                    "    auth_basic_password: p\n")
    r = auth(d.config_path, "alice", PASSWORD)
    check("bearer and basic together: a configuration error", r.returncode == 2 and
          "not both" in r.stdout + r.stderr, r.stdout + r.stderr)


def self_signed(directory):
    """A certificate for 127.0.0.1 signed by itself (so it is its own CA)."""
    cert, key = os.path.join(directory, "iam.crt"), os.path.join(directory, "iam.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


@test
def iam_over_tls():
    d0 = tmp_dir("tls")
    cert, key = self_signed(d0)
    with Iam("--tls", cert, key) as iam:
        url = "    url: \"https://127.0.0.1:%d/\"\n" % iam.port
        # The config's http:// url is overridden: a key given twice is an
        # error, so the TLS cases use their own config text.
        tls_config = CONFIG.replace('    url: "http://127.0.0.1:@IAM_PORT@/"\n', "")
        def daemon_with(extra):
            return Daemon(tls_config, subst={"REST_EXTRA": url + extra}, start=False)
        r = auth(daemon_with("").config_path, "alice", PASSWORD)
        check("https, certificate not trusted: unavailable (verification is on by default)",
              r.returncode == 1 and "unavailable" in r.stdout and "denied" not in r.stdout,
              r.stdout + r.stderr)
        r = auth(daemon_with("    ca_file: %s\n" % cert).config_path, "alice", PASSWORD)
        check("https with ca_file: login ok", r.returncode == 0 and
              "@alice:example.org (store iam)" in r.stdout, r.stdout + r.stderr)
        r = auth(daemon_with("    tls_verify: false\n").config_path, "alice", PASSWORD)
        check("https with tls_verify: false: login ok", r.returncode == 0, r.stdout + r.stderr)
        other_cert, _ = self_signed(tmp_dir("tls2"))
        r = auth(daemon_with("    ca_file: %s\n" % other_cert).config_path, "alice", PASSWORD)
        check("https with the wrong ca_file: unavailable", r.returncode == 1 and
              "unavailable" in r.stdout, r.stdout + r.stderr)


@test
def endpoints_switched_off():
    with Iam() as iam:
        d = config(iam, "    endpoints:\n      directory: \"\"\n      auth: \"\"\n")
        r = run_cli("search", "-c", d.config_path, "alice")
        check("directory \"\": search finds nothing there, no error",
              "store iam (rest): 0 found" in r.stdout and "unavailable" not in r.stdout,
              r.stdout + r.stderr)
        r = auth(d.config_path, "alice", PASSWORD)
        check("auth \"\": the store does not log anyone in", r.returncode == 1 and
              "-> not found" in r.stdout, r.stdout + r.stderr)
        r = run_cli("lookup", "-c", d.config_path, "email", "alice@example.org")
        check("other endpoints still work", r.returncode == 0, r.stdout + r.stderr)
        paths = iam.paths()
        check("no call to a switched-off endpoint", "search" not in paths and
              "login" not in paths and "single" in paths, paths)


def check_creds(d, user_id, password):
    return d.post(INTERNAL, {"user": {"id": user_id, "password": password}},
                  port=d.ports["PORT2"])


@test
def daemon_lookup_and_check_credentials():
    with Iam() as iam:
        # page_size 2: five 3PIDs come in three pages.
        with config(iam, "    page_size: 2\n", start=True) as d:
            pepper = d.get(V2 + "/hash_details").json["lookup_pepper"]
            hashes = {lookup_hash(a, m, pepper): (m, a) for m, a in (
                ("email", "alice@example.org"), ("msisdn", "447700900123"),
                ("email", "c.a@example.net"), ("email", "dave@example.org"),
                ("email", "nobody@example.org"))}

            def lookup():
                r = d.post(V2 + "/lookup", {"algorithm": "sha256", "pepper": pepper,
                                            "addresses": sorted(hashes)})
                m = (r.json or {}).get("mappings", {})
                return m if len(m) == 4 else None
            m = wait_for(lookup, 10)
            check("hashed lookup: every IAM 3PID in the index (enumerate)",
                  m is not None and sorted(m.values()) ==
                  ["@alice:example.org", "@alice:example.org", "@carol:example.org",
                   "@dave:example.org"], m)
            since = [e["body"].get("since") for e in iam.log() if "enumerate" in e["path"]]
            check("enumerate paged: since null, then the IAM's cursors",
                  since[:3] == [None, "offset:2", "offset:4"] and
                  all(e["body"]["limit"] == 2 for e in iam.log() if "enumerate" in e["path"]),
                  since)
            r = d.post("/_matrix/identity/api/v1/bulk_lookup", {"threepids": [
                ["email", "Alice@Example.org"], ["email", "bob@example.org"],
                ["email", "zed@example.org"]]})
            got = sorted(tuple(t) for t in (r.json or {}).get("threepids", []))
            check("v1 bulk lookup: the known ones, none invented",
                  r.status == 200 and got == [("email", "Alice@Example.org",
                                               "@alice:example.org"),
                                              ("email", "bob@example.org", "@bob:example.org")],
                  r)
            r = check_creds(d, "@alice:example.org", PASSWORD)
            a = (r.json or {}).get("auth", {})
            check("check_credentials: success through the IAM", r.status == 200 and
                  a.get("success") is True and
                  a.get("id") == {"type": "mxid", "value": "@alice:example.org"} and
                  a.get("profile", {}).get("display_name") == "Alice Ängström", r)
            r = check_creds(d, "alice@example.org", PASSWORD)
            check("check_credentials: by e-mail", r.status == 200 and
                  (r.json or {}).get("auth", {}).get("success") is True, r)
            r = check_creds(d, "alice", "wrong")
            check("check_credentials: wrong password is success:false", r.status == 200 and
                  r.json["auth"]["success"] is False, r)
            iam.set(delay=3)
            start = time.monotonic()
            r = check_creds(d, "@alice:example.org", PASSWORD)
            took = time.monotonic() - start
            check("check_credentials: IAM timing out is 503, never success:false",
                  r.status == 503 and (r.json or {}).get("errcode") == "M_UNKNOWN", r)
            check("check_credentials: the 503 comes within about the timeout", took < 2.5, took)
            iam.set(delay=0, mode="garbage")
            r = check_creds(d, "@alice:example.org", PASSWORD)
            check("check_credentials: IAM answering garbage is 503", r.status == 503, r)
            iam.set(mode="wrongtypes")
            r = check_creds(d, "@alice:example.org", "wrong")
            check("check_credentials: wrong types are 503 even for a wrong password",
                  r.status == 503, r)
            iam.set(mode="normal")
            r = check_creds(d, "@alice:example.org", PASSWORD)
            check("check_credentials: back once the IAM is", r.status == 200 and
                  r.json["auth"]["success"] is True, r)
            log = d.log_text()
            check("the daemon's log holds no password", PASSWORD not in log and
                  "wrong\"" not in log, log[-2000:])


@test
def iam_without_enumerate():
    with Iam("--no-enumerate") as iam:
        with config(iam, start=True) as d:
            check("an IAM without enumerate (404): the daemon still serves",
                  d.get("/health").status == 200, "")
            ok = wait_for(lambda: "has no" in d.log_text() and "lookup index built" in
                          d.log_text(), 10)
            check("enumerate 404 is logged at info, once", ok and
                  d.log_text().count("enumerate: the IAM has no") == 1, d.log_text()[-2000:])
            r = check_creds(d, "bob", "bobpw")
            check("logins still go through the IAM", r.status == 200 and
                  r.json["auth"]["success"] is True, r)


if __name__ == "__main__":
    main()
