"""test_accounts.py: identity-server accounts and terms end to end: register
with an OpenID token checked at a fake homeserver (tests/peers/homeserver.mjs),
the token on GET /account (Bearer and access_token query), logout, expiry,
the homeserver allow-list, a homeserver that lies, hangs or is down, the
terms gate, and lookup.require_auth."""

import time

from harness import (Daemon, HomeserverPeer, check, main, pg_conninfo, register_account,
                     skip, test)

V2 = "/_matrix/identity/v2"

CONFIG = """
server_name: hs.test
data_dir: "@DATA_DIR@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [identity, health]
database:
  driver: sqlite
# Registration is rate limited by default; here every case registers.
rate_limits:
  register: {per_second: 0}
identity:
  homeservers:
    - {server_name: hs.test, base_url: "@HS_URL@"}
    - {server_name: other.test, base_url: "@HS_URL@"}
    - {server_name: down.test, base_url: "http://127.0.0.1:@PORT2@"}
  allowed_homeservers: [@ALLOWED@]
  token_lifetime: @LIFETIME@
  userinfo_timeout: 700ms
@EXTRA@
"""

TERMS = """
  terms:
    - id: privacy_policy
      version: "1.0"
      languages:
        - {lang: en, name: Privacy Policy, url: "https://hs.test/privacy-1.0-en.html"}
        - {lang: fr, name: Politique de confidentialite, url: "https://hs.test/privacy-1.0-fr.html"}
    - id: terms_of_service
      version: "2.0"
      languages:
        - {lang: en, name: Terms of Service, url: "https://hs.test/tos-2.0-en.html"}
"""


def peer_or_skip(name):
    if HomeserverPeer.node() is None:
        skip(name, "node is not installed")
        return None
    return HomeserverPeer("hs.test")


def daemon(peer, allowed="hs.test, other.test, down.test", lifetime="30d", extra=""):
    return Daemon(CONFIG, subst={"HS_URL": peer.base_url, "ALLOWED": allowed,
                                 "LIFETIME": lifetime, "EXTRA": extra})


def bearer(token):
    return {"Authorization": "Bearer " + token}


@test
def register_happy_path():
    peer = peer_or_skip("register")
    if peer is None:
        return
    with peer, daemon(peer) as d:
        r = d.post(V2 + "/account/register", peer.openid_token("@alice:hs.test"))
        check("register 200", r.status == 200, r)
        token = (r.json or {}).get("token", "")
        check("register: token of 32+ characters", len(token) >= 32, r.json)
        check("register: access_token equals token", (r.json or {}).get("access_token") == token,
              r.json)
        r = d.get(V2 + "/account", headers=bearer(token))
        check("GET /account with Bearer -> user_id", r.status == 200 and
              r.json == {"user_id": "@alice:hs.test"}, r)
        r = d.get(V2 + "/account?access_token=" + token)
        check("GET /account with access_token query", r.status == 200 and
              (r.json or {}).get("user_id") == "@alice:hs.test", r)
        r = d.get(V2 + "/account")
        check("GET /account without token -> 401 M_UNAUTHORIZED",
              r.status == 401 and (r.json or {}).get("errcode") == "M_UNAUTHORIZED", r)
        r = d.get(V2 + "/account", headers=bearer("x" * 48))
        check("GET /account with a wrong token -> 401 M_UNAUTHORIZED",
              r.status == 401 and (r.json or {}).get("errcode") == "M_UNAUTHORIZED", r)
        token2 = register_account(d, peer, "@alice:hs.test")
        check("a second register gives another token", token2 != token, token2)
        check("the token is not in the log", token not in d.log_text(), "token logged")
        # logout
        r = d.post(V2 + "/account/logout", headers=bearer(token))
        check("logout 200 {}", r.status == 200 and r.json == {}, r)
        r = d.get(V2 + "/account", headers=bearer(token))
        check("the logged-out token is refused", r.status == 401, r)
        r = d.post(V2 + "/account/logout", headers=bearer(token))
        check("logout of an unknown token -> 401 M_UNKNOWN_TOKEN",
              r.status == 401 and (r.json or {}).get("errcode") == "M_UNKNOWN_TOKEN", r)
        r = d.post(V2 + "/account/logout")
        check("logout without a token -> 401", r.status == 401, r)
        r = d.get(V2 + "/account", headers=bearer(token2))
        check("the other token still works", r.status == 200, r)
        r = d.get(V2 + "/account/logout")
        check("GET logout is not a route (405)", r.status == 405, r)


@test
def register_refusals():
    peer = peer_or_skip("register refusals")
    if peer is None:
        return
    with peer, daemon(peer, allowed="hs.test, down.test") as d:
        tok = peer.openid_token("@bob:hs.test")
        r = d.post(V2 + "/account/register", dict(tok, matrix_server_name="other.test"))
        check("homeserver not allowed -> 403 M_UNAUTHORIZED",
              r.status == 403 and (r.json or {}).get("errcode") == "M_UNAUTHORIZED", r)
        r = d.post(V2 + "/account/register", dict(tok, access_token="not-issued"))
        check("unknown OpenID token -> 401 M_UNKNOWN_TOKEN",
              r.status == 401 and (r.json or {}).get("errcode") == "M_UNKNOWN_TOKEN", r)
        r = d.post(V2 + "/account/register", peer.openid_token("@eve:elsewhere.test"))
        check("sub of another domain -> 500 M_UNKNOWN",
              r.status == 500 and (r.json or {}).get("errcode") == "M_UNKNOWN", r)
        r = d.post(V2 + "/account/register", dict(tok, matrix_server_name="HS.TEST"))
        check("server name is compared lower-cased", r.status == 200, r)
        for name, body, errcode in (
                ("not JSON", b"{nope", "M_NOT_JSON"),
                ("a list", [], "M_BAD_JSON"),
                ("no access_token", {"matrix_server_name": "hs.test"}, "M_MISSING_PARAMS"),
                ("no server name", {"access_token": "x"}, "M_MISSING_PARAMS"),
                ("token not a string", {"access_token": 5, "matrix_server_name": "hs.test"},
                 "M_INVALID_PARAM"),
                ("bad server name", {"access_token": "x", "matrix_server_name": "evil/x"},
                 "M_INVALID_PARAM"),
                ("server name with a path", {"access_token": "x",
                                             "matrix_server_name": "hs.test/../x"},
                 "M_INVALID_PARAM")):
            r = d.post(V2 + "/account/register", body)
            check("malformed register (%s) -> 400 %s" % (name, errcode),
                  r.status == 400 and (r.json or {}).get("errcode") == errcode, r)
        # the homeserver is down: refused at once
        t0 = time.monotonic()
        r = d.post(V2 + "/account/register", dict(tok, matrix_server_name="down.test"))
        check("homeserver down -> 500 M_UNKNOWN",
              r.status == 500 and (r.json or {}).get("errcode") == "M_UNKNOWN", r)
        check("homeserver down answers quickly", time.monotonic() - t0 < 5, time.monotonic() - t0)
        # the homeserver hangs: bounded by userinfo_timeout (700ms)
        peer.behave(userinfo_delay_ms=5000)
        t0 = time.monotonic()
        r = d.post(V2 + "/account/register", peer.openid_token("@bob:hs.test"))
        spent = time.monotonic() - t0
        check("homeserver timeout -> 500 M_UNKNOWN",
              r.status == 500 and (r.json or {}).get("errcode") == "M_UNKNOWN", r)
        check("homeserver timeout bounded (< 3 s)", spent < 3, spent)
        peer.behave(userinfo_delay_ms=0, userinfo_padding=6000)
        r = d.post(V2 + "/account/register", peer.openid_token("@bob:hs.test"))
        check("userinfo answer above 5 KiB -> 500 M_UNKNOWN", r.status == 500, r)
        peer.behave(userinfo_padding=0, userinfo_status=502)
        r = d.post(V2 + "/account/register", peer.openid_token("@bob:hs.test"))
        check("userinfo 502 -> 500 M_UNKNOWN", r.status == 500, r)
        check("daemon still healthy", d.get("/health").status == 200, "")


@test
def default_allow_list():
    peer = peer_or_skip("default allow-list")
    if peer is None:
        return
    cfg = CONFIG.replace("  allowed_homeservers: [@ALLOWED@]\n", "")
    with peer:
        default_allow_list_with(peer, cfg)


def default_allow_list_with(peer, cfg):
    with Daemon(cfg, subst={"HS_URL": peer.base_url, "LIFETIME": "30d", "EXTRA": ""}) as d:
        tok = peer.openid_token("@carol:hs.test")
        r = d.post(V2 + "/account/register", tok)
        check("default allow-list: our server_name registers", r.status == 200, r)
        r = d.post(V2 + "/account/register", dict(tok, matrix_server_name="other.test"))
        check("default allow-list: another server -> 403", r.status == 403, r)
    with daemon(peer, allowed='"*"') as d:
        r = d.post(V2 + "/account/register",
                   dict(peer.openid_token("@dave:hs.test"), matrix_server_name="hs.test"))
        check("allow-list * registers", r.status == 200, r)


@test
def token_expiry():
    peer = peer_or_skip("token expiry")
    if peer is None:
        return
    with peer, daemon(peer, lifetime="1s") as d:
        token = register_account(d, peer, "@erin:hs.test")
        r = d.get(V2 + "/account", headers=bearer(token))
        check("fresh token works", r.status == 200, r)
        from harness import wait_for
        expired = wait_for(lambda: d.get(V2 + "/account", headers=bearer(token)).status == 401,
                           timeout=5, interval=0.1)
        check("token refused after token_lifetime (401)", expired, "still accepted")


@test
def terms():
    peer = peer_or_skip("terms")
    if peer is None:
        return
    with peer:
        terms_with(peer)


def terms_with(peer):
    with daemon(peer, extra=TERMS) as d:
        r = d.get(V2 + "/terms")
        check("GET /terms 200", r.status == 200, r)
        pol = (r.json or {}).get("policies", {})
        check("GET /terms shape", pol.get("privacy_policy") == {
            "version": "1.0",
            "en": {"name": "Privacy Policy", "url": "https://hs.test/privacy-1.0-en.html"},
            "fr": {"name": "Politique de confidentialite",
                   "url": "https://hs.test/privacy-1.0-fr.html"}} and
              pol.get("terms_of_service", {}).get("version") == "2.0", r.json)
        token = register_account(d, peer, "@frank:hs.test")
        r = d.get(V2 + "/account", headers=bearer(token))
        check("terms not accepted -> 403 M_TERMS_NOT_SIGNED",
              r.status == 403 and (r.json or {}).get("errcode") == "M_TERMS_NOT_SIGNED", r)
        r = d.post(V2 + "/terms", {"user_accepts": ["https://hs.test/unknown"]},
                   headers=bearer(token))
        check("unknown URL -> 400 M_INVALID_PARAM",
              r.status == 400 and (r.json or {}).get("errcode") == "M_INVALID_PARAM", r)
        r = d.post(V2 + "/terms", {"user_accepts": "https://hs.test/tos-2.0-en.html"},
                   headers=bearer(token))
        check("user_accepts not a list -> 400", r.status == 400, r)
        r = d.post(V2 + "/terms", {}, headers=bearer(token))
        check("no user_accepts -> 400 M_MISSING_PARAMS",
              r.status == 400 and (r.json or {}).get("errcode") == "M_MISSING_PARAMS", r)
        r = d.post(V2 + "/terms", {"user_accepts": ["https://hs.test/tos-2.0-en.html"]})
        check("POST /terms without a token -> 401", r.status == 401, r)
        r = d.post(V2 + "/terms", {"user_accepts": ["https://hs.test/tos-2.0-en.html"]},
                   headers=bearer(token))
        check("POST /terms is exempt from the gate (200 {})", r.status == 200 and r.json == {}, r)
        r = d.get(V2 + "/account", headers=bearer(token))
        check("one policy of two: still 403", r.status == 403, r)
        r = d.post(V2 + "/terms", {"user_accepts": ["https://hs.test/privacy-1.0-fr.html"]},
                   headers=bearer(token))
        check("accept the other policy in another language", r.status == 200, r)
        r = d.get(V2 + "/account", headers=bearer(token))
        check("all accepted: GET /account 200", r.status == 200, r)
        token2 = register_account(d, peer, "@gina:hs.test")
        r = d.post(V2 + "/account/logout", headers=bearer(token2))
        check("logout is exempt from the gate", r.status == 200, r)
    # a new version of a policy: everyone accepts again
    with daemon(peer, extra=TERMS.replace('"2.0"', '"3.0"')) as d:
        token = register_account(d, peer, "@frank:hs.test")
        r = d.get(V2 + "/terms")
        check("version change shows", r.json["policies"]["terms_of_service"]["version"] == "3.0",
              r.json)
    with daemon(peer) as d:
        token = register_account(d, peer, "@hank:hs.test")
        r = d.get(V2 + "/terms")
        check("no policies: GET /terms {policies: {}}", r.json == {"policies": {}}, r)
        r = d.get(V2 + "/account", headers=bearer(token))
        check("no policies: nothing to accept", r.status == 200, r)


@test
def lookup_require_auth():
    peer = peer_or_skip("lookup require_auth")
    if peer is None:
        return
    with peer:
        lookup_require_auth_with(peer)


def lookup_require_auth_with(peer):
    with daemon(peer, extra=TERMS + "lookup: {require_auth: true}\n") as d:
        r = d.get(V2 + "/hash_details")
        check("require_auth: hash_details without token -> 401 M_UNAUTHORIZED",
              r.status == 401 and (r.json or {}).get("errcode") == "M_UNAUTHORIZED", r)
        r = d.post(V2 + "/lookup", {"algorithm": "sha256", "pepper": "x", "addresses": []})
        check("require_auth: lookup without token -> 401 M_UNAUTHORIZED",
              r.status == 401 and (r.json or {}).get("errcode") == "M_UNAUTHORIZED", r)
        token = register_account(d, peer, "@ivy:hs.test")
        r = d.get(V2 + "/hash_details", headers=bearer(token))
        check("require_auth: terms gate on hash_details (403)", r.status == 403, r)
        d.post(V2 + "/terms", {"user_accepts": ["https://hs.test/privacy-1.0-en.html",
                                                "https://hs.test/tos-2.0-en.html"]},
               headers=bearer(token))
        r = d.get(V2 + "/hash_details?access_token=" + token)
        check("require_auth: hash_details with access_token query (Synapse)",
              r.status == 200 and "lookup_pepper" in (r.json or {}), r)
        pepper = (r.json or {}).get("lookup_pepper", "")
        r = d.post(V2 + "/lookup", {"algorithm": "sha256", "pepper": pepper, "addresses": []},
                   headers=bearer(token))
        check("require_auth: lookup with token 200", r.status == 200 and
              r.json == {"mappings": {}}, r)
    with daemon(peer, extra="lookup: {require_auth: false}") as d:
        r = d.get(V2 + "/hash_details")
        check("require_auth false: hash_details open", r.status == 200, r)


@test
def accounts_on_postgresql():
    conninfo = pg_conninfo()
    if not conninfo:
        skip("accounts on PostgreSQL", "MXGATE_TEST_PGCONNINFO not set")
        return
    peer = peer_or_skip("accounts on PostgreSQL")
    if peer is None:
        return
    extra = TERMS + 'database: {driver: postgresql, conninfo: "%s"}\n' % conninfo
    cfg = CONFIG.replace("database:\n  driver: sqlite\n", "")
    with peer, Daemon(cfg, subst={"HS_URL": peer.base_url, "ALLOWED": "hs.test",
                                  "LIFETIME": "30d", "EXTRA": extra}) as d:
        user = "@pg%d:hs.test" % int(time.time() * 1000)
        token = register_account(d, peer, user)
        r = d.get(V2 + "/account", headers=bearer(token))
        check("PostgreSQL: terms gate", r.status == 403, r)
        urls = ["https://hs.test/privacy-1.0-en.html", "https://hs.test/tos-2.0-en.html"]
        r = d.post(V2 + "/terms", {"user_accepts": urls}, headers=bearer(token))
        check("PostgreSQL: accept terms", r.status == 200, r)
        r = d.post(V2 + "/terms", {"user_accepts": urls}, headers=bearer(token))
        check("PostgreSQL: accepting again is harmless", r.status == 200, r)
        r = d.get(V2 + "/account", headers=bearer(token))
        check("PostgreSQL: GET /account", r.status == 200 and (r.json or {}).get("user_id") == user,
              r)
        token2 = register_account(d, peer, user)
        check("PostgreSQL: second register of the same user", token2 != token, token2)
        r = d.post(V2 + "/account/logout", headers=bearer(token))
        check("PostgreSQL: logout", r.status == 200, r)
        r = d.get(V2 + "/account", headers=bearer(token))
        check("PostgreSQL: logged-out token refused", r.status == 401, r)


@test
def register_rate_limited():
    peer = HomeserverPeer("hs.test")
    cfg = CONFIG.replace("  register: {per_second: 0}", "  register: {per_second: 0.01, burst: 2}")
    with peer, Daemon(cfg, subst={"HS_URL": peer.base_url, "ALLOWED": "hs.test",
                                  "LIFETIME": "30d", "EXTRA": ""}) as d:
        codes = [d.post(V2 + "/account/register", peer.openid_token("@u%d:hs.test" % i)).status
                 for i in range(3)]
        check("register: the burst passes, then 429", codes == [200, 200, 429], codes)
        r = d.post(V2 + "/account/register", peer.openid_token("@u9:hs.test"))
        check("register beyond the limit: M_LIMIT_EXCEEDED with retry_after_ms",
              (r.json or {}).get("errcode") == "M_LIMIT_EXCEEDED" and
              isinstance(r.json.get("retry_after_ms"), int), r)


if __name__ == "__main__":
    main()
