"""test_login_intercept.py: client logins through mxgate (login.interception)
in front of the homeserver peer (tests/peers/homeserver.mjs), which checks
the JWTs mxgate mints as Synapse's jwt_config does; and the shared secret
on check_credentials.  The people come from the built-in static store; the
LDAP-backed logins are in test_ldap_daemon.py, the matrix-js-sdk ones in
test_login_client.py."""

import json
import os
import subprocess
import time
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # Debian 12's Python still has it; the hashes come from libxcrypt

from harness import (Daemon, check, test, main, run_cli, free_port, tmp_dir, mxgate_bin,
                     with_homeserver_peer)

PASSWORD = "correct horse battery staple"
HASH = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_SHA512))
SECRET = "jwt-secret-for-the-homeserver-0123456789"
LOGIN = "/_matrix/client/v3/login"
INTERNAL = "/_matrix-internal/identity/v1/check_credentials"

CONFIG = """
server_name: example.org
data_dir: "@DATA_DIR@"
plugin_dir: "@PLUGIN_DIR@"
log:
  file: "@LOG_FILE@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [client, health]
  - bind: "127.0.0.1:@PORT2@"
    resources: [internal]
database:
  driver: sqlite
homeserver:
  base_url: "@HS@"
  timeout: 2s
  connect_timeout: 1s
login:
  lockout: {account_failures: @FAILS@, ip_failures: 0}
  interception: @MODE@
  jwt:
@JWT@
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
      - localpart: bob
        password_hash: "%s"
@EXTRA@
""" % (HASH, HASH)

HS256 = "    algorithm: HS256\n    secret: \"%s\"\n    issuer: mxgate-test\n" \
        "    audience: hs-test" % SECRET
HS256_PEER = {"alg": "HS256", "secret": SECRET, "issuer": "mxgate-test",
              "audience": "hs-test"}


def mxgate(peer, mode="jwt", jwt=HS256, fails=5, extra="", hs=None, **kw):
    return Daemon(CONFIG, subst={"HS": hs or peer.base_url, "MODE": mode, "JWT": jwt,
                                 "FAILS": str(fails), "EXTRA": extra}, **kw)


def password_body(identifier, password=PASSWORD, **more):
    body = {"type": "m.login.password", "identifier": identifier, "password": password}
    body.update(more)
    return body


def user(name):
    return {"type": "m.id.user", "user": name}


def peer_logins(peer):
    return peer.request("GET", "/_test/logins").json["logins"]


def serve_once(d):
    """`mxgate serve` on d's config, expected to refuse to start: the
    process, with .said = its stderr and its log file."""
    proc = subprocess.run([mxgate_bin(), "serve", "-c", d.config_path],
                          capture_output=True, text=True, timeout=30)
    log = open(d.log_file, encoding="utf-8").read() if os.path.exists(d.log_file) else ""
    proc.said = proc.stderr + log
    return proc


@test
@with_homeserver_peer()
def flows(peer):
    with mxgate(peer) as d:
        for path in ("/_matrix/client/v3/login", "/_matrix/client/r0/login"):
            r = d.get(path)
            types = [f.get("type") for f in (r.json or {}).get("flows", [])]
            check("flows %s: 200" % path, r.status == 200, r)
            check("flows %s: m.login.password added" % path, "m.login.password" in types, types)
            check("flows %s: the homeserver's flows kept" % path,
                  "m.login.token" in types and "org.matrix.login.jwt" in types, types)
    with mxgate(peer, mode="passthrough") as d:
        types = [f.get("type") for f in d.get(LOGIN).json.get("flows", [])]
        check("flows passthrough: the homeserver's as they are",
              types == ["m.login.token", "org.matrix.login.jwt"], types)


@test
@with_homeserver_peer()
def jwt_login(peer):
    peer.behave(jwt=HS256_PEER)
    with mxgate(peer) as d:
        r = d.post(LOGIN, password_body(user("alice"), device_id="PHONE1",
                                        initial_device_display_name="Alice's phone",
                                        refresh_token=True))
        check("localpart: 200", r.status == 200, r)
        check("localpart: the homeserver's session relayed",
              (r.json or {}).get("user_id") == "@alice:example.org" and
              (r.json or {}).get("access_token", "").startswith("syt_") and
              (r.json or {}).get("device_id") == "PHONE1" and
              (r.json or {}).get("refresh_token", "").startswith("syr_"), r.json)
        sent = peer_logins(peer)[-1]
        claims = sent.get("jwt_claims") or {}
        check("the homeserver got org.matrix.login.jwt, not the password",
              sent.get("type") == "org.matrix.login.jwt" and "password" not in sent and
              "identifier" not in sent, sent)
        check("device_id, initial_device_display_name, refresh_token carried over",
              sent.get("device_id") == "PHONE1" and
              sent.get("initial_device_display_name") == "Alice's phone" and
              sent.get("refresh_token") is True, sent)
        now = time.time()
        check("claims: sub is the localpart, iss and aud as configured",
              claims.get("sub") == "alice" and claims.get("iss") == "mxgate-test" and
              claims.get("aud") == "hs-test", claims)
        check("claims: exp 60 s after iat, iat now",
              claims.get("exp", 0) - claims.get("iat", 0) == 60 and
              abs(claims.get("iat", 0) - now) < 30, claims)
        check("claims: the display name as name", claims.get("name") == "Alice Ängström",
              claims)
        check("X-Forwarded-For: the client's address",
              sent.get("x_forwarded_for") == "127.0.0.1", sent)
        tokens = set()
        for ident in (user("@alice:example.org"), user("Alice"),
                      {"type": "m.id.thirdparty", "medium": "email",
                       "address": "ALICE@example.org"},
                      {"type": "m.id.phone", "country": "GB", "phone": "07700 900123"},
                      {"type": "m.id.thirdparty", "medium": "msisdn",
                       "address": "447700900123"}):
            r = d.post("/_matrix/client/r0/login", password_body(ident))
            check("identifier %s: logged in as alice" % json.dumps(ident),
                  r.status == 200 and r.json.get("user_id") == "@alice:example.org", r)
            tokens.add(json.dumps(peer_logins(peer)[-1].get("token")))
        r = d.post(LOGIN, {"type": "m.login.password", "user": "bob", "password": PASSWORD})
        check("deprecated user field: 200 as bob",
              r.status == 200 and r.json.get("user_id") == "@bob:example.org", r)
        r = d.post(LOGIN, {"type": "m.login.password", "medium": "email",
                           "address": "alice@example.org", "password": PASSWORD})
        check("deprecated medium/address: 200 as alice",
              r.status == 200 and r.json.get("user_id") == "@alice:example.org", r)
        claims = [l.get("jwt_claims") for l in peer_logins(peer)[-3:]]
        check("every token unique (jti)", len({c.get("jti") for c in claims}) == 3, claims)
        peer.behave(login_retry_after_s=7)
        r = d.post(LOGIN, password_body(user("alice")))
        check("the homeserver's 429 relayed with its Retry-After",
              r.status == 429 and r.json.get("errcode") == "M_LIMIT_EXCEEDED" and
              r.headers.get("retry-after") == "7", r)
        peer.behave(login_retry_after_s=0)
        log = open(d.log_file, encoding="utf-8").read()
        check("neither password nor token in the log",
              PASSWORD not in log and SECRET not in log and "eyJ" not in log, log[-2000:])


@test
@with_homeserver_peer()
def refusals(peer):
    peer.behave(jwt=HS256_PEER)
    with mxgate(peer, fails=3) as d:
        before = len(peer_logins(peer))
        wrong = d.post(LOGIN, password_body(user("alice"), "not it"))
        unknown = d.post(LOGIN, password_body(user("nobody"), "not it"))
        other = d.post(LOGIN, password_body(user("@alice:elsewhere.org")))
        check("wrong password: 403 M_FORBIDDEN", wrong.status == 403 and
              wrong.json.get("errcode") == "M_FORBIDDEN", wrong)
        check("unknown user: the very same answer as a wrong password",
              (unknown.status, unknown.body) == (wrong.status, wrong.body), (unknown, wrong))
        check("a user of another server: the same answer",
              (other.status, other.body) == (wrong.status, wrong.body), other)
        check("nothing sent to the homeserver for a refusal",
              len(peer_logins(peer)) == before, peer_logins(peer)[before:])
        d.post(LOGIN, password_body(user("alice"), "still not"))
        d.post(LOGIN, password_body(user("alice"), "nor this"))
        r = d.post(LOGIN, password_body(user("alice")))
        retry = (r.json or {}).get("retry_after_ms")
        check("locked out: 429 M_LIMIT_EXCEEDED even with the right password",
              r.status == 429 and r.json.get("errcode") == "M_LIMIT_EXCEEDED", r)
        check("locked out: retry_after_ms and Retry-After agree",
              isinstance(retry, int) and retry > 0 and
              int(r.headers.get("retry-after", "0")) == (retry + 999) // 1000, r.headers)
        r = d.post(LOGIN, password_body({"type": "m.id.thirdparty", "medium": "email",
                                         "address": "alice@example.org"}, "x"))
        check("a different login name is counted apart", r.status == 403, r)


@test
@with_homeserver_peer()
def bad_bodies(peer):
    with mxgate(peer) as d:
        cases = [
            ("not JSON", b"{nope", 400, "M_NOT_JSON"),
            ("an array", [], 400, "M_BAD_JSON"),
            ("identifier not an object", password_body("alice"), 400, "M_BAD_JSON"),
            ("identifier without type", password_body({"user": "alice"}), 400,
             "M_MISSING_PARAM"),
            ("unknown identifier type", password_body({"type": "m.id.nope"}), 400,
             "M_UNKNOWN"),
            ("no identifier at all", {"type": "m.login.password", "password": "x"}, 400,
             "M_MISSING_PARAM"),
            ("user a number", password_body({"type": "m.id.user", "user": 7}), 400,
             "M_INVALID_PARAM"),
            ("no password", {"type": "m.login.password", "identifier": user("alice")}, 400,
             "M_MISSING_PARAM"),
            ("password a number", password_body(user("alice"), 12345), 400,
             "M_INVALID_PARAM"),
            # jansson refuses \u0000 in strings when it parses the body
            ("password with NUL", password_body(user("alice"), PASSWORD + "\u0000x"), 400,
             "M_NOT_JSON"),
            ("unknown medium", password_body({"type": "m.id.thirdparty", "medium": "fax",
                                              "address": "1"}), 400, "M_INVALID_PARAM"),
            ("bad e-mail", password_body({"type": "m.id.thirdparty", "medium": "email",
                                          "address": "no-at-sign"}), 400, "M_INVALID_PARAM"),
            ("bad phone", password_body({"type": "m.id.phone", "country": "GB",
                                         "phone": "call me"}), 400, "M_INVALID_PARAM"),
            ("unknown country", password_body({"type": "m.id.phone", "country": "XX",
                                               "phone": "07700900123"}), 400,
             "M_INVALID_PARAM"),
        ]
        for name, body, status, errcode in cases:
            if isinstance(body, bytes):
                r = d.request("POST", LOGIN, body,
                              headers={"Content-Type": "application/json"})
            else:
                r = d.post(LOGIN, body)
            check("%s: %d %s" % (name, status, errcode),
                  r.status == status and (r.json or {}).get("errcode") == errcode, r)
        out = d.send_raw(b"POST " + LOGIN.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Type: application/json\r\n"
                         b"Content-Length: 2097152\r\n\r\n")
        check("a 2 MiB body: 413", b" 413 " in out.split(b"\r\n")[0], out[:200])
        check("still serving", d.get(LOGIN).status == 200)


@test
@with_homeserver_peer()
def other_login_types(peer):
    peer.behave(jwt=HS256_PEER)
    with mxgate(peer) as d:
        r = d.post(LOGIN, {"type": "m.login.token", "token": "abc"})
        check("m.login.token: the homeserver's answer", r.status == 403 and
              r.json.get("error") == "Invalid login token", r)
        r = d.post(LOGIN, {"type": "org.matrix.login.jwt", "token": "a.b.c"})
        check("a client's own JWT: the homeserver's answer", r.status == 403 and
              "JWT validation failed" in r.json.get("error", ""), r)
        r = d.post(LOGIN, {"type": "m.login.nope"})
        check("unknown type: the homeserver's 400", r.status == 400 and
              r.json.get("error") == "Bad login type.", r)
        sent = peer_logins(peer)[-3:]
        check("forwarded unchanged", [s.get("type") for s in sent] ==
              ["m.login.token", "org.matrix.login.jwt", "m.login.nope"], sent)


@test
@with_homeserver_peer()
def homeserver_trouble(peer):
    port = free_port()
    with mxgate(peer, hs="http://127.0.0.1:%d" % port) as d:
        r = d.post(LOGIN, password_body(user("alice")))
        check("homeserver down: 502 M_UNKNOWN", r.status == 502 and
              r.json.get("errcode") == "M_UNKNOWN", r)
        r = d.get(LOGIN)
        check("homeserver down, flows: 502", r.status == 502, r)
    peer.behave(jwt=HS256_PEER, login_delay_ms=5000)
    with mxgate(peer) as d:
        t0 = time.monotonic()
        r = d.post(LOGIN, password_body(user("alice")))
        took = time.monotonic() - t0
        check("homeserver slow: 504 M_UNKNOWN", r.status == 504 and
              r.json.get("errcode") == "M_UNKNOWN", r)
        check("homeserver slow: answered at homeserver.timeout (2 s), took %.1f s" % took,
              1.5 < took < 4.5, took)
    peer.behave(login_delay_ms=0, jwt=dict(HS256_PEER, secret="another secret"))
    with mxgate(peer) as d:
        r = d.post(LOGIN, password_body(user("alice")))
        check("jwt_config mismatch: the homeserver's 403 relayed", r.status == 403 and
              "bad signature" in r.json.get("error", ""), r)
        log = open(d.log_file, encoding="utf-8").read()
        check("jwt_config mismatch: a warning names the cause",
              "compare its jwt_config with login.jwt" in log, log[-1500:])
    rest_down = """
  - name: iam
    module: rest
    priority: 200
    url: "http://127.0.0.1:%d"
    timeout: 2s
""" % free_port()
    with mxgate(peer, extra=rest_down) as d:
        r = d.post(LOGIN, password_body(user("carol"), "whatever"))
        check("a store down for an unknown user: 503, not a wrong password",
              r.status == 503 and r.json.get("errcode") == "M_UNKNOWN", r)


@test
@with_homeserver_peer()
def rs256(peer):
    d0 = tmp_dir("rs256")
    key, pub = os.path.join(d0, "jwt.key"), os.path.join(d0, "jwt.pub")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", key], check=True, capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-out", pub], check=True,
                   capture_output=True)
    peer.behave(jwt={"alg": "RS256", "public_key": open(pub).read()})
    jwt = "    algorithm: RS256\n    key_file: \"%s\"\n    subject: localpart" % key
    with mxgate(peer, jwt=jwt) as d:
        r = d.post(LOGIN, password_body(user("bob")))
        check("RS256: 200 as bob", r.status == 200 and
              r.json.get("user_id") == "@bob:example.org", r)
        claims = peer_logins(peer)[-1].get("jwt_claims") or {}
        check("RS256: no iss or aud when not configured",
              "iss" not in claims and "aud" not in claims, claims)
    bad = os.path.join(d0, "bad.key")
    with open(bad, "w") as f:
        f.write("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    d = mxgate(peer, jwt="    algorithm: RS256\n    key_file: \"%s\"" % bad, start=False)
    proc = serve_once(d)
    check("RS256 with a key that is not one: serve refuses to start",
          proc.returncode != 0 and "not an RSA private key" in proc.said, proc.said)


@test
@with_homeserver_peer()
def config_errors(peer):
    d = mxgate(peer, jwt="    algorithm: HS256", start=False)
    r = run_cli("config", "check", "-c", d.config_path)
    check("jwt without a secret: config check fails and says why",
          r.returncode != 0 and "needs jwt.secret" in r.stdout + r.stderr, r.stderr)
    text = CONFIG.replace('  base_url: "@HS@"\n', "")
    d = Daemon(text, subst={"MODE": "jwt", "JWT": HS256, "FAILS": "5", "EXTRA": ""},
               start=False, migrate=False)
    proc = serve_once(d)
    check("interception without homeserver.base_url: serve refuses to start",
          proc.returncode != 0 and "needs homeserver.base_url" in proc.said, proc.said)


@test
@with_homeserver_peer()
def passthrough(peer):
    peer.behave(users={"alice": PASSWORD})
    with mxgate(peer, mode="passthrough", jwt="    algorithm: HS256") as d:
        r = d.post(LOGIN, password_body({"type": "m.id.thirdparty", "medium": "email",
                                         "address": "Alice@EXAMPLE.org"}))
        sent = peer_logins(peer)[-1]
        check("passthrough e-mail: 200 as alice", r.status == 200 and
              r.json.get("user_id") == "@alice:example.org", r)
        check("passthrough: the identifier rewritten, the password passed on",
              sent.get("identifier") == {"type": "m.id.user", "user": "alice"} and
              sent.get("password") == {"length": len(PASSWORD)}, sent)
        r = d.post(LOGIN, password_body({"type": "m.id.phone", "country": "GB",
                                         "phone": "07700 900123"}, "wrong"))
        check("passthrough phone, wrong password: the homeserver's 403", r.status == 403 and
              r.json.get("error") == "Invalid username or password", r)
        r = d.post(LOGIN, password_body({"type": "m.id.thirdparty", "medium": "email",
                                         "address": "nobody@example.org"}))
        sent = peer_logins(peer)[-1]
        check("passthrough unknown 3PID: sent as it is, the homeserver refuses",
              r.status == 403 and sent.get("identifier", {}).get("type") == "m.id.thirdparty",
              (r, sent))
        r = d.post(LOGIN, {"type": "m.login.password", "user": "alice",
                           "password": PASSWORD})
        check("passthrough user: forwarded, 200", r.status == 200, r)
    with mxgate(peer, mode="off", jwt="    algorithm: HS256") as d:
        r = d.post(LOGIN, password_body(user("alice")))
        sent = peer_logins(peer)[-1]
        check("interception off: the homeserver checks the password", r.status == 200 and
              sent.get("type") == "m.login.password", (r, sent))
        r = d.post(LOGIN, password_body({"type": "m.id.thirdparty", "medium": "email",
                                         "address": "alice@example.org"}))
        check("interception off: a 3PID is not rewritten", r.status == 403, r)


@test
def shared_secret():
    text = CONFIG.replace("@JWT@", "    algorithm: HS256").replace("  interception: @MODE@\n",
                        "  interception: off\n  shared_secret_file: \"@SECRET_FILE@\"\n")
    d0 = tmp_dir("secret")
    path = os.path.join(d0, "secret")
    with open(path, "w") as f:
        f.write("s3cr3t-between-homeserver-and-mxgate\n")
    with Daemon(text, subst={"HS": "http://127.0.0.1:1", "FAILS": "5", "EXTRA": "",
                             "SECRET_FILE": path}) as d:
        port = d.ports["PORT2"]
        body = {"user": {"id": "alice", "password": PASSWORD}}
        r = d.post(INTERNAL, body, port=port)
        check("no secret: 401 M_MISSING_TOKEN", r.status == 401 and
              r.json.get("errcode") == "M_MISSING_TOKEN", r)
        r = d.post(INTERNAL, body, port=port, headers={"Authorization": "Bearer nope"})
        check("wrong secret: 401 M_UNKNOWN_TOKEN", r.status == 401 and
              r.json.get("errcode") == "M_UNKNOWN_TOKEN", r)
        r = d.post(INTERNAL, body, port=port, headers={
            "Authorization": "Bearer s3cr3t-between-homeserver-and-mxgate"})
        check("right secret (from shared_secret_file): the check runs", r.status == 200 and
              r.json["auth"]["success"] is True, r)
        log = open(d.log_file, encoding="utf-8").read()
        check("the secret is not logged", "s3cr3t-between" not in log, log[-1500:])


if __name__ == "__main__":
    main()
