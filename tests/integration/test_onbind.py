"""test_onbind.py: pending room invites handed to the homeserver on bind
(POST /_matrix/federation/v1/3pid/onbind, spec digest A.6): an invite stored
for an e-mail address, the address validated and bound; the homeserver peer
receives the onbind with the invite, signed by the identity server (checked
with Node's ed25519 over canonical JSON), and the association carries it
too; delivery retried after failures, surviving a daemon restart; and an
onbind with no invites at all, as sydent sends."""

from harness import canonical_json, check, ed25519_verify, main, skip, test, wait_for
from validation_env import V2, Env, parts, token_of

ALICE = "@alice:example.org"
ROOM = "!tea:example.org"


def store_invite(env, address):
    r = env.post("/store-invite", {"medium": "email", "address": address, "room_id": ROOM,
                                   "sender": ALICE})
    if r.status != 200:
        raise AssertionError("store-invite answered %r" % (r,))
    return r.json["token"]


def validate_and_bind(env, addr, secret, n_mail):
    """Validate addr with the token from mail number n_mail, then bind it to
    alice; returns the bind response."""
    r = env.request_email(addr, secret, 1)
    sid = (r.json or {}).get("sid")
    text, _ = parts(env.wait_mail(n_mail))
    r = env.post("/validate/email/submitToken",
                 {"sid": sid, "client_secret": secret, "token": token_of(text)})
    if r.status != 200:
        raise AssertionError("submitToken answered %r" % (r,))
    d = env.daemon
    return d.post(V2 + "/3pid/bind", {"sid": sid, "client_secret": secret, "mxid": ALICE},
                  headers={"Authorization": "Bearer %s" % d.is_token})


def onbinds(env):
    return (env.hs.request("GET", "/_test/onbind").json or {}).get("onbind") or []


def for_address(env, address):
    return [b for b in onbinds(env) if b.get("address") == address]


def check_signed(env, what, inv, token):
    signed = inv.get("signed") or {}
    sig = ((signed.get("signatures") or {}).get("example.org") or {}).get("ed25519:0")
    pub = (env.daemon.get(V2 + "/pubkey/ed25519:0").json or {}).get("public_key")
    check(what + ": signed {mxid, token}",
          signed.get("mxid") == ALICE and signed.get("token") == token and sig, inv)
    unsigned = {k: v for k, v in signed.items() if k != "signatures"}
    verdict = ed25519_verify(canonical_json(unsigned), sig or "", pub or "")
    if verdict is None:
        skip(what + ": signature verifies with the server key", "node not installed")
    else:
        check(what + ": signature verifies with the server key (node)", verdict == "valid",
              verdict)


@test
def onbind_delivers_invite():
    with Env() as env:
        token = store_invite(env, "Dave@Example.org")
        r = validate_and_bind(env, "dave@example.org", "ob1", 2)
        check("bind: 200", r.status == 200, r)
        invites = (r.json or {}).get("invites")
        check("association carries the invite",
              isinstance(invites, list) and len(invites) == 1 and
              invites[0].get("room_id") == ROOM and invites[0].get("sender") == ALICE and
              invites[0].get("mxid") == ALICE and invites[0].get("medium") == "email" and
              invites[0].get("address") == "dave@example.org", r.json)
        if invites:
            check_signed(env, "association invite", invites[0], token)
        got = wait_for(lambda: for_address(env, "dave@example.org"), 10)
        check("homeserver received the onbind", got, onbinds(env))
        body = (got or [{}])[0]
        check("onbind: medium, address, mxid",
              body.get("medium") == "email" and body.get("mxid") == ALICE, body)
        inv = (body.get("invites") or [{}])
        check("onbind: one invite for the room", len(inv) == 1 and
              inv[0].get("room_id") == ROOM and inv[0].get("sender") == ALICE, body)
        check_signed(env, "onbind invite", inv[0], token)
        # Delivered: a second bind of the address carries no invite.
        r = validate_and_bind(env, "dave@example.org", "ob2", 3)
        check("rebind: the delivered invite is not carried again",
              r.status == 200 and (r.json or {}).get("invites") == [], r.json)
        got = wait_for(lambda: len(for_address(env, "dave@example.org")) == 2, 10)
        check("rebind: onbind sent with invites []",
              got and for_address(env, "dave@example.org")[1].get("invites") == [],
              onbinds(env))


@test
def onbind_without_invites():
    with Env() as env:
        r = validate_and_bind(env, "erin@example.org", "ob3", 1)
        check("bind: 200, invites []", r.status == 200 and (r.json or {}).get("invites") == [],
              r)
        got = wait_for(lambda: for_address(env, "erin@example.org"), 10)
        check("onbind sent without invites (as sydent)",
              got and got[0].get("invites") == [] and got[0].get("mxid") == ALICE,
              onbinds(env))


@test
def onbind_retried():
    with Env() as env:
        env.hs.behave(onbind_fail_first=2)
        store_invite(env, "frank@example.org")
        r = validate_and_bind(env, "frank@example.org", "ob4", 2)
        check("bind: 200", r.status == 200, r)
        # Backoff 2 s then 4 s: delivered on the third call.
        got = wait_for(lambda: len(for_address(env, "frank@example.org")) >= 3, 20)
        check("delivered on the third call", got, onbinds(env))
        check("no fourth call: the job was removed",
              not wait_for(lambda: len(for_address(env, "frank@example.org")) > 3, 3),
              onbinds(env))
        check("retries logged", "answered 500" in env.daemon.log_text(),
              env.daemon.log_tail())


@test
def onbind_survives_restart():
    with Env() as env:
        d = env.daemon
        env.hs.behave(onbind_status=500)
        token = store_invite(env, "grace@example.org")
        r = validate_and_bind(env, "grace@example.org", "ob5", 2)
        check("bind: 200", r.status == 200, r)
        check("first call refused by the peer",
              wait_for(lambda: for_address(env, "grace@example.org"), 10), onbinds(env))
        check("stopped cleanly", d.stop() == 0)
        env.hs.behave(onbind_status=200)
        n = len(for_address(env, "grace@example.org"))
        d.start()
        got = wait_for(lambda: len(for_address(env, "grace@example.org")) > n, 15)
        check("delivered after the restart", got, onbinds(env))
        last = for_address(env, "grace@example.org")[-1]
        check("with the invite", [i.get("signed", {}).get("token")
                                  for i in last.get("invites") or []] == [token], last)


if __name__ == "__main__":
    main()
