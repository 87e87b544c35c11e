"""test_binding.py: POST /3pid/bind and /3pid/unbind end to end: an e-mail
validated through the real SMTP sink (validation_env's Env), bound by the
registered user; the signed association (fields, and the ed25519 signature
over canonical JSON checked with node), the hashed lookup seeing the binding
within a second, rebinding to another user, unbind by session, and the
documented errors."""

import copy
import json
import time

from harness import (check, ed25519_verify, lookup_hash, main, register_account, skip, test,
                     wait_for)
from validation_env import V2, Env, parts, token_of

ALICE = "@alice:example.org"
BOB = "@bob:example.org"


def errcode(r):
    return (r.json or {}).get("errcode")


def validate(env, addr, secret, n_mail):
    """Request a token for addr, read it from mail number n_mail and submit
    it; returns the sid."""
    r = env.request_email(addr, secret, 1)
    sid = (r.json or {}).get("sid")
    text, _ = parts(env.wait_mail(n_mail))
    r = env.post("/validate/email/submitToken",
                 {"sid": sid, "client_secret": secret, "token": token_of(text)})
    if r.status != 200:
        raise AssertionError("submitToken answered %r" % (r,))
    return sid


def lookup(env, address, headers=None):
    """The mxid the hashed lookup gives for an e-mail address, or None."""
    d = env.daemon
    hdrs = {"Authorization": "Bearer %s" % d.is_token} if headers is None else headers
    pepper = (d.get(V2 + "/hash_details", headers=hdrs).json or {}).get("lookup_pepper")
    h = lookup_hash(address, "email", pepper)
    r = d.post(V2 + "/lookup", {"algorithm": "sha256", "pepper": pepper, "addresses": [h]},
               headers=hdrs)
    return ((r.json or {}).get("mappings") or {}).get(h)


def bind(env, sid, secret, mxid=ALICE, token=None):
    d = env.daemon
    return d.post(V2 + "/3pid/bind", {"sid": sid, "client_secret": secret, "mxid": mxid},
                  headers={"Authorization": "Bearer %s" % (token or d.is_token)})


def unbind(env, body, headers=None):
    return env.daemon.post(V2 + "/3pid/unbind", body, headers=headers or {})


@test
def bind_signed_association():
    with Env() as env:
        d = env.daemon
        sid = validate(env, "Alice@Example.org", "bs1", 1)
        before = int(time.time() * 1000)
        r = bind(env, sid, "bs1")
        a = r.json or {}
        check("bind: 200 with the association's fields",
              r.status == 200 and set(a) == {"address", "invites", "medium", "mxid", "not_after",
                                             "not_before", "signatures", "ts"}, r)
        check("bind: canonical address, medium, mxid",
              a.get("address") == "alice@example.org" and a.get("medium") == "email" and
              a.get("mxid") == ALICE, a)
        ts = a.get("ts", 0)
        check("bind: ts now, not_before = ts, not_after = ts + 100 years",
              abs(ts - before) < 60000 and a.get("not_before") == ts and
              a.get("not_after") == ts + 100 * 365 * 24 * 3600 * 1000, a)
        sig = ((a.get("signatures") or {}).get("example.org") or {}).get("ed25519:0")
        pub = (d.get(V2 + "/pubkey/ed25519:0").json or {}).get("public_key")
        unsigned = {k: v for k, v in a.items() if k != "signatures"}
        canonical = json.dumps(unsigned, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False)
        verdict = ed25519_verify(canonical, sig or "", pub or "") if sig and pub else "no sig"
        if verdict is None:
            skip("association signature verifies with the server key", "node not installed")
        else:
            check("association signed by example.org ed25519:0, verifies (node)",
                  verdict == "valid", verdict)
        check("hashed lookup finds the binding within a second",
              wait_for(lambda: lookup(env, "alice@example.org") == ALICE, 1.5),
              lookup(env, "alice@example.org"))
        check("no client secret in the log", "bs1" not in d.log_text().replace(sid, ""),
              d.log_tail())


@test
def bind_errors():
    with Env() as env:
        d = env.daemon
        r = env.request_email("carol@example.org", "be1", 1)
        unvalidated = (r.json or {}).get("sid")
        r = bind(env, unvalidated, "be1")
        check("bind an unvalidated session: 400 M_SESSION_NOT_VALIDATED",
              r.status == 400 and errcode(r) == "M_SESSION_NOT_VALIDATED", r)
        r = bind(env, "nosuchsession", "be1")
        check("bind an unknown session: 404 M_NO_VALID_SESSION",
              r.status == 404 and errcode(r) == "M_NO_VALID_SESSION", r)
        r = bind(env, unvalidated, "wrongsecret")
        check("bind with a wrong client_secret: 404 M_NO_VALID_SESSION",
              r.status == 404 and errcode(r) == "M_NO_VALID_SESSION", r)
        sid = validate(env, "dave@example.org", "be2", 2)
        r = bind(env, sid, "be2", mxid=BOB)
        check("bind to another user's mxid: 403 M_UNAUTHORIZED",
              r.status == 403 and errcode(r) == "M_UNAUTHORIZED", r)
        r = d.post(V2 + "/3pid/bind", {"sid": sid, "client_secret": "be2", "mxid": ALICE})
        check("bind without a token: 401 M_UNAUTHORIZED",
              r.status == 401 and errcode(r) == "M_UNAUTHORIZED", r)
        r = d.post(V2 + "/3pid/bind", {"sid": sid, "mxid": ALICE},
                   headers={"Authorization": "Bearer %s" % d.is_token})
        check("bind without client_secret: 400 M_MISSING_PARAMS",
              r.status == 400 and errcode(r) == "M_MISSING_PARAMS", r)
        r = bind(env, sid, "be2", mxid="alice")
        check("bind a malformed mxid: 400 M_INVALID_PARAM",
              r.status == 400 and errcode(r) == "M_INVALID_PARAM", r)
        check("no binding was made", lookup(env, "dave@example.org") is None)


@test
def rebind_and_unbind():
    with Env() as env:
        d = env.daemon
        sid = validate(env, "erin@example.org", "ru1", 1)
        check("alice binds", bind(env, sid, "ru1").status == 200)
        check("lookup: alice", wait_for(lambda: lookup(env, "erin@example.org") == ALICE, 1.5))
        bob_token = register_account(d, env.hs, BOB)
        sid_b = validate(env, "erin@example.org", "ru2", 2)
        r = bind(env, sid_b, "ru2", mxid=BOB, token=bob_token)
        check("bob rebinds the same 3PID: 200, mxid bob",
              r.status == 200 and (r.json or {}).get("mxid") == BOB, r)
        check("lookup: bob now", wait_for(lambda: lookup(env, "erin@example.org") == BOB, 1.5),
              lookup(env, "erin@example.org"))

        tp = {"medium": "email", "address": "Erin@EXAMPLE.org"}
        r = unbind(env, {"mxid": BOB, "threepid": tp})
        check("unbind without any authentication: 401 M_FORBIDDEN",
              r.status == 401 and errcode(r) == "M_FORBIDDEN", r)
        r = unbind(env, {"mxid": BOB, "threepid": tp, "sid": "nosuch", "client_secret": "ru2"})
        check("unbind with an unknown session: 401 M_NO_VALID_SESSION",
              r.status == 401 and errcode(r) == "M_NO_VALID_SESSION", r)
        r = env.request_email("frank@example.org", "ru3", 1)
        unvalidated = (r.json or {}).get("sid")
        r = unbind(env, {"mxid": BOB, "threepid": {"medium": "email",
                                                   "address": "frank@example.org"},
                         "sid": unvalidated, "client_secret": "ru3"})
        check("unbind with an unvalidated session: 403 M_SESSION_NOT_VALIDATED",
              r.status == 403 and errcode(r) == "M_SESSION_NOT_VALIDATED", r)
        other = validate(env, "grace@example.org", "ru4", 4)
        r = unbind(env, {"mxid": BOB, "threepid": tp, "sid": other, "client_secret": "ru4"})
        check("unbind with a session for another 3PID: 403 M_FORBIDDEN",
              r.status == 403 and errcode(r) == "M_FORBIDDEN", r)
        r = unbind(env, {"mxid": BOB, "threepid": tp, "sid": sid_b, "client_secret": "ru2"},
                   headers={"Authorization": 'X-Matrix origin="example.org",key="ed25519:a",'
                                              'sig="c2ln",destination="example.org"'})
        check("X-Matrix unbind with a key the homeserver does not have: 401 M_FORBIDDEN",
              r.status == 401 and errcode(r) == "M_FORBIDDEN", r)
        r = unbind(env, {"mxid": BOB, "threepid": {"medium": "email"}})
        check("unbind without threepid.address: 400 M_MISSING_PARAMS",
              r.status == 400 and errcode(r) == "M_MISSING_PARAMS", r)
        check("the binding is still there", lookup(env, "erin@example.org") == BOB)

        r = unbind(env, {"mxid": BOB, "threepid": tp, "sid": sid_b, "client_secret": "ru2"})
        check("unbind by the validated session (address in any case): 200 {}",
              r.status == 200 and r.json == {}, r)
        check("lookup finds nothing within a second",
              wait_for(lambda: lookup(env, "erin@example.org") is None, 1.5),
              lookup(env, "erin@example.org"))
        r = unbind(env, {"mxid": BOB, "threepid": tp, "sid": sid_b, "client_secret": "ru2"})
        check("unbind again: 200 {}", r.status == 200 and r.json == {}, r)


def signed_header(env, body, origin="example.org", destination="example.org",
                  uri=V2 + "/3pid/unbind", tamper=None):
    """An X-Matrix header for POST uri with body, signed by the homeserver
    peer (its real key); tamper edits the signed object first."""
    env.key_fetches = getattr(env, "key_fetches", 0) + 1
    key_id = next(iter((env.hs.request("GET", "/_matrix/key/v2/server").json or {})
                       .get("verify_keys", {})))
    obj = {"method": "POST", "uri": uri, "origin": origin, "destination_is": destination,
           "content": copy.deepcopy(body)}
    if tamper:
        tamper(obj)
    signed = env.hs.request("POST", "/_test/sign", {"json": obj}).json
    sig = signed["signatures"]["example.org"][key_id]
    return {"Authorization": 'X-Matrix origin="%s",key="%s",sig="%s",destination="%s"'
                             % (origin, key_id, sig, destination)}


@test
def unbind_signed_by_homeserver():
    with Env() as env:
        sid = validate(env, "ivan@example.org", "xm1", 1)
        check("bind", bind(env, sid, "xm1").status == 200)
        check("lookup: alice", wait_for(lambda: lookup(env, "ivan@example.org") == ALICE, 1.5))
        body = {"mxid": ALICE, "threepid": {"medium": "email", "address": "ivan@example.org"}}

        r = unbind(env, body, signed_header(env, body, tamper=lambda o: o["content"].update(
            mxid="@mallory:example.org")))
        check("X-Matrix over other content: 401 M_FORBIDDEN",
              r.status == 401 and errcode(r) == "M_FORBIDDEN", r)
        r = unbind(env, body, signed_header(env, body, uri=V2 + "/3pid/bind"))
        check("X-Matrix signed for another uri: 401 M_FORBIDDEN",
              r.status == 401 and errcode(r) == "M_FORBIDDEN", r)
        r = unbind(env, body, signed_header(env, body, destination="other.example"))
        check("X-Matrix for another identity server: 401 M_FORBIDDEN",
              r.status == 401 and errcode(r) == "M_FORBIDDEN", r)
        r = unbind(env, body, {"Authorization": "X-Matrix origin=example.org"})
        check("malformed X-Matrix header: 401 M_FORBIDDEN",
              r.status == 401 and errcode(r) == "M_FORBIDDEN", r)
        foreign = {"mxid": "@alice:other.org", "threepid": body["threepid"]}
        r = unbind(env, foreign, signed_header(env, foreign))
        check("X-Matrix for a user of another server: 403 M_FORBIDDEN",
              r.status == 403 and errcode(r) == "M_FORBIDDEN", r)
        check("the binding is still there", lookup(env, "ivan@example.org") == ALICE)

        r = unbind(env, body, signed_header(env, body))
        check("X-Matrix signed by the mxid's homeserver: 200 {}",
              r.status == 200 and r.json == {}, r)
        check("lookup finds nothing within a second",
              wait_for(lambda: lookup(env, "ivan@example.org") is None, 1.5))
        r = unbind(env, body, signed_header(env, body))
        check("again, with the cached key: 200 {}", r.status == 200 and r.json == {}, r)
        # The test asks for the key in every signed_header(); mxgate once,
        # later checks come from its cache.
        fetches = env.hs.log_text().count("GET /_matrix/key/v2/server") - env.key_fetches
        check("mxgate fetched the key once (cached until valid_until_ts)", fetches == 1, fetches)


# A static store that gives judy's address to another user.
STORE = """stores:
  - name: people
    module: static
    users:
      - localpart: olduser
        threepids:
          - {medium: email, address: judy@example.org}"""


@test
def binding_wins_over_stores():
    with Env(extra=STORE) as env:
        check("before: the store's owner",
              lookup(env, "judy@example.org") == "@olduser:example.org",
              lookup(env, "judy@example.org"))
        sid = validate(env, "judy@example.org", "bw1", 1)
        check("bind", bind(env, sid, "bw1").status == 200)
        check("after the bind: the binding's owner, within a second",
              wait_for(lambda: lookup(env, "judy@example.org") == ALICE, 1.5),
              lookup(env, "judy@example.org"))
        r = unbind(env, {"mxid": ALICE, "threepid": {"medium": "email",
                                                     "address": "judy@example.org"},
                         "sid": sid, "client_secret": "bw1"})
        check("unbind: 200", r.status == 200, r)
        check("after the unbind: the store's owner again",
              wait_for(lambda: lookup(env, "judy@example.org") == "@olduser:example.org", 1.5),
              lookup(env, "judy@example.org"))


@test
def binding_survives_restart():
    with Env() as env:
        d = env.daemon
        sid = validate(env, "heidi@example.org", "sr1", 1)
        check("bind", bind(env, sid, "sr1").status == 200)
        d.stop()
        d.start()
        check("after a restart the index holds the binding at once",
              lookup(env, "heidi@example.org") == ALICE, d.log_tail())


if __name__ == "__main__":
    main()
