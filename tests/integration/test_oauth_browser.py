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


if __name__ == "__main__":
    main()
