"""test_oauth_compat.py: the homeserver side of the OAuth provider, against
the homeserver peer speaking Synapse's MAS integration: users and devices
provisioned at the homeserver (/_synapse/mas/, or the admin API where those
endpoints are missing) before their tokens exist, the compat login
(login.interception: oauth) for clients that do not speak OAuth: password
logins as sessions with a device that introspection reports, refresh,
logout and logout/all, and a homeserver that is down."""

import base64
import hashlib
import os
import urllib.parse
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # Debian 12's Python still has it; the hashes come from libxcrypt

from harness import Daemon, HomeserverPeer, check, free_port, main, skip, test

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "compat password 1"
HASH = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_SHA512))
HS_SECRET = "shared with the homeserver"
ADMIN_TOKEN = "homeserver admin token"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

CONFIG = """
server_name: example.org
data_dir: "@DATA_DIR@"
log:
  file: "@LOG_FILE@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [oauth, health]
  - bind: "127.0.0.1:@PORT2@"
    resources: [client]
database:
  driver: sqlite
homeserver:
  base_url: "@HS@"
  proxy: false
  timeout: 2s
login:
  interception: oauth
  lockout: {account_failures: 3, ip_failures: 0}
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
  homeserver_secret: "%s"
  homeserver_admin_token: "%s"
  provisioning: synapse
""" % (HASH, os.path.join(ROOT, "etc", "templates"), HS_SECRET, ADMIN_TOKEN)


def login(d, user="alice", password=PASSWORD, **extra):
    body = {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user},
            "password": password}
    body.update(extra)
    return d.post("/_matrix/client/v3/login", body, port=d.ports["PORT2"])


def introspect(d, token, header=True):
    h = dict(FORM, Authorization="Bearer " + HS_SECRET)
    if header:
        h["X-MAS-Supports-Device-Id"] = "1"
    return d.post("/oauth2/introspect", urllib.parse.urlencode({"token": token}), headers=h)


def provisioned(hs):
    return hs.request("GET", "/_test/provisioned").json or {}


def peer_ready():
    if HomeserverPeer.node() is None:
        skip("homeserver peer", "node is not installed")
        return False
    return True


@test
def compat_login_with_mas_provisioning():
    if not peer_ready():
        return
    with HomeserverPeer("example.org") as hs:
        hs.behave(mas_secret=HS_SECRET)
        with Daemon(CONFIG, subst={"HS": hs.base_url}) as d:
            flows = d.get("/_matrix/client/v3/login", port=d.ports["PORT2"])
            types = [f.get("type") for f in (flows.json or {}).get("flows", [])]
            sso = [f for f in (flows.json or {}).get("flows", [])
                   if f.get("type") == "m.login.sso"]
            check("GET /login: password, SSO (oauth_aware_preferred) and token flows",
                  flows.status == 200 and types == ["m.login.password", "m.login.sso",
                                                    "m.login.token"] and
                  sso and sso[0].get("oauth_aware_preferred") is True, flows)
            r = login(d, device_id="MYPHONE", initial_device_display_name="Phone")
            j = r.json or {}
            check("a password login: user_id, an mxct_ token, the device asked for",
                  r.status == 200 and j.get("user_id") == "@alice:example.org" and
                  j.get("access_token", "").startswith("mxct_") and
                  j.get("device_id") == "MYPHONE" and j.get("home_server") == "example.org" and
                  "refresh_token" not in j and "expires_in_ms" not in j, r)
            p = provisioned(hs)
            check("the user was provisioned first: display name and e-mail from the store",
                  p.get("users", {}).get("alice") == {"displayname": "Alice Liddell",
                                                       "emails": ["alice@example.org"]}, p)
            check("and the device created", "MYPHONE" in p.get("devices", {}).get("alice", []),
                  p)
            check("through /_synapse/mas/ with the shared secret",
                  all(c["ok"] and c["path"].startswith("/_synapse/mas/")
                      for c in p.get("calls", [])), p)
            i = introspect(d, j.get("access_token", "")).json or {}
            check("introspection: active, username alice, client legacy, device_id, the API "
                  "scope in both forms, no expiry",
                  i.get("active") is True and i.get("username") == "alice" and
                  i.get("client_id") == "legacy" and i.get("device_id") == "MYPHONE" and
                  "urn:matrix:client:api:*" in i.get("scope", "") and
                  "urn:matrix:org.matrix.msc2967.client:api:*" in i.get("scope", "") and
                  "exp" not in i, i)
            i2 = introspect(d, j.get("access_token", ""), header=False).json or {}
            check("without X-MAS-Supports-Device-Id no device_id field", "device_id" not in i2,
                  i2)
            r2 = login(d, refresh_token=True)
            j2 = r2.json or {}
            check("with refresh_token: true: a made-up device, a refresh token, expires_in_ms",
                  r2.status == 200 and len(j2.get("device_id", "")) == 10 and
                  j2.get("refresh_token", "").startswith("mxcr_") and
                  j2.get("expires_in_ms") == 300000, r2)
            ref = d.post("/_matrix/client/v3/refresh", {"refresh_token": j2.get("refresh_token")},
                         port=d.ports["PORT2"])
            check("refresh: a new pair", ref.status == 200 and
                  ref.json.get("access_token", "").startswith("mxct_") and
                  ref.json.get("refresh_token") != j2.get("refresh_token"), ref)
            introspect(d, ref.json.get("access_token", ""))  # the new pair used
            replay = d.post("/_matrix/client/v3/refresh",
                            {"refresh_token": j2.get("refresh_token")}, port=d.ports["PORT2"])
            check("the old refresh token again: 401 M_UNKNOWN_TOKEN, soft_logout false",
                  replay.status == 401 and replay.json.get("errcode") == "M_UNKNOWN_TOKEN" and
                  replay.json.get("soft_logout") is False, replay)
            check("and that session is over", introspect(d, ref.json.get("access_token", ""))
                  .json == {"active": False})
            check("its device deleted at the homeserver",
                  j2.get("device_id") not in provisioned(hs).get("devices", {}).get("alice", []),
                  provisioned(hs))
            bad = login(d, password="wrong")
            check("a wrong password: 403 M_FORBIDDEN",
                  bad.status == 403 and bad.json.get("errcode") == "M_FORBIDDEN", bad)
            other = d.post("/_matrix/client/v3/login", {"type": "m.login.jwt", "token": "x"},
                           port=d.ports["PORT2"])
            check("another login type: 400 M_UNKNOWN (not forwarded)",
                  other.status == 400 and other.json.get("errcode") == "M_UNKNOWN", other)
            weird = login(d, device_id="")
            check("an empty device_id: 400 M_INVALID_PARAM",
                  weird.status == 400 and weird.json.get("errcode") == "M_INVALID_PARAM", weird)
            out = d.post("/_matrix/client/v3/logout", {}, port=d.ports["PORT2"],
                         headers={"Authorization": "Bearer " + j.get("access_token", "")})
            check("logout: 200, the token inactive, the device deleted at the homeserver",
                  out.status == 200 and introspect(d, j["access_token"]).json ==
                  {"active": False} and
                  "MYPHONE" not in provisioned(hs).get("devices", {}).get("alice", []), out)
            again = d.post("/_matrix/client/v3/logout", {}, port=d.ports["PORT2"],
                           headers={"Authorization": "Bearer " + j.get("access_token", "")})
            check("logout with that token again: 401 M_UNKNOWN_TOKEN",
                  again.status == 401 and again.json.get("errcode") == "M_UNKNOWN_TOKEN", again)
            a = login(d).json or {}
            b = login(d).json or {}
            everything = d.post("/_matrix/client/v3/logout/all", {}, port=d.ports["PORT2"],
                                headers={"Authorization": "Bearer " + a.get("access_token", "")})
            check("logout/all ends every session of the user",
                  everything.status == 200 and
                  introspect(d, b.get("access_token", "")).json == {"active": False},
                  everything)
            left = provisioned(hs).get("devices", {}).get("alice", [])
            check("and deletes every one of their devices at the homeserver",
                  a.get("device_id") not in left and b.get("device_id") not in left, left)
            log = d.log_text()
    check("no password, token or shared secret in the log",
          PASSWORD not in log and HS_SECRET not in log and "mxct_" not in log and
          ADMIN_TOKEN not in log, log[-2000:])


@test
def admin_api_fallback_and_homeserver_down():
    if not peer_ready():
        return
    with HomeserverPeer("example.org") as hs:
        hs.behave(admin_token=ADMIN_TOKEN)  # no mas_secret: /_synapse/mas/ is 404
        with Daemon(CONFIG, subst={"HS": hs.base_url}) as d:
            r = login(d, device_id="DESK")
            p = provisioned(hs)
            check("without /_synapse/mas/ the admin API provisions user and device",
                  r.status == 200 and p.get("users", {}).get("alice", {}).get("displayname") ==
                  "Alice Liddell" and "DESK" in p.get("devices", {}).get("alice", []) and
                  any(c["path"].startswith("/_synapse/admin/v2/users/") for c in p["calls"]),
                  (r, p))
            token = (r.json or {}).get("access_token", "")
            d.post("/oauth2/revoke", urllib.parse.urlencode({"token": token}), headers=FORM)
            check("a revoked session's device is deleted through the admin API too",
                  "DESK" not in provisioned(hs).get("devices", {}).get("alice", []),
                  provisioned(hs))
    dead = "http://127.0.0.1:%d" % free_port()
    with Daemon(CONFIG, subst={"HS": dead}) as d:
        r = login(d)
        check("a homeserver that is down: 503, and no session made",
              r.status == 503 and r.json.get("errcode") == "M_UNKNOWN", r)
        log = d.log_text()
    check("the log says provisioning failed", "provisioning" in log, log[-1500:])


@test
def code_flow_provisions_the_device():
    if not peer_ready():
        return
    with HomeserverPeer("example.org") as hs:
        hs.behave(mas_secret=HS_SECRET)
        cfg = CONFIG + """  clients:
    - client_id: app
      token_endpoint_auth_method: none
      skip_consent: true
      redirect_uris: ["http://127.0.0.1/cb"]
"""
        with Daemon(cfg, subst={"HS": hs.base_url}) as d:
            verifier = "v" * 50
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()) \
                .decode().rstrip("=")
            q = {"client_id": "app", "redirect_uri": "http://127.0.0.1:5/cb",
                 "response_type": "code", "code_challenge": challenge,
                 "code_challenge_method": "S256",
                 "scope": "urn:matrix:client:api:* urn:matrix:client:device:OAUTHDEV01"}
            page = d.get("/authorize?" + urllib.parse.urlencode(q))
            csrf = [v for k, v in page.raw_headers if k.lower() == "set-cookie"
                    and v.startswith("mxgate_csrf=")][0].split(";")[0].split("=", 1)[1]
            r = d.post("/login", urllib.parse.urlencode(dict(q, csrf=csrf, username="alice",
                                                             password=PASSWORD)),
                       headers=dict(FORM, Cookie="mxgate_csrf=" + csrf))
            code = urllib.parse.parse_qs(urllib.parse.urlsplit(
                r.headers.get("location", "")).query).get("code", [""])[0]
            tok = d.post("/oauth2/token", urllib.parse.urlencode({
                "grant_type": "authorization_code", "code": code, "client_id": "app",
                "redirect_uri": "http://127.0.0.1:5/cb", "code_verifier": verifier}),
                headers=FORM)
            p = provisioned(hs)
            i = introspect(d, (tok.json or {}).get("access_token", "")).json or {}
    check("a skip_consent client's code exchange: tokens", tok.status == 200, (r, tok))
    check("the device of the device scope exists at the homeserver before the token",
          "OAUTHDEV01" in p.get("devices", {}).get("alice", []), p)
    check("introspection gives the device from the scope",
          i.get("device_id") == "OAUTHDEV01" and i.get("username") == "alice", i)


def cookie_headers(jar, extra=None):
    h = dict(extra or {})
    if jar:
        h["Cookie"] = "; ".join("%s=%s" % kv for kv in jar.items())
    return h


def keep_cookies(jar, r):
    for k, v in r.raw_headers:
        if k.lower() == "set-cookie":
            name, value = v.split(";")[0].split("=", 1)
            jar[name] = value
    return r


@test
def compat_sso_login():
    if not peer_ready():
        return
    with HomeserverPeer("example.org") as hs:
        hs.behave(mas_secret=HS_SECRET)
        with Daemon(CONFIG, subst={"HS": hs.base_url}) as d:
            back = "https://client.example/after?x=1"
            start = d.get("/_matrix/client/v3/login/sso/redirect?" +
                          urllib.parse.urlencode({"redirectUrl": back}), port=d.ports["PORT2"])
            loc = start.headers.get("location", "")
            check("login/sso/redirect sends the browser to the provider's /sso",
                  start.status == 302 and loc.startswith("http://127.0.0.1:%d/sso?" % d.port),
                  start)
            missing = d.get("/_matrix/client/v3/login/sso/redirect", port=d.ports["PORT2"])
            check("without redirectUrl: 400 M_MISSING_PARAM",
                  missing.status == 400 and missing.json.get("errcode") == "M_MISSING_PARAM",
                  missing)
            jar = {}
            path = loc[len("http://127.0.0.1:%d" % d.port):]
            page = keep_cookies(jar, d.get(path, headers=cookie_headers(jar)))
            check("an anonymous browser gets the login page, carrying the address",
                  page.status == 200 and b'name="password"' in page.body and
                  b'value="sso"' in page.body, page)
            r = keep_cookies(jar, d.post("/login", urllib.parse.urlencode({
                "csrf": jar.get("mxgate_csrf", ""), "next": "sso", "redirect_url": back,
                "username": "alice", "password": PASSWORD}),
                headers=cookie_headers(jar, FORM)))
            check("after the login, back to the SSO confirmation",
                  r.status == 303 and r.headers.get("location", "").startswith("/sso?"), r)
            confirm = keep_cookies(jar, d.get(r.headers.get("location", "/sso"),
                                              headers=cookie_headers(jar)))
            check("the confirmation names the application's host",
                  confirm.status == 200 and b'id="host">client.example<' in confirm.body,
                  confirm)
            forged = d.post("/sso", urllib.parse.urlencode({"redirect_url": back}),
                            headers=cookie_headers(jar, FORM))
            check("confirming without the CSRF token: 403", forged.status == 403, forged)
            done = keep_cookies(jar, d.post("/sso", urllib.parse.urlencode({
                "csrf": jar["mxgate_csrf"], "redirect_url": back}),
                headers=cookie_headers(jar, FORM)))
            target = done.headers.get("location", "")
            token = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query).get(
                "loginToken", [""])[0]
            check("confirmed: back at the address with a loginToken",
                  done.status == 303 and target.startswith(back + "&loginToken=mxlt_"), done)
            login_tok = d.post("/_matrix/client/v3/login", {"type": "m.login.token",
                                                             "token": token},
                               port=d.ports["PORT2"])
            j = login_tok.json or {}
            check("m.login.token with it: logged in as alice with a compat token and a device",
                  login_tok.status == 200 and j.get("user_id") == "@alice:example.org" and
                  j.get("access_token", "").startswith("mxct_") and j.get("device_id"),
                  login_tok)
            check("the device is provisioned at the homeserver",
                  j.get("device_id") in provisioned(hs).get("devices", {}).get("alice", []),
                  provisioned(hs))
            twice = d.post("/_matrix/client/v3/login", {"type": "m.login.token", "token": token},
                           port=d.ports["PORT2"])
            check("the login token works once: then 403 M_FORBIDDEN",
                  twice.status == 403 and twice.json.get("errcode") == "M_FORBIDDEN", twice)
            log = d.log_text()
    check("no login token in the log", "mxlt_" not in log, log[-1500:])


if __name__ == "__main__":
    main()
