"""test_oauth_browser.py: the authorization code flow with PKCE through
mxgate's HTML pages, with real peers: openid-client (npm) as the
application, headless Chromium through playwright-core as the user's
browser (tests/js/oauth-browser.mjs), a static-store user; then every
security rule of the flow refused over plain HTTP: redirect URIs, PKCE,
code and refresh replay, expired codes, CSRF, prompt=none, response modes."""

import base64
import hashlib
import http.cookies
import os
import re
import sqlite3
import urllib.parse
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # Debian 12's Python still has it; the hashes come from libxcrypt

from harness import Daemon, HomeserverPeer, check, main, run_js_client, skip, test

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JS = os.path.join(ROOT, "tests", "js")
PASSWORD = "browser password 1"
HASH = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_SHA512))
CHROMIUM = "/usr/bin/chromium"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

CONFIG = """
server_name: example.org
data_dir: "@DATA_DIR@"
log:
  file: "@LOG_FILE@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [oauth, health]
database:
  driver: sqlite
login:
  lockout: {account_failures: 20, ip_failures: 0}
stores:
  - name: people
    module: static
    users:
      - localpart: alice
        display_name: Alice Liddell
        password_hash: "%s"
        threepids: [{medium: email, address: alice@example.org}]
oauth:
  issuer: "http://127.0.0.1:@PORT@/"
  templates_dir: "%s"
  clients:
    - client_id: webapp
      client_secret: "webapp secret"
      client_name: "Web <App> & Co"
      redirect_uris: ["http://127.0.0.1/cb", "https://app.example.org/cb"]
    - client_id: native
      token_endpoint_auth_method: none
      redirect_uris: ["http://127.0.0.1/cb", "org.example.app:/cb"]
    - client_id: tv
      token_endpoint_auth_method: none
      grant_types: [urn:ietf:params:oauth:grant-type:device_code, refresh_token]
    - client_id: rs
      client_secret: "rs secret"
      grant_types: [client_credentials]
      introspection: true
""" % (HASH, os.path.join(ROOT, "etc", "templates"))


@test
def browser_code_flow_with_openid_client():
    if HomeserverPeer.node() is None:
        skip("browser flow", "node is not installed")
        return
    if not os.path.isdir(os.path.join(JS, "node_modules", "playwright-core")):
        check("playwright-core installed (bash tests/lib/npm.sh)", False, JS)
        return
    if not os.access(CHROMIUM, os.X_OK):
        check("chromium installed (tests/lib/deps.sh test)", False, CHROMIUM)
        return
    with Daemon(CONFIG) as d:
        out, steps, detail = run_js_client("oauth-browser.mjs", {
            "ISSUER": "http://127.0.0.1:%d/" % d.port, "CLIENT_ID": "webapp",
            "CLIENT_SECRET": "webapp secret", "USER": "alice", "PASSWORD": PASSWORD,
            "RS_ID": "rs", "RS_SECRET": "rs secret", "CHROMIUM": CHROMIUM}, timeout=180)
        log = d.log_text()
    check("the browser run ended cleanly (exit 0)", out.returncode == 0, detail)
    s = steps.get("login_page", {})
    check("the login page: 200, a form, no script at all",
          s.get("status") == 200 and s.get("has_form") is True and s.get("scripts") == 0, detail)
    check("CSP forbids scripts and framing; X-Frame-Options DENY",
          "default-src 'none'" in (s.get("csp") or "") and
          "frame-ancestors 'none'" in (s.get("csp") or "") and s.get("xfo") == "DENY", detail)
    check("the client's name is shown as text, markup escaped",
          "Web <App> & Co" in (s.get("client_text") or ""), detail)
    s = steps.get("wrong_password", {})
    check("a wrong password: 401, the login page again with an error",
          s.get("status") == 401 and s.get("still_login") is True and
          "wrong" in (s.get("error") or ""), detail)
    s = steps.get("consent_page", {})
    check("consent page lists the scopes in plain words, the device by its ID",
          s.get("has_allow") is True and len(s.get("scopes", [])) == 5 and
          any("BROWSERDEV1" in x for x in s.get("scopes", [])), detail)
    s = steps.get("callback", {})
    check("allowed: back at the redirect URI (loopback, any port) with code, state and iss",
          s.get("has_code") is True and s.get("state_ok") is True and
          s.get("iss") == "http://127.0.0.1:%d/" % d.port, detail)
    s = steps.get("tokens", {})
    check("tokens: Bearer, refresh token, 300 s; ID token RS256 verified against the JWKS",
          s.get("token_type", "").lower() == "bearer" and s.get("has_refresh") is True and
          s.get("expires_in") == 300 and s.get("alg") == "RS256" and
          s.get("kid_in_jwks") is True, detail)
    check("ID token claims: sub alice, nonce, at_hash, auth_time",
          s.get("sub") == "alice" and s.get("verified_sub") == "alice" and
          s.get("nonce_ok") is True and s.get("has_at_hash") is True and
          s.get("auth_time") is True, detail)
    s = steps.get("userinfo", {})
    check("userinfo: sub, preferred_username, name and verified e-mail from the store",
          s.get("sub") == "alice" and s.get("preferred_username") == "alice" and
          s.get("name") == "Alice Liddell" and s.get("email") == "alice@example.org" and
          s.get("email_verified") is True, detail)
    s = steps.get("introspect", {})
    check("introspection: active, username alice, device scope in both forms",
          s.get("active") is True and s.get("username") == "alice" and
          "urn:matrix:client:device:BROWSERDEV1" in (s.get("scope") or "") and
          "urn:matrix:org.matrix.msc2967.client:device:BROWSERDEV1" in (s.get("scope") or ""),
          detail)
    s = steps.get("refresh", {})
    check("refresh rotates both tokens, with a new ID token",
          s.get("rotated") is True and s.get("new_access") is True and
          s.get("id_token") is True, detail)
    check("the old refresh token again, the new pair unused: accepted (lost answer)",
          s.get("retry_ok") is True, detail)
    s = steps.get("refresh_replay", {})
    check("a replayed refresh token after the new pair was used: invalid_grant, and the "
          "whole session ended (its current tokens too)",
          s.get("ok") is False and s.get("error") == "invalid_grant" and
          s.get("session_active") is False and s.get("current_refresh_ok") is False, detail)
    s = steps.get("second_authorization", {})
    check("a second authorization: no page (logged in, consent remembered)",
          s.get("no_pages") is True and s.get("sub") == "alice", detail)
    check("revoking the refresh token ends the session",
          steps.get("revoked", {}).get("active") is False, detail)
    check("prompt=none with a login and consent: a code at once",
          steps.get("prompt_none", {}).get("code") is True, detail)
    check("prompt=none without a login: error=login_required",
          steps.get("prompt_none_anonymous", {}).get("error") == "login_required", detail)
    s = steps.get("logout", {})
    check("RP-initiated logout (openid-client's end session URL): a confirmation page, then "
          "back with the state; the session over; the next authorization asks to log in",
          s.get("confirm_page") is True and s.get("state") == "bye-state" and
          s.get("session_active") is False and s.get("login_again") is True, detail)
    s = steps.get("csrf_missing", {})
    check("a login form without its CSRF token: 403 and an error page",
          s.get("status") == 403 and "expired" in (s.get("error") or ""), detail)
    s = steps.get("bad_redirect", {})
    check("an unregistered redirect URI: an error page at the provider, never a redirect",
          s.get("status") == 400 and s.get("url_is_ours") is True and
          "not registered" in (s.get("error") or ""), detail)
    check("no password, token or code in the log",
          PASSWORD not in log and "mxat_" not in log and "mxrt_" not in log and
          "mxac_" not in log, log[-2000:])


# --- the rules, over plain HTTP ---------------------------------------------------------

class Browser:
    """Cookies and the CSRF token of one user agent, against one daemon."""

    def __init__(self, d):
        self.d = d
        self.cookies = {}

    def _headers(self, extra=None):
        h = dict(extra or {})
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        return h

    def _keep(self, r):
        for line in [v for k, v in r.raw_headers if k.lower() == "set-cookie"]:
            c = http.cookies.SimpleCookie()
            c.load(line)
            for name, morsel in c.items():
                if morsel.value == "" or morsel.get("max-age") == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return r

    def get(self, path):
        return self._keep(self.d.request("GET", path, headers=self._headers()))

    def post(self, path, fields):
        body = urllib.parse.urlencode(fields)
        return self._keep(self.d.request("POST", path, body, headers=self._headers(FORM)))


def pkce():
    verifier = base64.urlsafe_b64encode(os.urandom(40)).decode().rstrip("=")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


def authz(client_id="webapp", redirect_uri="http://127.0.0.1:9/cb", **extra):
    verifier, challenge = pkce()
    q = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code",
         "scope": "openid urn:matrix:client:api:*", "state": "st-1", "nonce": "n-1",
         "code_challenge": challenge, "code_challenge_method": "S256"}
    q.update(extra)
    return {k: v for k, v in q.items() if v is not None}, verifier


def login_and_consent(b, q):
    page = b.get("/authorize?" + urllib.parse.urlencode(q))
    fields = dict(q, csrf=b.cookies.get("mxgate_csrf", ""), username="alice",
                  password=PASSWORD)
    r = b.post("/login", fields)
    if r.status == 200 and b"/consent" in r.body:
        r = b.post("/consent", dict(q, csrf=b.cookies["mxgate_csrf"], action="allow"))
    return page, r


def code_of(r):
    loc = r.headers.get("location", "")
    return urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query).get("code", [None])[0]


def exchange(d, code, verifier, redirect_uri="http://127.0.0.1:9/cb", client=("webapp",
                                                                           "webapp secret")):
    fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier is not None:
        fields["code_verifier"] = verifier
    h = dict(FORM)
    if client[1] is None:
        fields["client_id"] = client[0]
    else:
        h["Authorization"] = "Basic " + base64.b64encode(
            ("%s:%s" % (urllib.parse.quote(client[0]), urllib.parse.quote(client[1])))
            .encode()).decode()
    return d.post("/oauth2/token", urllib.parse.urlencode(fields), headers=h)


@test
def authorization_rules():
    with Daemon(CONFIG) as d:
        b = Browser(d)
        # A code, then the exchange rules one by one.
        q, verifier = authz()
        page, r = login_and_consent(b, q)
        code = code_of(r)
        check("a code comes back by 303 to the redirect URI", r.status == 303 and code, r)
        wrong_uri = exchange(d, code, verifier, redirect_uri="http://127.0.0.1:9/other")
        # The first exchange spent the code even though it failed: a
        # code is good for one attempt.
        check("a different redirect_uri at the token endpoint: invalid_grant",
              wrong_uri.status == 400 and wrong_uri.json.get("error") == "invalid_grant",
              wrong_uri)

        q, verifier = authz()
        code = code_of(b.get("/authorize?" + urllib.parse.urlencode(q)))
        none = exchange(d, code, None)
        check("no code_verifier for a code with a challenge: invalid_grant",
              none.status == 400 and none.json.get("error") == "invalid_grant", none)
        q, verifier = authz()
        code = code_of(b.get("/authorize?" + urllib.parse.urlencode(q)))
        bad = exchange(d, code, verifier[:-1] + ("A" if verifier[-1] != "A" else "B"))
        check("a wrong code_verifier: invalid_grant",
              bad.status == 400 and bad.json.get("error") == "invalid_grant", bad)

        q, verifier = authz()
        code = code_of(b.get("/authorize?" + urllib.parse.urlencode(q)))
        ok = exchange(d, code, verifier)
        again = exchange(d, code, verifier)
        intro = d.post("/oauth2/introspect", urllib.parse.urlencode(
            {"token": (ok.json or {}).get("access_token", "")}),
            headers=dict(FORM, Authorization="Basic " +
                         base64.b64encode(b"rs:rs%20secret").decode()))
        check("the right verifier: tokens", ok.status == 200 and "access_token" in ok.json, ok)
        check("the same code twice: invalid_grant, and the tokens it gave are revoked",
              again.status == 400 and again.json.get("error") == "invalid_grant" and
              intro.json == {"active": False}, (again, intro))

        q, verifier = authz()
        code = code_of(b.get("/authorize?" + urllib.parse.urlencode(q)))
        db = sqlite3.connect(os.path.join(d.data_dir, "mxgate.db"))
        db.execute("UPDATE oauth_grants SET expires_at = 1 WHERE exchanged_at IS NULL")
        db.commit()
        db.close()
        late = exchange(d, code, verifier)
        check("an expired code: invalid_grant",
              late.status == 400 and "expired" in late.json.get("error_description", ""), late)

        # The request itself.
        def redirect_error(r):
            loc = r.headers.get("location", "")
            qs = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
            return r.status, qs.get("error", [None])[0], qs.get("state", [None])[0], \
                loc.split("?")[0]

        q, _ = authz(code_challenge_method="plain")
        st, err, state, where = redirect_error(b.get("/authorize?" + urllib.parse.urlencode(q)))
        check("PKCE plain refused: invalid_request back to the client, with its state",
              st == 303 and err == "invalid_request" and state == "st-1" and
              where == "http://127.0.0.1:9/cb", (st, err, state, where))
        q, _ = authz(client_id="native", code_challenge=None, code_challenge_method=None)
        st, err, _, _ = redirect_error(b.get("/authorize?" + urllib.parse.urlencode(q)))
        check("a public client without PKCE: invalid_request", err == "invalid_request",
              (st, err))
        q, _ = authz(scope="openid launch:missiles")
        st, err, _, _ = redirect_error(b.get("/authorize?" + urllib.parse.urlencode(q)))
        check("an unknown scope: invalid_scope", err == "invalid_scope", (st, err))
        q, _ = authz(response_type="token")
        st, err, _, _ = redirect_error(b.get("/authorize?" + urllib.parse.urlencode(q)))
        check("response_type token: unsupported_response_type",
              err == "unsupported_response_type", (st, err))
        for uri, what in (("http://127.0.0.1:9/cb/../x", "a changed path"),
                          ("https://app.example.org/cb?x=1", "an added query"),
                          ("https://app.example.org:444/cb", "another port on https"),
                          ("http://localhost:9/cb", "localhost for a 127.0.0.1 registration")):
            q, _ = authz(redirect_uri=uri)
            r = b.get("/authorize?" + urllib.parse.urlencode(q))
            check("redirect URI with %s: error page, no redirect" % what,
                  r.status == 400 and "location" not in r.headers, r)
        q, _ = authz(client_id="nobody")
        r = b.get("/authorize?" + urllib.parse.urlencode(q))
        check("an unknown client: error page", r.status == 400 and "location" not in r.headers,
              r)
        q, _ = authz(client_id="native", redirect_uri="org.example.app:/cb")
        r = b.get("/authorize?" + urllib.parse.urlencode(q))
        check("a native app's private-use scheme redirect: logged in, consent asked",
              r.status == 200 and b"/consent" in r.body, r)

        # Response modes.
        q, _ = authz(response_mode="fragment")
        r = b.get("/authorize?" + urllib.parse.urlencode(q))
        check("response_mode=fragment: the code after '#'",
              r.status == 303 and "#code=" in r.headers.get("location", ""), r)
        q, _ = authz(response_mode="form_post")
        r = b.get("/authorize?" + urllib.parse.urlencode(q))
        check("response_mode=form_post: a page whose form posts code and state to the client, "
              "allowed by its CSP",
              r.status == 200 and b'action="http://127.0.0.1:9/cb"' in r.body and
              b'name="code"' in r.body and b'value="st-1"' in r.body and
              "form-action 'self' http://127.0.0.1:9" in r.headers.get(
                  "content-security-policy", ""), r)

        # Consent and login forms.
        q, _ = authz(prompt="consent")
        r = b.get("/authorize?" + urllib.parse.urlencode(q))
        check("prompt=consent shows the consent page again", b"/consent" in r.body, r)
        deny = b.post("/consent", dict(q, csrf=b.cookies["mxgate_csrf"], action="deny"))
        st, err, _, _ = redirect_error(deny)
        check("deny: access_denied to the client", err == "access_denied", deny)
        no_csrf = b.post("/consent", dict(q, action="allow"))
        check("consent without its CSRF token: 403", no_csrf.status == 403, no_csrf)
        q, _ = authz(prompt="none login")
        st, err, _, _ = redirect_error(b.get("/authorize?" + urllib.parse.urlencode(q)))
        check("prompt=none with another value: invalid_request", err == "invalid_request",
              (st, err))
        fresh = Browser(d)
        q, _ = authz()
        fresh.get("/authorize?" + urllib.parse.urlencode(q))
        forged = fresh.post("/login", dict(q, csrf="A" * 32, username="alice",
                                           password=PASSWORD))
        check("a login with a CSRF token that is not the cookie's: 403", forged.status == 403,
              forged)
        cookies = [v for k, v in page.raw_headers if k.lower() == "set-cookie"]
        check("cookies are HttpOnly with SameSite",
              cookies and all("HttpOnly" in c and "SameSite=" in c for c in cookies), cookies)
        log = d.log_text()
    check("no password or code in the log", PASSWORD not in log and "mxac_" not in log,
          log[-1500:])


def tokens_for(d, b):
    q, verifier = authz()
    r = b.get("/authorize?" + urllib.parse.urlencode(q))
    if r.status == 200 and b"/consent" in r.body:
        r = b.post("/consent", dict(q, csrf=b.cookies["mxgate_csrf"], action="allow"))
    return exchange(d, code_of(r), verifier).json or {}


def active(d, token):
    r = d.post("/oauth2/introspect", urllib.parse.urlencode({"token": token}),
               headers=dict(FORM, Authorization="Basic " + base64.b64encode(
                   b"rs:rs%20secret").decode()))
    return (r.json or {}).get("active")


@test
def account_page_and_logout():
    with Daemon(CONFIG) as d:
        b = Browser(d)
        anon = b.get("/account")
        check("the account page asks for a login first",
              anon.status == 200 and b'name="password"' in anon.body and
              b'value="account"' in anon.body, anon)
        r = b.post("/login", {"csrf": b.cookies.get("mxgate_csrf", ""), "next": "account",
                              "username": "alice", "password": PASSWORD})
        check("after the login, to the account page",
              r.status == 303 and r.headers.get("location") == "/account", r)
        t1 = tokens_for(d, b)
        t2 = tokens_for(d, b)
        page = b.get("/account?action=org.matrix.device_view&device_id=X")
        check("the account page lists both sessions with the client's name escaped",
              page.status == 200 and page.body.count(b'name="session"') == 2 and
              b"Web &lt;App&gt; &amp; Co" in page.body and b"<App>" not in page.body, page)
        ids = re.findall(rb'name="session" value="([^"]+)"', page.body)
        ended = b.post("/account/sessions", {"csrf": b.cookies["mxgate_csrf"],
                                             "session": ids[0].decode()})
        check("signing out one session ends it, the other lives",
              ended.status == 200 and b'id="notice"' in ended.body and
              [active(d, t1["access_token"]), active(d, t2["access_token"])].count(True) == 1,
              ended)
        other = Browser(d)
        other.get("/login")
        other.post("/login", {"csrf": other.cookies.get("mxgate_csrf", ""), "username": "alice",
                              "password": PASSWORD})
        forged = other.post("/account/sessions", {"session": ids[1].decode()})
        check("ending a session without the CSRF token: 403", forged.status == 403, forged)

        # RP-initiated logout.
        t3 = tokens_for(d, b)
        hint = t3.get("id_token", "")
        q = {"id_token_hint": hint, "post_logout_redirect_uri": "https://app.example.org/cb",
             "state": "s1"}
        confirm = b.get("/oauth2/logout?" + urllib.parse.urlencode(q))
        check("logout asks for confirmation (a form with the CSRF token), allowed to go back "
              "to the client by its CSP",
              confirm.status == 200 and b'id="sign-out"' in confirm.body and
              "https://app.example.org" in confirm.headers.get("content-security-policy", ""),
              confirm)
        check("before confirming, nothing is ended", active(d, t3["access_token"]) is True)
        bad_hint = b.get("/oauth2/logout?id_token_hint=eyJhbGciOiJSUzI1NiJ9.e30.AAAA")
        check("an ID token hint not signed by us: 400", bad_hint.status == 400, bad_hint)
        bad_uri = b.get("/oauth2/logout?" + urllib.parse.urlencode(
            dict(q, post_logout_redirect_uri="https://evil.example/")))
        check("a post_logout_redirect_uri the client did not register: 400",
              bad_uri.status == 400, bad_uri)
        done = b.post("/oauth2/logout", {"csrf": b.cookies["mxgate_csrf"], "client_id": "webapp",
                                         "post_logout_redirect_uri": "https://app.example.org/cb",
                                         "state": "s1"})
        check("confirmed: back to the client with its state",
              done.status == 303 and done.headers.get("location") ==
              "https://app.example.org/cb?state=s1", done)
        check("the client's session from this browser is over", active(d, t3["access_token"])
              is False)
        again = b.get("/login")
        check("and the browser is signed out", b'name="password"' in again.body, again)
        # Sign out everywhere, from the other browser.
        everywhere = other.post("/account/sessions", {"csrf": other.cookies["mxgate_csrf"]})
        check("signing out everywhere ends every session and the login",
              everywhere.status == 200 and active(d, t2["access_token"]) is False and
              b'name="password"' in other.get("/login").body, everywhere)


def poll(d, device_code, client_id="tv"):
    return d.post("/oauth2/token", urllib.parse.urlencode({
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "device_code": device_code, "client_id": client_id}), headers=FORM)


@test
def device_authorization_grant():
    with Daemon(CONFIG) as d:
        start = d.post("/oauth2/device", urllib.parse.urlencode(
            {"client_id": "tv", "scope": "openid urn:matrix:client:api:*"}), headers=FORM)
        j = start.json or {}
        check("POST /oauth2/device: device_code, user_code XXXX-XXXX, verification URIs, "
              "expires_in 1200, interval 5",
              start.status == 200 and j.get("device_code", "").startswith("mxdc_") and
              re.fullmatch(r"[B-Z]{4}-[B-Z]{4}", j.get("user_code", "")) and
              j.get("verification_uri") == "http://127.0.0.1:%d/device" % d.port and
              j.get("verification_uri_complete", "").endswith("?user_code=" +
                                                              j.get("user_code", "")) and
              j.get("expires_in") == 1200 and j.get("interval") == 5, start)
        refused = d.post("/oauth2/device", urllib.parse.urlencode({"client_id": "webapp"}),
                         headers=dict(FORM, Authorization="Basic " + base64.b64encode(
                             b"webapp:webapp%20secret").decode()))
        check("a client without the device grant: unauthorized_client",
              refused.status == 400 and refused.json.get("error") == "unauthorized_client",
              refused)
        first = poll(d, j["device_code"])
        second = poll(d, j["device_code"])
        check("polling before the user decides: authorization_pending, then slow_down when "
              "faster than the interval",
              first.json.get("error") == "authorization_pending" and
              second.json.get("error") == "slow_down", (first, second))
        b = Browser(d)
        code = j["user_code"].lower().replace("-", "")
        page = b.get("/device?user_code=" + code)
        check("the device page asks an anonymous browser to sign in first",
              page.status == 200 and b'name="password"' in page.body and
              b'value="device"' in page.body, page)
        r = b.post("/login", {"csrf": b.cookies.get("mxgate_csrf", ""), "next": "device",
                              "user_code": code, "username": "alice", "password": PASSWORD})
        check("after the login, back to the device page with the code",
              r.status == 303 and r.headers.get("location") == "/device?user_code=" + code, r)
        confirm = b.get(r.headers.get("location", "/device"))
        check("the confirmation page shows the client, the scopes and the code (any case, "
              "dash or not)",
              confirm.status == 200 and j["user_code"].encode() in confirm.body and
              b"tv" in confirm.body and b'id="allow"' in confirm.body, confirm)
        unknown = b.get("/device?user_code=BBBB-BBBB")
        check("an unknown code: the code page again with an error",
              unknown.status == 404 and b'id="error"' in unknown.body, unknown)
        no_csrf = b.post("/device", {"user_code": code, "action": "allow"})
        check("the decision without its CSRF token: 403", no_csrf.status == 403, no_csrf)
        ok = b.post("/device", {"csrf": b.cookies["mxgate_csrf"], "user_code": code,
                                "action": "allow"})
        check("allowed", ok.status == 200 and b'id="result"' in ok.body, ok)
        tokens = poll(d, j["device_code"])
        check("the next poll: tokens with a refresh token and an ID token",
              tokens.status == 200 and tokens.json.get("access_token", "").startswith("mxat_") and
              "refresh_token" in tokens.json and "id_token" in tokens.json, tokens)
        again = poll(d, j["device_code"])
        check("the device code is spent: invalid_grant",
              again.json.get("error") == "invalid_grant", again)
        used = b.post("/device", {"csrf": b.cookies["mxgate_csrf"], "user_code": code,
                                  "action": "allow"})
        check("the user code cannot be used twice", used.status == 404, used)

        # Denied, expired, another client's.
        j2 = d.post("/oauth2/device", "client_id=tv", headers=FORM).json
        b.post("/device", {"csrf": b.cookies["mxgate_csrf"], "user_code": j2["user_code"],
                           "action": "deny"})
        denied = poll(d, j2["device_code"])
        check("denied by the user: access_denied", denied.json.get("error") == "access_denied",
              denied)
        j3 = d.post("/oauth2/device", "client_id=tv", headers=FORM).json
        other = poll(d, j3["device_code"], client_id="native")
        check("another client's device code: refused", other.status in (400, 401), other)
        db = sqlite3.connect(os.path.join(d.data_dir, "mxgate.db"))
        db.execute("UPDATE oauth_device_grants SET expires_at = 1 WHERE state = 'pending'")
        db.commit()
        db.close()
        late = poll(d, j3["device_code"])
        check("an expired device code: expired_token", late.json.get("error") == "expired_token",
              late)
        log = d.log_text()
    check("no device code in the log", j["device_code"] not in log, log[-1500:])


if __name__ == "__main__":
    main()
