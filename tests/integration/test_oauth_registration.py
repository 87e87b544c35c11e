"""test_oauth_registration.py: dynamic client registration (RFC 7591 with
MSC2966's Matrix rules): matrix-js-sdk's OIDC helpers discover mxgate from
the homeserver URL and register (tests/js/oauth-matrix-client.mjs); then
each rule over plain HTTP, the registered client used for an authorization,
the secret of a confidential one, and the switch that turns registration off."""

import base64
import os
import urllib.parse

from harness import Daemon, HomeserverPeer, check, main, run_js_client, skip, test

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JS = os.path.join(ROOT, "tests", "js")
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
oauth:
  issuer: "http://127.0.0.1:@PORT@/"
  templates_dir: "%s"
""" % os.path.join(ROOT, "etc", "templates")

WEB = {"client_name": "App", "client_uri": "https://app.example.org",
       "redirect_uris": ["https://app.example.org/cb"], "token_endpoint_auth_method": "none",
       "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"]}


def register(d, meta):
    return d.post("/oauth2/registration", meta)


@test
def matrix_js_sdk_discovers_and_registers():
    if HomeserverPeer.node() is None:
        skip("matrix-js-sdk OIDC", "node is not installed")
        return
    if not os.path.isdir(os.path.join(JS, "node_modules", "matrix-js-sdk")):
        check("matrix-js-sdk installed (bash tests/lib/npm.sh)", False, JS)
        return
    with Daemon(CONFIG) as d:
        out, steps, detail = run_js_client("oauth-matrix-client.mjs", {
            "BASE_URL": "http://127.0.0.1:%d" % d.ports["PORT2"]})
    check("the client ran to the end (exit 0)", out.returncode == 0, detail)
    s = steps.get("discovery", {})
    check("getAuthMetadata: mxgate's issuer and registration endpoint, keys fetched",
          s.get("issuer") == "http://127.0.0.1:%d/" % d.port and
          s.get("registration_endpoint", "").endswith("/oauth2/registration") and
          (s.get("has_keys") is None or s.get("has_keys") >= 1), detail)
    s = steps.get("register_web", {})
    check("registerOidcClient (web): a client_id; the same metadata again: the same one",
          isinstance(s.get("client_id"), str) and s.get("same_again") is True, detail)
    s = steps.get("register_native", {})
    check("a native app with org.example.app:/callback and a loopback URI registers",
          s.get("ok") is True, detail)
    check("a web client redirecting to another host is refused",
          steps.get("register_foreign", {}).get("ok") is False, detail)


@test
def registration_rules():
    with Daemon(CONFIG) as d:
        r = register(d, WEB)
        check("a public web client: 201, client_id, no secret, the metadata as registered",
              r.status == 201 and isinstance(r.json.get("client_id"), str) and
              "client_secret" not in r.json and r.json.get("client_uri") == WEB["client_uri"] and
              r.json.get("token_endpoint_auth_method") == "none" and
              r.json.get("application_type") == "web" and
              r.headers.get("cache-control") == "no-store", r)
        cid = r.json.get("client_id")
        extra = dict(WEB, grant_types=["authorization_code", "implicit", "refresh_token"],
                     **{"client_name#fr": "Appli", "logo_uri": "https://cdn.app.example.org/l.png"})
        r2 = register(d, extra)
        check("unknown grant types are dropped; localized names and subdomain URIs kept",
              r2.status == 201 and r2.json.get("grant_types") == ["authorization_code",
                                                                  "refresh_token"] and
              r2.json.get("client_name#fr") == "Appli" and "logo_uri" in r2.json, r2)
        conf = register(d, dict(WEB, token_endpoint_auth_method="client_secret_basic"))
        check("a confidential client gets a client_secret (and a client_id of its own)",
              conf.status == 201 and len(conf.json.get("client_secret", "")) >= 32 and
              conf.json.get("client_id") != cid, conf)
        refusals = [
            ("no client_uri", {k: v for k, v in WEB.items() if k != "client_uri"},
             "invalid_client_metadata"),
            ("an http client_uri", dict(WEB, client_uri="http://app.example.org"),
             "invalid_client_metadata"),
            ("a localhost client_uri", dict(WEB, client_uri="https://localhost"),
             "invalid_client_metadata"),
            ("a client_uri with user info", dict(WEB, client_uri="https://u:p@app.example.org"),
             "invalid_client_metadata"),
            ("a tos_uri on another host", dict(WEB, tos_uri="https://other.example/tos"),
             "invalid_client_metadata"),
            ("a web redirect on another host",
             dict(WEB, redirect_uris=["https://evil.example/cb"]), "invalid_redirect_uri"),
            ("a web redirect over http", dict(WEB, redirect_uris=["http://app.example.org/cb"]),
             "invalid_redirect_uri"),
            ("a redirect with a fragment",
             dict(WEB, redirect_uris=["https://app.example.org/cb#x"]), "invalid_redirect_uri"),
            ("no redirect URI for the code grant", {k: v for k, v in WEB.items()
                                                    if k != "redirect_uris"},
             "invalid_redirect_uri"),
            ("a loopback redirect for a web client",
             dict(WEB, redirect_uris=["http://127.0.0.1/cb"]), "invalid_redirect_uri"),
            ("a native scheme that is not the reversed host",
             dict(WEB, application_type="native", redirect_uris=["example:/cb"]),
             "invalid_redirect_uri"),
            ("a native scheme with an authority",
             dict(WEB, application_type="native", redirect_uris=["org.example.app://cb"]),
             "invalid_redirect_uri"),
            ("https://localhost for a native app",
             dict(WEB, application_type="native", redirect_uris=["https://localhost/cb"]),
             "invalid_redirect_uri"),
            ("a loopback redirect registered with a port",
             dict(WEB, application_type="native", redirect_uris=["http://localhost:1234/cb"]),
             "invalid_redirect_uri"),
            ("response type token", dict(WEB, response_types=["token"]),
             "invalid_client_metadata"),
            ("client_secret_jwt", dict(WEB, token_endpoint_auth_method="client_secret_jwt"),
             "invalid_client_metadata"),
            ("private_key_jwt without keys", dict(WEB, token_endpoint_auth_method="private_key_jwt"),
             "invalid_client_metadata"),
            ("client_credentials for a public client",
             dict(WEB, grant_types=["client_credentials"]), "invalid_client_metadata"),
            ("an unknown application_type", dict(WEB, application_type="desktop"),
             "invalid_client_metadata"),
        ]
        for what, meta, error in refusals:
            r = register(d, meta)
            check("registration refused: %s (400 %s)" % (what, error),
                  r.status == 400 and (r.json or {}).get("error") == error and
                  (r.json or {}).get("error_description"), r)
        for body, what in ((b"[1]", "a JSON array"), (b"{nope", "not JSON")):
            r = d.post("/oauth2/registration", body, headers={"Content-Type": "application/json"})
            check("registration of %s: 400 invalid_client_metadata" % what,
                  r.status == 400 and (r.json or {}).get("error") == "invalid_client_metadata", r)
        ok = register(d, dict(WEB, application_type="native",
                              redirect_uris=["org.example.app.desktop:/cb", "http://[::1]/cb",
                                             "org.example:/cb"]))
        check("native: a longer reversed-host scheme, a parent domain's, [::1] loopback",
              ok.status == 201, ok)

        # The registered public client at the authorization endpoint.
        q = {"client_id": cid, "redirect_uri": "https://app.example.org/cb",
             "response_type": "code", "scope": "openid", "state": "s",
             "code_challenge": "A" * 43, "code_challenge_method": "S256"}
        page = d.get("/authorize?" + urllib.parse.urlencode(q))
        check("the registered client's authorization request shows the login page",
              page.status == 200 and b'name="password"' in page.body, page)
        # The confidential one authenticates with its secret (no grant it may
        # use without a user: the error says the grant, not the client).
        auth = base64.b64encode(("%s:%s" % (conf.json["client_id"],
                                            conf.json["client_secret"])).encode()).decode()
        tok = d.post("/oauth2/token", "grant_type=client_credentials",
                     headers=dict(FORM, Authorization="Basic " + auth))
        bad = d.post("/oauth2/token", "grant_type=client_credentials",
                     headers=dict(FORM, Authorization="Basic " + base64.b64encode(
                         ("%s:wrong" % conf.json["client_id"]).encode()).decode()))
        check("a registered client authenticates with its secret (stored hashed)",
              tok.status == 400 and tok.json.get("error") == "unauthorized_client" and
              bad.status == 401, (tok, bad))
        log = d.log_text()
    check("the issued secret is not in the log", conf.json["client_secret"] not in log,
          log[-1500:])
    with Daemon(CONFIG + "  dynamic_registration: false\n") as d:
        r = register(d, WEB)
    check("dynamic_registration: false: 403", r.status == 403, r)


if __name__ == "__main__":
    main()
