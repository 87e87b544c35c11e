"""test_oauth_provider.py: mxgate as an OAuth 2.0 / OpenID Connect provider,
the parts that need no user: discovery (both well-known documents and the
client API's auth_metadata), the JWKS (generated keys, configured keys,
rotation with a grace period), client authentication by every method, the
client_credentials grant, introspection as a homeserver calls it,
revocation, and each refusal: openid-client (npm) as the relying party for
the common path (tests/js/oauth-client.mjs), plain HTTP for the rest."""

import base64
import os
import sqlite3
import stat
import subprocess
import time
import urllib.parse

from harness import (Daemon, HomeserverPeer, check, main, run_cli, run_js_client, skip, test,
                     tmp_dir)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JS = os.path.join(ROOT, "tests", "js")
HS_SECRET = "homeserver introspection secret"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

BASE = """
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
  homeserver_secret: "%s"
""" % HS_SECRET

CLIENTS = """
  clients:
    - client_id: basic
      client_secret: "basic secret"
      grant_types: [client_credentials]
      scopes: ["urn:matrix:client:api:*"]
    - client_id: post
      client_secret: "post secret"
      token_endpoint_auth_method: client_secret_post
      grant_types: [client_credentials]
    - client_id: jwt
      client_secret: "a secret for HS256 assertions"
      token_endpoint_auth_method: client_secret_jwt
      grant_types: [client_credentials]
    - client_id: pkj
      token_endpoint_auth_method: private_key_jwt
      jwks_file: "@JWKS@"
      grant_types: [client_credentials]
    - client_id: rs
      client_secret: "rs secret"
      grant_types: [client_credentials]
      introspection: true
    - client_id: public-app
      token_endpoint_auth_method: none
      redirect_uris: ["https://app.example.org/cb"]
"""


def basic_auth(cid, secret):
    raw = "%s:%s" % (urllib.parse.quote(cid, safe=""), urllib.parse.quote(secret, safe=""))
    return {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}


def post_form(d, path, fields, headers=None):
    h = dict(FORM)
    h.update(headers or {})
    return d.post(path, urllib.parse.urlencode(fields), headers=h)


def make_pkj_key(d):
    priv = os.path.join(d, "pkj-private.json")
    pub = os.path.join(d, "pkj-jwks.json")
    subprocess.run(["node", os.path.join(JS, "make-jwk.mjs"), priv, pub], check=True,
                   cwd=JS, timeout=60)
    return priv, pub


def js_ready():
    if HomeserverPeer.node() is None:
        skip("openid-client", "node is not installed")
        return False
    ok = os.path.isdir(os.path.join(JS, "node_modules", "openid-client"))
    check("openid-client installed (bash tests/lib/npm.sh)", ok, JS)
    return ok


@test
def openid_client_as_relying_party():
    if not js_ready():
        return
    priv, pub = make_pkj_key(tmp_dir("pkj"))
    with Daemon(BASE + CLIENTS, subst={"JWKS": pub}) as d:
        out, steps, detail = run_js_client("oauth-client.mjs", {
            "ISSUER": "http://127.0.0.1:%d/" % d.port,
            "BASIC_ID": "basic", "BASIC_SECRET": "basic secret",
            "POST_ID": "post", "POST_SECRET": "post secret",
            "JWT_ID": "jwt", "JWT_SECRET": "a secret for HS256 assertions",
            "PKJ_ID": "pkj", "PKJ_KEY": priv, "RS_ID": "rs", "RS_SECRET": "rs secret"})
        log = d.log_text()
    check("the client ran to the end (exit 0)", out.returncode == 0, detail)
    s = steps.get("discovery", {})
    check("discovery: issuer and endpoints under it, PKCE S256 only",
          s.get("issuer") == "http://127.0.0.1:%d/" % d.port and
          s.get("token_endpoint") == "http://127.0.0.1:%d/oauth2/token" % d.port and
          s.get("pkce") == ["S256"] and s.get("supportsPKCE") is True, detail)
    keys = steps.get("jwks", {}).get("keys", [])
    check("JWKS: an RS256 and an ES256 key, each kid its RFC 7638 thumbprint (jose)",
          sorted(k.get("alg") for k in keys) == ["ES256", "RS256"] and
          all(k.get("thumbprint_ok") and k.get("imported") and not k.get("private")
              for k in keys), detail)
    s = steps.get("cc_basic", {})
    check("client_credentials with client_secret_basic: an mxat_ Bearer token, 300 s, "
          "the scope asked, no refresh token",
          s.get("token_type", "").lower() == "bearer" and s.get("prefix") == "mxat_" and
          s.get("expires_in") == 300 and s.get("scope") == "urn:matrix:client:api:*" and
          s.get("refresh") is None, detail)
    for step, what in (("cc_post", "client_secret_post"), ("cc_secret_jwt", "client_secret_jwt"),
                       ("cc_private_key_jwt", "private_key_jwt (ES256 key from jwks_file)")):
        check("client_credentials with %s" % what, steps.get(step, {}).get("ok") is True, detail)
    s = steps.get("cc_wrong_secret", {})
    check("a wrong client secret: 401", s.get("ok") is False and s.get("status") == 401, detail)
    check("an assertion signed with the wrong secret is refused",
          steps.get("cc_wrong_jwt", {}).get("ok") is False, detail)
    s = steps.get("assertion_replay", {})
    check("the same client assertion twice: 200 then 401 invalid_client",
          s.get("first") == 200 and s.get("second") == 401 and
          s.get("second_error") == "invalid_client", detail)
    s = steps.get("introspect", {})
    check("introspection by a resource server: active, both scope forms, the client",
          s.get("active") is True and s.get("client_id") == "basic" and
          s.get("scope", "").split() == ["urn:matrix:client:api:*",
                                         "urn:matrix:org.matrix.msc2967.client:api:*"] and
          s.get("exp_ok") is True and s.get("token_type") == "access_token", detail)
    check("introspection of an unknown token: inactive",
          steps.get("introspect_unknown", {}).get("active") is False, detail)
    check("after revocation the token is inactive",
          steps.get("revoked", {}).get("active") is False, detail)
    check("no secret or token in the log",
          "basic secret" not in log and "mxat_" not in log and "HS256 assertions" not in log,
          log[-2000:])


@test
def discovery_documents():
    priv, pub = make_pkj_key(tmp_dir("pkj")) if HomeserverPeer.node() else (None, None)
    if pub is None:
        skip("discovery documents", "node is not installed (the jwks_file is made by jose)")
        return
    with Daemon(BASE + CLIENTS, subst={"JWKS": pub}) as d:
        a = d.get("/.well-known/openid-configuration")
        b = d.get("/.well-known/oauth-authorization-server")
        c = d.get("/_matrix/client/v1/auth_metadata", port=d.ports["PORT2"])
        u = d.get("/_matrix/client/unstable/org.matrix.msc2965/auth_metadata",
                  port=d.ports["PORT2"])
        iss = d.get("/_matrix/client/unstable/org.matrix.msc2965/auth_issuer",
                    port=d.ports["PORT2"])
        pre = d.request("OPTIONS", "/oauth2/token",
                        headers={"Origin": "https://app.example.org",
                                 "Access-Control-Request-Method": "POST"})
        not_client = d.get("/_matrix/client/v1/auth_metadata")
    base = "http://127.0.0.1:%d" % d.port
    m = a.json or {}
    check("openid-configuration: 200 JSON", a.status == 200 and isinstance(a.json, dict), a)
    check("the same document at oauth-authorization-server and the client API's "
          "auth_metadata (stable and unstable)",
          b.json == m and c.json == m and u.json == m, (b, c, u))
    check("auth_issuer gives the issuer", iss.status == 200 and
          iss.json == {"issuer": base + "/"}, iss)
    check("MSC2965 required fields",
          all(k in m for k in ("issuer", "authorization_endpoint", "token_endpoint",
                               "revocation_endpoint", "registration_endpoint",
                               "response_types_supported", "grant_types_supported",
                               "response_modes_supported", "code_challenge_methods_supported")),
          m)
    check("grants: authorization_code, refresh_token, client_credentials, device code",
          set(m.get("grant_types_supported", [])) >= {
              "authorization_code", "refresh_token", "client_credentials",
              "urn:ietf:params:oauth:grant-type:device_code"}, m)
    check("response modes query, fragment, form_post; PKCE S256 only (no plain)",
          m.get("response_modes_supported") == ["query", "fragment", "form_post"] and
          m.get("code_challenge_methods_supported") == ["S256"], m)
    check("all five client authentication methods",
          set(m.get("token_endpoint_auth_methods_supported", [])) == {
              "none", "client_secret_basic", "client_secret_post", "client_secret_jwt",
              "private_key_jwt"}, m)
    check("MSC4191 account management fields",
          m.get("account_management_uri") == base + "/account" and
          "org.matrix.devices_list" in m.get("account_management_actions_supported", []), m)
    check("endpoints under the issuer: jwks, introspection, userinfo, end_session, device",
          m.get("jwks_uri") == base + "/oauth2/keys.json" and
          m.get("introspection_endpoint") == base + "/oauth2/introspect" and
          m.get("userinfo_endpoint") == base + "/oauth2/userinfo" and
          m.get("end_session_endpoint") == base + "/oauth2/logout" and
          m.get("device_authorization_endpoint") == base + "/oauth2/device", m)
    check("ID tokens RS256 (required) and ES256",
          m.get("id_token_signing_alg_values_supported") == ["RS256", "ES256"], m)
    check("discovery is readable cross-origin (CORS), and cacheable",
          a.headers.get("access-control-allow-origin") == "*" and
          "max-age" in a.headers.get("cache-control", ""), a.headers)
    check("a CORS preflight of the token endpoint is answered",
          pre.status in (200, 204) and
          "POST" in pre.headers.get("access-control-allow-methods", ""), pre)
    check("auth_metadata is a client API route: 404 on the oauth listener",
          not_client.status == 404, not_client)


@test
def generated_and_rotated_keys():
    with Daemon(BASE) as d:
        keys1 = d.get("/oauth2/keys.json")
        data_dir = d.data_dir
    files = [os.path.join(data_dir, f) for f in ("oauth-rs256.pem", "oauth-es256.pem")]
    check("keys generated in data_dir, mode 0600",
          all(os.path.exists(f) and stat.S_IMODE(os.stat(f).st_mode) == 0o600 for f in files),
          files)
    check("the JWKS is application/jwk-set+json with both",
          keys1.status == 200 and keys1.headers.get("content-type") ==
          "application/jwk-set+json" and len((keys1.json or {}).get("keys", [])) == 2, keys1)
    kids1 = sorted(k["kid"] for k in (keys1.json or {}).get("keys", []))

    # Restart on the same files: the same keys.
    cfg_same = BASE.replace('data_dir: "@DATA_DIR@"', 'data_dir: "%s"' % data_dir)
    with Daemon(cfg_same) as d:
        kids2 = sorted(k["kid"] for k in (d.get("/oauth2/keys.json").json or {})["keys"])
    check("a restart keeps the generated keys", kids1 == kids2, (kids1, kids2))

    # Rotation: a new RSA key listed first, the old one after it.
    new_rsa = os.path.join(tmp_dir("keys"), "new-rsa.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", new_rsa], check=True, capture_output=True)
    rotated = cfg_same + "  keys:\n    - file: \"%s\"\n    - file: \"%s\"\n" % (new_rsa, files[0])
    with Daemon(rotated) as d:
        doc = d.get("/oauth2/keys.json").json or {}
    rsa = [k["kid"] for k in doc.get("keys", []) if k["kty"] == "RSA"]
    check("after adding a key: both RSA keys are published (the old one in its grace)",
          len(rsa) == 2 and len(set(kids1) & set(rsa)) == 1, doc)
    # key_grace later: the new key's first sighting moved back 8 days.
    db = sqlite3.connect(os.path.join(data_dir, "mxgate.db"))
    new_kid = [k for k in rsa if k not in kids1][0] if len(rsa) == 2 else ""
    db.execute("UPDATE oauth_keys SET first_seen = first_seen - 8 * 86400000 WHERE kid = ?",
               (new_kid,))
    db.commit()
    db.close()
    with Daemon(rotated) as d:
        doc = d.get("/oauth2/keys.json").json or {}
        log = d.log_text()
    rsa_after = [k["kid"] for k in doc.get("keys", []) if k["kty"] == "RSA"]
    check("key_grace after the new key was first seen, the old one is gone from the JWKS",
          rsa_after == [new_kid], doc)
    check("and the log says it can leave the config", "no longer published" in log, log[-1500:])


def config_problem(yaml_tail, expect):
    d = tmp_dir("cfg")
    path = os.path.join(d, "mxgate.yaml")
    with open(path, "w") as f:
        f.write(BASE.replace("@DATA_DIR@", d).replace("@LOG_FILE@", d + "/log")
                .replace("@PORT@", "1").replace("@PORT2@", "2") + yaml_tail)
    res = run_cli("config", "check", "-c", path)
    return res.returncode != 0 and expect in (res.stdout + res.stderr), res.stdout + res.stderr


@test
def config_refusals():
    for tail, expect, what in (
        ("  clients:\n    - client_id: a\n      token_endpoint_auth_method: none\n"
         "      grant_types: [client_credentials]\n", "needs a client that authenticates",
         "client_credentials for a public client"),
        ("  clients:\n    - client_id: a\n", "needs client_secret",
         "client_secret_basic without a secret"),
        ("  clients:\n    - client_id: a\n      client_secret: x\n    - client_id: a\n"
         "      client_secret: y\n", "duplicate client_id", "a client_id twice"),
        ("  clients:\n    - client_id: a\n      client_secret: x\n"
         "      grant_types: [implicit]\n", "unknown grant type", "an unknown grant type"),
        ("  clients:\n    - client_id: a\n      token_endpoint_auth_method: private_key_jwt\n",
         "needs jwks_file", "private_key_jwt without jwks_file"),
        ("  clients:\n    - client_id: a\n      client_secret: x\n"
         "      redirect_uris: [\"https://a.example/cb#frag\"]\n", "without fragment",
         "a redirect URI with a fragment"),
        ("  key_grace: 10s\n", "shorter than id_token_lifetime", "key_grace < id_token_lifetime"),
        ("  colour: blue\n", "colour", "an unknown key"),
    ):
        ok, out = config_problem(tail, expect)
        check("config refused: %s" % what, ok, out)
    path = os.path.join(tmp_dir("cfg"), "mxgate.yaml")
    with open(path, "w") as f:
        f.write(BASE.replace("@DATA_DIR@", "/tmp").replace("@LOG_FILE@", "/tmp/log")
                .replace("@PORT@", "1").replace("@PORT2@", "2"))
    res = run_cli("config", "check", "-c", path)
    check("the base config itself is accepted", res.returncode == 0, res.stdout + res.stderr)


@test
def token_endpoint_refusals():
    priv, pub = make_pkj_key(tmp_dir("pkj")) if HomeserverPeer.node() else (None, None)
    if pub is None:
        skip("token endpoint refusals", "node is not installed")
        return
    with Daemon(BASE + CLIENTS, subst={"JWKS": pub}) as d:
        good = basic_auth("basic", "basic secret")
        cases = [
            ("a JSON body", d.post("/oauth2/token", {"grant_type": "client_credentials"},
                                   headers=good), 400, "invalid_request"),
            ("a parameter twice", d.post("/oauth2/token",
                                         "grant_type=client_credentials&scope=a&scope=b",
                                         headers=dict(FORM, **good)), 400, "invalid_request"),
            ("no grant_type", post_form(d, "/oauth2/token", {}, good), 400, "invalid_request"),
            ("a grant the client may not use",
             post_form(d, "/oauth2/token", {"grant_type": "authorization_code", "code": "x"},
                       good), 400, "unauthorized_client"),
            ("an unknown client", post_form(d, "/oauth2/token",
                                            {"grant_type": "client_credentials"},
                                            basic_auth("nobody", "x")), 401, "invalid_client"),
            ("no client at all", post_form(d, "/oauth2/token",
                                           {"grant_type": "client_credentials"}),
             401, "invalid_client"),
            ("secret_post for a basic client",
             post_form(d, "/oauth2/token", {"grant_type": "client_credentials",
                                            "client_id": "basic",
                                            "client_secret": "basic secret"}),
             401, "invalid_client"),
            ("two authentication methods at once",
             post_form(d, "/oauth2/token", {"grant_type": "client_credentials",
                                            "client_id": "basic",
                                            "client_secret": "basic secret"}, good),
             400, "invalid_request"),
            ("a scope outside the client's list",
             post_form(d, "/oauth2/token", {"grant_type": "client_credentials",
                                            "scope": "urn:synapse:admin:*"}, good),
             400, "invalid_scope"),
            ("an unknown scope", post_form(d, "/oauth2/token",
                                           {"grant_type": "client_credentials",
                                            "client_id": "post", "client_secret": "post secret",
                                            "scope": "launch:missiles"}), 400, "invalid_scope"),
            ("a wrong secret_post secret",
             post_form(d, "/oauth2/token", {"grant_type": "client_credentials",
                                            "client_id": "post", "client_secret": "x"}),
             401, "invalid_client"),
            ("a user scope for client credentials",
             post_form(d, "/oauth2/token", {"grant_type": "client_credentials",
                                            "client_id": "post", "client_secret": "post secret",
                                            "scope": "openid"}), 400, "invalid_scope"),
            ("an unsupported grant",
             post_form(d, "/oauth2/token", {"grant_type": "password", "client_id": "post",
                                            "client_secret": "post secret"}),
             400, "unauthorized_client"),
            ("malformed Basic credentials",
             post_form(d, "/oauth2/token", {"grant_type": "client_credentials"},
                       {"Authorization": "Basic !!!"}), 401, "invalid_client"),
            ("an assertion type without assertion",
             post_form(d, "/oauth2/token", {"grant_type": "client_credentials",
                                            "client_assertion_type": "urn:x"}),
             400, "invalid_request"),
            ("an assertion that is not a JWT",
             post_form(d, "/oauth2/token", {
                 "grant_type": "client_credentials", "client_assertion": "a.b.c",
                 "client_assertion_type":
                     "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}),
             401, "invalid_client"),
        ]
        for what, r, status, error in cases:
            check("token endpoint refuses %s: %d %s" % (what, status, error),
                  r.status == status and (r.json or {}).get("error") == error and
                  "error_description" in (r.json or {}), r)
        r = post_form(d, "/oauth2/token", {"grant_type": "client_credentials"},
                      basic_auth("basic", "wrong"))
        check("401 to Basic credentials carries WWW-Authenticate: Basic",
              r.status == 401 and r.headers.get("www-authenticate", "").startswith("Basic"), r)
        r = post_form(d, "/oauth2/token", {"grant_type": "client_credentials"}, good)
        check("token answers are not cached (Cache-Control: no-store, Pragma: no-cache)",
              r.status == 200 and r.headers.get("cache-control") == "no-store" and
              r.headers.get("pragma") == "no-cache", r)
        check("a scope left out gives an empty one", (r.json or {}).get("scope") == "", r)


def hs_introspect(d, token, device_header=True, secret=HS_SECRET):
    h = {"Authorization": "Bearer " + secret, "Accept": "application/json"}
    if device_header:
        h["X-MAS-Supports-Device-Id"] = "1"
    return post_form(d, "/oauth2/introspect", {"token": token,
                                               "token_type_hint": "access_token"}, h)


@test
def introspection_and_revocation():
    with Daemon(BASE + CLIENTS.replace("@JWKS@", "/dev/null").replace(
            "    - client_id: pkj\n      token_endpoint_auth_method: private_key_jwt\n"
            "      jwks_file: \"/dev/null\"\n      grant_types: [client_credentials]\n", "")) as d:
        tok = post_form(d, "/oauth2/token", {"grant_type": "client_credentials",
                                             "scope": "urn:matrix:client:api:*"},
                        basic_auth("basic", "basic secret")).json["access_token"]
        other = post_form(d, "/oauth2/token", {"grant_type": "client_credentials",
                                               "client_id": "post",
                                               "client_secret": "post secret"}).json
        live = hs_introspect(d, tok)
        wrong = hs_introspect(d, tok, secret="not the secret")
        none = post_form(d, "/oauth2/introspect", {"token": tok})
        public = post_form(d, "/oauth2/introspect", {"token": tok, "client_id": "public-app"})
        own = post_form(d, "/oauth2/introspect", {"token": other["access_token"],
                                                  "client_id": "post",
                                                  "client_secret": "post secret"})
        foreign = post_form(d, "/oauth2/introspect", {"token": tok, "client_id": "post",
                                                      "client_secret": "post secret"})
        garbage = hs_introspect(d, "mxat_" + "A" * 30 + "_AAAAAA")
        notoken = post_form(d, "/oauth2/introspect", {}, {"Authorization": "Bearer " + HS_SECRET})
        # Expiry: the token's expires_at moved into the past.
        db = sqlite3.connect(os.path.join(d.data_dir, "mxgate.db"))
        db.execute("UPDATE oauth_access_tokens SET expires_at = 1")
        db.commit()
        expired = hs_introspect(d, tok)
        db.execute("UPDATE oauth_access_tokens SET expires_at = ?",
                   (int(time.time() * 1000) + 60000,))
        db.commit()
        again = hs_introspect(d, tok)
        used = db.execute("SELECT COUNT(*) FROM oauth_access_tokens WHERE first_used_at IS "
                          "NOT NULL").fetchone()[0]
        stored = [r[0] for r in db.execute("SELECT token_hash FROM oauth_access_tokens")]
        db.close()
        bad_rev = post_form(d, "/oauth2/revoke", {"token": tok},
                            basic_auth("basic", "wrong"))
        unknown_rev = post_form(d, "/oauth2/revoke", {"token": "nonsense"})
        still = hs_introspect(d, tok)
        anon_rev = post_form(d, "/oauth2/revoke", {"token": tok})
        after = hs_introspect(d, tok)
        log = d.log_text()
    j = live.json or {}
    check("homeserver introspection (Bearer shared secret): active, 200",
          live.status == 200 and j.get("active") is True, live)
    check("with both scope forms, client_id, token_type, iat, exp, expires_in",
          set(j.get("scope", "").split()) == {"urn:matrix:client:api:*",
                                              "urn:matrix:org.matrix.msc2967.client:api:*"} and
          j.get("client_id") == "basic" and j.get("token_type") == "access_token" and
          isinstance(j.get("iat"), int) and j.get("exp", 0) - j.get("iat", 0) == 300 and
          0 < j.get("expires_in", 0) <= 300, j)
    check("a client token has no username, sub or device_id",
          "username" not in j and "sub" not in j and "device_id" not in j, j)
    check("a wrong homeserver secret: 401", wrong.status == 401, wrong)
    check("no caller authentication: 401", none.status == 401, none)
    check("a public client may not introspect: 401", public.status == 401, public)
    check("a client may introspect its own token",
          own.status == 200 and (own.json or {}).get("active") is True, own)
    check("but another client's token is inactive to it",
          foreign.status == 200 and foreign.json == {"active": False}, foreign)
    check("an unknown token is {active: false} (200)",
          garbage.status == 200 and garbage.json == {"active": False}, garbage)
    check("no token parameter: 400 invalid_request",
          notoken.status == 400 and (notoken.json or {}).get("error") == "invalid_request",
          notoken)
    check("an expired token is inactive, and active again when its expiry is ahead",
          expired.json == {"active": False} and (again.json or {}).get("active") is True,
          (expired, again))
    check("introspection marks a token used", used >= 1, used)
    check("tokens are stored only as SHA-256 hashes",
          tok not in stored and all(len(h) == 64 for h in stored), stored)
    check("revocation with wrong client credentials: 401, token still active",
          bad_rev.status == 401 and (still.json or {}).get("active") is True, (bad_rev, still))
    check("revoking an unknown token: 200", unknown_rev.status == 200, unknown_rev)
    check("revocation by the token alone (no client): 200, then inactive",
          anon_rev.status == 200 and after.json == {"active": False}, (anon_rev, after))
    check("no token or secret in the log",
          tok not in log and HS_SECRET not in log and "basic secret" not in log, log[-1500:])


if __name__ == "__main__":
    main()
