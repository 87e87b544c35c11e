"""test_ldap_daemon.py: the ldap store module inside `mxgate serve`, against a
real slapd (tests/peers/slapd.py): the hashed lookup index fed through paged
results (people beyond the server's size limit are found), the homeserver's
password check (check_credentials), failover from a dead URI, slapd stopped
mid-run (503, never a login failure, the daemon stays up) and back again on
the same port, the service bind password kept out of logs and output, and
client logins through login interception (jwt mode, before the homeserver
peer), whose refusals take as long for an unknown name as for a wrong
password."""

import json
import os
import time

from harness import (check, free_port, lookup_hash, run_cli, test, main, wait_for,
                     with_homeserver_peer)
from ldap_env import (INTERNAL, auth_test, check_creds, config, creds_failed, creds_ok, daemon,
                      ldap_server, lookup, mxid, no_secret, ok_as, openldap_store, said)

V2 = "/_matrix/identity/v2"


def dead_uri():
    return "ldap://127.0.0.1:%d/" % free_port()


@test
def hashed_lookup_pages():
    ldap = ldap_server()
    with daemon(config(openldap_store(ldap))) as d:
        pepper = d.get(V2 + "/hash_details").json["lookup_pepper"]
        # People past the size limit (500) can only come through paging.
        last, late = ldap.people[-1], ldap.people[1994]
        zoe = ldap.fixture("nonascii")
        want = {lookup_hash(last.mails[0], "email", pepper): mxid(last.uid),
                lookup_hash(late.e164s()[0], "msisdn", pepper): mxid(late.uid),
                lookup_hash(late.e164s()[1], "msisdn", pepper): mxid(late.uid),
                lookup_hash(zoe.mails[0], "email", pepper): "@zoe:example.org",
                lookup_hash("jane.smithers@example.org", "email", pepper): "@jsmith:example.org"}
        unknown = lookup_hash("nobody@example.org", "email", pepper)

        def mappings():
            r = d.post(V2 + "/lookup", {"algorithm": "sha256", "pepper": pepper,
                                         "addresses": list(want) + [unknown]})
            m = (r.json or {}).get("mappings") or {}
            return m if len(m) >= len(want) else None
        m = wait_for(mappings, timeout=20, interval=0.1) or {}
        check("hashed lookup: the index holds people beyond the server's size limit",
              all(m.get(h) == uid for h, uid in want.items()), m)
        check("hashed lookup: a phone stored in national form is indexed as E.164",
              m.get(lookup_hash(late.e164s()[1], "msisdn", pepper)) == mxid(late.uid), m)
        check("hashed lookup: unknown address not mapped", unknown not in m, m)
        # The very first generated person too: every page, not just the last.
        first = ldap.people[0]
        r = d.post(V2 + "/lookup", {"algorithm": "none", "pepper": pepper,
                                     "addresses": ["%s email" % first.mails[0]]})
        check("hashed lookup: the first page is there as well",
              (r.json or {}).get("mappings", {}).get("%s email" % first.mails[0]) ==
              mxid(first.uid), r)


@test
def check_credentials():
    ldap = ldap_server()
    with daemon(config(openldap_store(ldap))) as d:
        p = ldap.people[99]
        r = check_creds(d, p.uid, p.password)
        check("check_credentials: success", creds_ok(r, p.uid), r)
        auth = (r.json or {}).get("auth") or {}
        check("check_credentials: the profile's display name",
              auth.get("profile", {}).get("display_name") == p.display, auth)
        r = check_creds(d, p.mails[0], p.password)
        check("check_credentials: e-mail as id", creds_ok(r, p.uid), r)
        r = check_creds(d, mxid(p.uid), p.password + "x")
        check("check_credentials: wrong password is 200 success:false", creds_failed(r), r)
        r = check_creds(d, mxid(p.uid), "")
        check("check_credentials: empty password is 200 success:false", creds_failed(r), r)
        out = ldap.fixture("outsider")
        r = check_creds(d, out.uid, out.password)
        check("check_credentials: outside the login group is success:false", creds_failed(r), r)
        zoe = ldap.fixture("nonascii")
        r = check_creds(d, "zoe", zoe.password)
        check("check_credentials: non-ASCII display name intact",
              creds_ok(r, "zoe") and
              r.json["auth"].get("profile", {}).get("display_name") == "Zoë Ångström", r)
        for name, user in (("wildcard", "*"), ("filter break-out", "*)(|(uid=*"),
                           ("escaped NUL", "\\00"), ("4 KiB", "u" * 4096)):
            r = check_creds(d, user, p.password)
            check("check_credentials: injection (%s) is not a success" % name,
                  r.status in (200, 400) and not ((r.json or {}).get("auth") or {}).get("success"),
                  r)
        raw = '{"user":{"id":"%s\\u0000*","password":"%s"}}' % (p.uid, p.password)
        r = d.post(INTERNAL, raw, {"Content-Type": "application/json"}, port=d.ports["PORT2"])
        check("check_credentials: a NUL byte in the id is never a success",
              r.status in (200, 400) and not ((r.json or {}).get("auth") or {}).get("success"), r)
        check("daemon still up after the injections", d.get("/health").status == 200, "")


@test
def failover_and_outage():
    ldap = ldap_server()
    cfg = config(openldap_store(ldap, uris=[dead_uri(), ldap.uri], timeout="3s"))
    with daemon(cfg) as d:
        p = ldap.people[7]
        r = check_creds(d, p.uid, p.password)
        check("failover: first URI dead, the second answers", creds_ok(r, p.uid), r)
        t = auth_test(d.config_path, p.uid, p.password)
        check("failover: auth-test too", ok_as(t, p.uid), t)

        ldap.stop()
        r = check_creds(d, p.uid, p.password)
        check("slapd stopped: check_credentials is 503, not a login failure",
              r.status == 503 and (r.json or {}).get("errcode") == "M_UNKNOWN", r)
        r = check_creds(d, p.uid, "wrong")
        check("slapd stopped: even a wrong password is 503 (nobody can tell)", r.status == 503, r)
        t = auth_test(d.config_path, p.uid, p.password)
        check("slapd stopped: auth-test says unavailable", said(t, "unavailable"), t)
        check("slapd stopped: the store's own line says unavailable",
              t.stores.get("corp", "").startswith("unavailable"), t)
        t = lookup(d.config_path, "email", p.mails[0])
        check("slapd stopped: lookup says unavailable, not not found",
              said(t, "unavailable"), t)
        check("slapd stopped: the daemon stays up", d.running() and
              d.get("/health").status == 200, d.log_tail())

        ldap.start()		# same port, same data
        back = wait_for(lambda: creds_ok(check_creds(d, p.uid, p.password), p.uid),
                        timeout=20, interval=0.2)
        check("slapd back: check_credentials answers again", back, d.log_tail())
        r = check_creds(d, p.uid, "wrong")
        check("slapd back: wrong password is a login failure again", creds_failed(r), r)

        ldap.kill()		# gone without closing its connections
        r = check_creds(d, p.uid, p.password)
        check("slapd killed: 503", r.status == 503, r)
        ldap.start()
        back = wait_for(lambda: creds_ok(check_creds(d, p.uid, p.password), p.uid),
                        timeout=20, interval=0.2)
        check("slapd killed and back: answers again", back, d.log_tail())
    check("the daemon exited cleanly", d.returncode == 0, d.returncode)


@test
def all_uris_dead():
    ldap = ldap_server()
    cfg = config(openldap_store(ldap, uris=[dead_uri(), dead_uri()], connect_timeout="1s"))
    with daemon(cfg) as d:
        r = check_creds(d, "user00001", "s3cret-user00001")
        check("every URI dead: 503 from check_credentials", r.status == 503, r)
        t = auth_test(d.config_path, "user00001", "s3cret-user00001")
        check("every URI dead: auth-test unavailable with a reason",
              said(t, "unavailable") and len(t.verdict) > len("unavailable: "), t)
        check("every URI dead: daemon up", d.get("/health").status == 200, "")


@test
def bind_secret():
    ldap = ldap_server()
    secret = ldap.bind_password
    with daemon(config(openldap_store(ldap))) as d:
        p = ldap.people[3]
        r = check_creds(d, p.uid, p.password)
        check("bind_password_file: the service account binds", creds_ok(r, p.uid), r)
        t = auth_test(d.config_path, p.uid, p.password)
        no_secret("bind_password_file: not in auth-test output", secret, t.out, t.err)
        s = run_cli("search", "-c", d.config_path, "user0000")
        no_secret("bind_password_file: not in search output", secret, s.stdout, s.stderr)
        cfgdump = run_cli("config", "check", "-c", d.config_path)
        no_secret("bind_password_file: not in config check output", secret,
                  cfgdump.stdout, cfgdump.stderr)
        # A wrong service password: unavailable (an admin's problem, not the
        # user's), and the wrong password is not echoed either.
        wrong = "Wr0ng-" + os.urandom(6).hex()
        bad = daemon(config(openldap_store(ldap, bind_password=wrong,
                                           bind_password_file=None)), start=False)
        t = auth_test(bad.config_path, p.uid, p.password)
        check("wrong service password: not ok, not denied",
              t.rc == 1 and not said(t, "denied") and "-> @" not in t.out, t)
        no_secret("wrong service password: not in the output", wrong, t.out, t.err)
        # The users' passwords must not be logged either.
        log = d.log_text()
    no_secret("bind password not in the daemon's log (debug level)", secret, log)
    no_secret("user password not in the daemon's log", p.password, log)


@test
def bind_password_inline():
    ldap = ldap_server()
    cfg = config(openldap_store(ldap, bind_password=ldap.bind_password, bind_password_file=None))
    with daemon(cfg) as d:
        p = ldap.people[5]
        check("inline bind_password works", creds_ok(check_creds(d, p.uid, p.password), p.uid), "")
        log = d.log_text()
    no_secret("inline bind_password not in the daemon's log", ldap.bind_password, log)
    check("the config file holds it (sanity of the test)",
          ldap.bind_password in open(d.config_path).read(), "")
    both = daemon(config(openldap_store(ldap, bind_password="x")), start=False)
    r = run_cli("config", "check", "-c", both.config_path)
    check("bind_password and bind_password_file together: a config error",
          r.returncode == 2 and "bind_password" in r.stderr, r.stderr)


def timed_check(d, user, password):
    t0 = time.perf_counter()
    r = check_creds(d, user, password)
    return time.perf_counter() - t0, r


@test
def refusal_timing():
    # A wrong password for a person against a name nobody has: the same
    # answer, and the same time: an unknown name costs a decoy bind, as a
    # wrong password costs a real one.  Mann-Whitney's U over n x n pairs
    # (about half the pairs with the unknown name slower when the times
    # come from one distribution, sd 0.065 at n = 40; without the decoy
    # bind 0.17 to 0.26 on loopback, where a bind is only ~50 us).
    n = 40
    ldap = ldap_server()
    p = ldap.people[42]
    tail = "login:\n  lockout: {account_failures: 0, ip_failures: 0}\n"
    with daemon(config(openldap_store(ldap), tail=tail)) as d:
        timed_check(d, p.uid, "warm-up")
        known, unknown, answers = [], [], set()
        for i in range(n):
            t, r = timed_check(d, p.uid, "not it")
            known.append(t)
            answers.add((r.status, json.dumps(r.json, sort_keys=True)))
            t, r = timed_check(d, "nobody%05d" % i, "not it")
            unknown.append(t)
            answers.add((r.status, json.dumps(r.json, sort_keys=True)))
        check("timing: a wrong password and an unknown name get the same answer",
              len(answers) == 1, answers)
        u = sum(1.0 if b > a else 0.5 if b == a else 0.0 for a in known for b in unknown)
        share = u / (n * n)
        known.sort()
        unknown.sort()
        check("timing: an unknown name is not told apart by time (U share %.2f; medians "
              "%.2f ms vs %.2f ms)" % (share, known[n // 2] * 1e3, unknown[n // 2] * 1e3),
              0.30 <= share <= 0.85, (known, unknown))


JWT_SECRET = "ldap-login-jwt-secret"
LOGIN = "/_matrix/client/v3/login"
LOGIN_TAIL = """homeserver:
  base_url: "%s"
login:
  lockout: {account_failures: 0, ip_failures: 0}
  interception: jwt
  jwt: {algorithm: HS256, secret: "%s"}
"""


def login_daemon(ldap, peer):
    """mxgate with the ldap store, logins intercepted on the internal
    listener's port (PORT2, which serves the client resource too)."""
    text = config(openldap_store(ldap), tail=LOGIN_TAIL % (peer.base_url, JWT_SECRET))
    return daemon(text.replace("    resources: [internal]\n",
                               "    resources: [internal, client]\n"))


def login(d, identifier, password):
    return d.post(LOGIN, {"type": "m.login.password", "identifier": identifier,
                          "password": password}, port=d.ports["PORT2"])


@test
@with_homeserver_peer(jwt={"alg": "HS256", "secret": JWT_SECRET})
def client_logins(peer):
    ldap = ldap_server()
    p = ldap.people[123]
    with login_daemon(ldap, peer) as d:
        r = login(d, {"type": "m.id.user", "user": p.uid}, p.password)
        check("login: uid and LDAP password, logged in at the homeserver",
              r.status == 200 and r.json.get("user_id") == mxid(p.uid), r)
        r = login(d, {"type": "m.id.thirdparty", "medium": "email", "address": p.mails[0]},
                  p.password)
        check("login: the LDAP mail as identifier", r.status == 200 and
              r.json.get("user_id") == mxid(p.uid), r)
        phone = p.phones[0][2] if p.phones else None
        if phone:
            r = login(d, {"type": "m.id.thirdparty", "medium": "msisdn", "address": phone},
                      p.password)
            check("login: the LDAP phone (E.164) as identifier", r.status == 200 and
                  r.json.get("user_id") == mxid(p.uid), r)
        wrong = login(d, {"type": "m.id.user", "user": p.uid}, p.password + "x")
        check("login: a wrong LDAP password is 403 M_FORBIDDEN", wrong.status == 403 and
              wrong.json.get("errcode") == "M_FORBIDDEN", wrong)
        out = ldap.fixture("outsider")
        r = login(d, {"type": "m.id.user", "user": out.uid}, out.password)
        check("login: outside the login group, the same answer as a wrong password",
              (r.status, r.body) == (wrong.status, wrong.body), r)
        r = login(d, {"type": "m.id.user", "user": "*)(uid=*"}, p.password)
        check("login: a filter injection is refused like a wrong password",
              (r.status, r.body) == (wrong.status, wrong.body), r)


@test
@with_homeserver_peer(jwt={"alg": "HS256", "secret": JWT_SECRET})
def client_login_refusal_timing(peer):
    # As refusal_timing, through POST /login: the interception adds no
    # step that an unknown name skips.
    n = 40
    ldap = ldap_server()
    p = ldap.people[77]

    def timed(user):
        t0 = time.perf_counter()
        r = login(d, {"type": "m.id.user", "user": user}, "not it")
        return time.perf_counter() - t0, r

    with login_daemon(ldap, peer) as d:
        timed(p.uid)
        known, unknown, answers = [], [], set()
        for i in range(n):
            t, r = timed(p.uid)
            known.append(t)
            answers.add((r.status, r.body))
            t, r = timed("nobody%05d" % i)
            unknown.append(t)
            answers.add((r.status, r.body))
        check("login timing: a wrong password and an unknown name get the same answer",
              len(answers) == 1, answers)
        u = sum(1.0 if b > a else 0.5 if b == a else 0.0 for a in known for b in unknown)
        share = u / (n * n)
        known.sort()
        unknown.sort()
        check("login timing: an unknown name is not told apart by time (U share %.2f; "
              "medians %.2f ms vs %.2f ms)" % (share, known[n // 2] * 1e3,
                                               unknown[n // 2] * 1e3),
              0.30 <= share <= 0.85, (known, unknown))


if __name__ == "__main__":
    main()
