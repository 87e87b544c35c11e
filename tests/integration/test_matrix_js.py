"""test_matrix_js.py: matrix-js-sdk, a real Matrix client from npm, uses
mxgate as its identity server: registers with an OpenID token from the
homeserver peer, accepts the terms, reads its account, does a hashed lookup,
requests an e-mail token, follows the link from the mail a real SMTP server
received, binds the address and finds it by hashed lookup (tests/js/
is-client.mjs does the client's part)."""

import json
import os
import subprocess

from harness import (Daemon, HomeserverPeer, check, free_port, main, port_open, run_js_client,
                     skip, test, tmp_dir, wait_for)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JS = os.path.join(ROOT, "tests", "js")

CONFIG = """
server_name: example.org
public_baseurl: "http://127.0.0.1:@PORT@/"
data_dir: "@DATA_DIR@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [identity, health]
# The client polls the lookup after binding: not a test of the limits.
rate_limits:
  lookup: {per_second: 0}
identity:
  homeservers:
    - {server_name: example.org, base_url: "@HS_URL@"}
  terms:
    - id: privacy_policy
      version: "1.0"
      languages:
        - {lang: en, name: Privacy Policy, url: "https://example.org/privacy-1.0-en.html"}
        - {lang: fr, name: Politique de confidentialité, url: "https://example.org/privacy-1.0-fr.html"}
threepid:
  email:
    from: "noreply@example.org"
    smtp_url: "smtp://127.0.0.1:@SMTP_PORT@"
    templates_dir: "@TEMPLATES@"
stores:
  - name: people
    module: static
    users:
      - localpart: alice
        threepids: [{medium: email, address: alice@example.org}]
"""


@test
def matrix_js_sdk_as_identity_client():
    if not os.path.isdir(os.path.join(JS, "node_modules", "matrix-js-sdk")):
        check("matrix-js-sdk installed (bash tests/lib/npm.sh)", False, JS)
        return
    if HomeserverPeer.node() is None:
        skip("matrix-js-sdk client", "node is not installed")
        return
    mail_dir = os.path.join(tmp_dir("mail"), "out")
    os.makedirs(mail_dir)
    smtp_port = free_port()
    smtp = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "tests", "peers", "smtp_sink.py"),
                             str(smtp_port), mail_dir], stdin=subprocess.DEVNULL)
    try:
        if not check("SMTP sink up", wait_for(lambda: port_open(smtp_port), 10)):
            return
        with HomeserverPeer("example.org") as hs, Daemon(CONFIG, subst={
                "HS_URL": hs.base_url, "SMTP_PORT": smtp_port,
                "TEMPLATES": os.path.join(ROOT, "etc", "templates")}) as d:
            out, steps, detail = run_js_client("is-client.mjs", {
                "HS_URL": hs.base_url, "IS_URL": "http://127.0.0.1:%d" % d.port,
                "OPENID": json.dumps(hs.openid_token("@bob:example.org")),
                "LOOKUP_EMAIL": "alice@example.org", "VALIDATE_EMAIL": "bob@example.org",
                "MAIL_DIR": mail_dir})
            check("the client ran to the end (exit 0)", out.returncode == 0, detail)
            check("registerWithIdentityServer gives a token",
                  steps.get("register", {}).get("ok") is True, detail)
            check("getTerms + agreeToTerms: one policy accepted",
                  steps.get("terms", {}).get("accepted") == 1, detail)
            check("getIdentityAccount is the OpenID user",
                  steps.get("account", {}).get("user_id") == "@bob:example.org", detail)
            check("identityHashedLookup finds alice",
                  steps.get("lookup", {}).get("result") ==
                  [{"address": "alice@example.org", "mxid": "@alice:example.org"}], detail)
            check("requestEmailToken gives a sid",
                  isinstance(steps.get("request_token", {}).get("sid"), str), detail)
            check("the mail arrived with the validation link",
                  steps.get("mail", {}).get("link") is True, detail)
            check("following the link validates (200 page)",
                  steps.get("submit", {}).get("status") == 200, detail)
            v = steps.get("validated", {})
            check("getValidated3pid: bob's address, validated",
                  v.get("status") == 200 and v.get("body", {}).get("medium") == "email" and
                  v.get("body", {}).get("address") == "bob@example.org" and
                  isinstance(v.get("body", {}).get("validated_at"), int), detail)
            b = steps.get("bind", {})
            check("3pid/bind answers the signed association",
                  b.get("status") == 200 and b.get("mxid") == "@bob:example.org" and b.get("signed"),
                  detail)
            check("identityHashedLookup finds the address just bound",
                  steps.get("bound_lookup", {}).get("result") ==
                  [{"address": "bob@example.org", "mxid": "@bob:example.org"}], detail)
    finally:
        smtp.kill()
        smtp.wait()


if __name__ == "__main__":
    main()
