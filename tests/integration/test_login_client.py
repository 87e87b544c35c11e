"""test_login_client.py: matrix-js-sdk, a real Matrix client from npm, with
mxgate as its homeserver URL (login interception in jwt mode before the
homeserver peer): login flows, a password login with a localpart and with
an e-mail address, a wrong password, a locked-out account, then, with the
session it got, a directory search and a profile (tests/js/login-client.mjs
does the client's part)."""

import os
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # Debian 12's Python still has it; the hashes come from libxcrypt

from harness import Daemon, HomeserverPeer, check, main, run_js_client, skip, test

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JS = os.path.join(ROOT, "tests", "js")
PASSWORD = "js-sdk password 1"
HASH = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_SHA512))
SECRET = "jwt secret shared with the homeserver peer"
LOCK_TRIES = 3

CONFIG = """
server_name: example.org
data_dir: "@DATA_DIR@"
log:
  file: "@LOG_FILE@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [client, health]
database:
  driver: sqlite
homeserver:
  base_url: "@HS@"
login:
  lockout: {account_failures: %d, ip_failures: 0}
  interception: jwt
  jwt: {algorithm: HS256, secret: "%s"}
client:
  profile: {fill_from_stores: true}
stores:
  - name: people
    module: static
    users:
      - localpart: alice
        display_name: Alice Liddell
        password_hash: "%s"
        threepids: [{medium: email, address: alice@example.org}]
      - localpart: bob
        password_hash: "%s"
      - localpart: alfred
        display_name: Alfred Store
""" % (LOCK_TRIES, SECRET, HASH, HASH)


@test
def matrix_js_sdk_logs_in_through_mxgate():
    if not os.path.isdir(os.path.join(JS, "node_modules", "matrix-js-sdk")):
        check("matrix-js-sdk installed (bash tests/lib/npm.sh)", False, JS)
        return
    if HomeserverPeer.node() is None:
        skip("matrix-js-sdk client", "node is not installed")
        return
    with HomeserverPeer("example.org") as hs:
        hs.behave(jwt={"alg": "HS256", "secret": SECRET},
                  directory=[{"user_id": "@alex:example.org", "display_name": "Alex HS"}])
        with Daemon(CONFIG, subst={"HS": hs.base_url}) as d:
            out, steps, detail = run_js_client("login-client.mjs", {
                "BASE_URL": "http://127.0.0.1:%d" % d.port, "USER": "alice",
                "EMAIL": "alice@example.org", "PASSWORD": PASSWORD, "LOCK_USER": "bob",
                "LOCK_TRIES": str(LOCK_TRIES), "SEARCH_TERM": "al",
                "PROFILE_USER": "@alfred:example.org"})
    check("the client ran to the end (exit 0)", out.returncode == 0, detail)
    check("loginFlows offers m.login.password",
          "m.login.password" in steps.get("flows", {}).get("types", []), detail)
    s = steps.get("login_localpart", {})
    check("loginRequest with a localpart: logged in as alice, with a device and a token",
          s.get("user_id") == "@alice:example.org" and s.get("has_token") is True and
          isinstance(s.get("device_id"), str), detail)
    check("loginRequest with an e-mail address: logged in as alice",
          steps.get("login_email", {}).get("user_id") == "@alice:example.org", detail)
    s = steps.get("login_wrong", {})
    check("a wrong password: MatrixError M_FORBIDDEN, 403",
          s.get("ok") is False and s.get("errcode") == "M_FORBIDDEN" and s.get("status") == 403,
          detail)
    s = steps.get("login_locked", {})
    check("locked out after %d failures: M_LIMIT_EXCEEDED with retry_after_ms" % LOCK_TRIES,
          s.get("ok") is False and s.get("errcode") == "M_LIMIT_EXCEEDED" and
          s.get("status") == 429 and (s.get("retry_after_ms") or 0) > 0, detail)
    s = steps.get("directory", {})
    check("searchUserDirectory: the homeserver's person, then the store's",
          s.get("ok") is True and s.get("user_ids", [])[:1] == ["@alex:example.org"] and
          set(s.get("user_ids", [])[1:]) == {"@alice:example.org", "@alfred:example.org"},
          detail)
    check("getProfileInfo: a store's person the homeserver does not know",
          steps.get("profile", {}).get("displayname") == "Alfred Store", detail)


if __name__ == "__main__":
    main()
