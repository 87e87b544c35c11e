"""test_invites.py: third-party room invites end to end: POST store-invite
with the invitation delivered to a real SMTP server (aiosmtpd,
tests/peers/smtp_sink.py), the response Synapse builds the room event from,
the refusals (sender not the token's user, not e-mail, address already
bound), POST sign-ed25519 with the private key from the mail (the signature
is verified with Node's ed25519 over canonical JSON), and the key validity
endpoints."""

import base64
import json
import os
import re
import urllib.parse

from harness import canonical_json, check, ed25519_verify, main, register_account, skip, test
from validation_env import Env as ValidationEnv, parts

V2 = "/_matrix/identity/v2"
ROOM = "!tea:example.org"

# carol's address is known to a store: inviting it is refused.
STORES = """stores:
  - name: people
    module: static
    users:
      - localpart: carol
        threepids:
          - {medium: email, address: Carol@Example.org}"""


class Env(ValidationEnv):
    """The validation environment (SMTP sink, homeserver peer, @alice
    registered as env.token) with carol in a store, and invite helpers."""

    def __init__(self, rate_limits=ValidationEnv.NO_LIMITS):
        super().__init__(rate_limits=rate_limits, extra=STORES)
        self.token = self.daemon.is_token

    def post(self, path, body, token=True):
        if token is True:
            token = self.token
        headers = {"Authorization": "Bearer %s" % token} if token else {}
        return self.daemon.post(V2 + path, body, headers=headers)

    def get(self, path):
        return self.daemon.get(V2 + path)

    def invite(self, address="Dave@Example.org", token=True, **extra):
        body = {"medium": "email", "address": address, "room_id": ROOM,
                "sender": "@alice:example.org", "room_name": "Tea & <biscuits>",
                "sender_display_name": "Alice L.",
                "org.matrix.web_client_location": "https://app.example.org"}
        body.update(extra)
        return self.post("/store-invite", body, token)


def errcode(r):
    return (r.json or {}).get("errcode")


def sign_params(text):
    """token and private_key of the sign URL inside the join link of a mail."""
    m = re.search(r"(https://app\.example\.org/\S+)", text or "")
    if not m:
        return None, None
    link = urllib.parse.urlsplit(m.group(1))
    q = urllib.parse.parse_qs(link.fragment.split("?", 1)[1] if "?" in link.fragment else "")
    sign = urllib.parse.urlsplit((q.get("signurl") or [""])[0])
    sq = urllib.parse.parse_qs(sign.query)
    return (sq.get("token") or [None])[0], (sq.get("private_key") or [None])[0]


@test
def store_invite():
    with Env() as env:
        d = env.daemon
        r = env.invite()
        body = r.json or {}
        check("store-invite: 200", r.status == 200, r)
        token = body.get("token", "")
        check("token: [0-9a-zA-Z.=_-], at most 255",
              re.fullmatch(r"[0-9a-zA-Z.=_-]{16,255}", token) is not None, body)
        server_pub = (d.get(V2 + "/pubkey/ed25519:0").json or {}).get("public_key")
        keys = body.get("public_keys") or [{}, {}]
        base = "http://127.0.0.1:%d/_matrix/identity/v2/" % d.port
        check("public_keys[0]: the server key with pubkey/isvalid",
              keys[0] == {"public_key": server_pub, "key_validity_url": base + "pubkey/isvalid"},
              body)
        eph = keys[1].get("public_key", "") if len(keys) > 1 else ""
        check("public_keys[1]: an ephemeral key (URL-safe unpadded b64) with ephemeral/isvalid",
              len(keys) == 2 and re.fullmatch(r"[A-Za-z0-9_-]{43}", eph) is not None and
              eph != server_pub and
              keys[1].get("key_validity_url") == base + "pubkey/ephemeral/isvalid", body)
        check("legacy public_key: the server key", body.get("public_key") == server_pub, body)
        check("display_name: redacted as sydent does", body.get("display_name") == "dav...@exa...",
              body)

        msg = env.wait_mail(1)
        if not check("the invitation was delivered", msg is not None, d.log_tail()):
            return
        with open(os.path.join(env.mail_dir, "mail-1.json")) as f:
            envelope = json.load(f)
        check("sent to the canonical address", envelope["rcpt_tos"] == ["dave@example.org"],
              envelope)
        check("subject names the inviter and the room",
              "Alice L. invited you to Tea & <biscuits>" in str(msg["subject"]), msg["subject"])
        text, html = parts(msg)
        check("text names the sender and the room",
              "@alice:example.org" in (text or "") and "Tea & <biscuits>" in (text or ""), text)
        check("HTML escapes the values", "Tea &amp; &lt;biscuits&gt;" in (html or "") and
              "<biscuits>" not in (html or ""), html)
        mtoken, priv = sign_params(text)
        check("the join link carries the invite token and a private key",
              mtoken == token and priv is not None, text)

        r = env.get("/pubkey/ephemeral/isvalid?public_key=" + urllib.parse.quote(eph))
        check("ephemeral/isvalid: the invite's key is valid",
              r.status == 200 and r.json == {"valid": True}, r)
        r = env.get("/pubkey/ephemeral/isvalid?public_key=" + urllib.parse.quote(server_pub))
        check("ephemeral/isvalid: another key is not", r.status == 200 and
              r.json == {"valid": False}, r)
        r = env.get("/pubkey/ephemeral/isvalid")
        check("ephemeral/isvalid without public_key: 400 M_MISSING_PARAMS",
              r.status == 400 and errcode(r) == "M_MISSING_PARAMS", r)
        r = env.get("/pubkey/isvalid?public_key=" + urllib.parse.quote(server_pub))
        check("pubkey/isvalid: the server key is still valid",
              r.status == 200 and r.json == {"valid": True}, r)

        # sign-ed25519 with the private key from the mail
        r = env.post("/sign-ed25519", {"mxid": "@dave:example.org", "token": token,
                                       "private_key": priv or ""})
        signed = r.json or {}
        check("sign-ed25519: 200 {mxid, sender, token, signatures}",
              r.status == 200 and sorted(signed) == ["mxid", "sender", "signatures", "token"] and
              signed.get("sender") == "@alice:example.org" and
              signed.get("mxid") == "@dave:example.org" and signed.get("token") == token, r)
        sig = (signed.get("signatures") or {}).get("example.org", {}).get("ed25519:0")
        check("signed by example.org ed25519:0", isinstance(sig, str), signed)
        verdict = ed25519_verify(canonical_json({k: v for k, v in signed.items()
                                            if k != "signatures"}), sig or "", eph) \
            if sig else "no sig"
        if verdict is None:
            skip("sign-ed25519 signature verifies with the ephemeral key", "node not installed")
        else:
            check("sign-ed25519 signature verifies with the ephemeral key (node)",
                  verdict == "valid", verdict)
        # the seed in the other alphabet, padded: same key, same signature
        if priv:
            std = base64.b64encode(base64.urlsafe_b64decode(priv + "=" * (-len(priv) % 4)))
            r = env.post("/sign-ed25519", {"mxid": "@dave:example.org", "token": token,
                                           "private_key": std.decode()})
            check("sign-ed25519 takes the standard alphabet, padded",
                  r.status == 200 and r.json == signed, r)

        r = env.post("/sign-ed25519", {"mxid": "@dave:example.org", "token": "nope",
                                       "private_key": priv or ""})
        check("sign-ed25519, unknown token: 404 M_UNRECOGNIZED",
              r.status == 404 and errcode(r) == "M_UNRECOGNIZED", r)
        r = env.post("/sign-ed25519", {"mxid": "@dave:example.org", "token": token,
                                       "private_key": "c2hvcnQ"})
        check("sign-ed25519, not a 32-byte seed: 400 M_INVALID_PARAM",
              r.status == 400 and errcode(r) == "M_INVALID_PARAM", r)
        r = env.post("/sign-ed25519", {"mxid": "@dave:example.org", "token": token})
        check("sign-ed25519 without private_key: 400 M_MISSING_PARAMS",
              r.status == 400 and errcode(r) == "M_MISSING_PARAMS", r)
        r = env.post("/sign-ed25519", {"mxid": "@dave:example.org", "token": token,
                                       "private_key": priv or ""}, token=False)
        check("sign-ed25519 without a token: 401", r.status == 401, r)

        log = d.log_text()
        check("neither the invite token nor the private key in the log",
              token not in log and (priv or "@") not in log, d.log_tail())


@test
def store_invite_refusals():
    with Env() as env:
        r = env.invite(sender="@mallory:example.org")
        check("sender is not the token's user: 403 M_UNAUTHORIZED",
              r.status == 403 and errcode(r) == "M_UNAUTHORIZED", r)
        r = env.invite(medium="msisdn", address="447700900123")
        check("medium msisdn: 400 M_UNRECOGNIZED",
              r.status == 400 and errcode(r) == "M_UNRECOGNIZED", r)
        r = env.invite(address="not-an-address")
        check("not an e-mail address: 400 M_INVALID_EMAIL",
              r.status == 400 and errcode(r) == "M_INVALID_EMAIL", r)
        r = env.invite(room_id=None)
        check("room_id missing: 400 M_MISSING_PARAMS",
              r.status == 400 and errcode(r) == "M_MISSING_PARAMS", r)
        r = env.invite(address="carol@EXAMPLE.org")
        check("address already bound: 400 M_THREEPID_IN_USE with mxid",
              r.status == 400 and errcode(r) == "M_THREEPID_IN_USE" and
              (r.json or {}).get("mxid") == "@carol:example.org", r)
        r = env.post("/store-invite", {"medium": "email", "address": "dave@example.org",
                                       "room_id": ROOM, "sender": "@alice:example.org"},
                     token=False)
        check("without a token: 401 M_UNAUTHORIZED",
              r.status == 401 and errcode(r) == "M_UNAUTHORIZED", r)
        check("no mail for any of them", env.mails() == [], env.mails())


@test
def store_invite_rate_limited_per_sender():
    # One request a minute, burst 1: the homeserver calls for all its users
    # from one address, so the limit is the inviting user's, not the IP's.
    with Env(rate_limits="  request_token: {per_second: 0.0167, burst: 1}\n"
                         "  register: {per_second: 0}") as env:
        r = env.invite()
        check("first invite: 200", r.status == 200, r)
        r = env.invite(address="erin@example.org")
        check("second invite by the same user at once: 429 M_LIMIT_EXCEEDED",
              r.status == 429 and errcode(r) == "M_LIMIT_EXCEEDED" and
              r.headers.get("retry-after") is not None, r)
        bob = register_account(env.daemon, env.hs, "@bob:example.org")
        r = env.invite(address="erin@example.org", sender="@bob:example.org", token=bob)
        check("another user from the same address: 200", r.status == 200, r)


if __name__ == "__main__":
    main()
