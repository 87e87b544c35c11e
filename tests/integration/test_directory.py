"""test_directory.py: what mxgate adds on the client resource besides login,
in front of the homeserver peer (tests/peers/homeserver.mjs): user directory
search merged with the stores (order, one entry per user, limit, limited,
the homeserver's 401, a store or the homeserver down), profiles filled in
from the stores, and /.well-known/matrix/client."""

import time

from harness import Daemon, check, test, main, free_port, with_homeserver_peer

SEARCH = "/_matrix/client/v3/user_directory/search"
TOKEN = "syt_directory_test_token"
AUTH = {"Authorization": "Bearer " + TOKEN}

CONFIG = """
server_name: example.org
public_baseurl: "https://id.example.org/"
data_dir: "@DATA_DIR@"
plugin_dir: "@PLUGIN_DIR@"
log:
  file: "@LOG_FILE@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [client, identity, health]
database:
  driver: sqlite
homeserver:
  base_url: "@HS@"
  timeout: 2s
  connect_timeout: 1s
client:
@CLIENT@
stores:
@STORES@
"""

STATIC = """
  - name: people
    module: static
    users:
      - {localpart: alice, display_name: "Alice Store"}
      - {localpart: alina, display_name: "Alina Anders", avatar_url: "mxc://example.org/alina"}
      - {localpart: alfred, display_name: "Alfred Bauer"}
      - {localpart: carol, display_name: "Carol Chen"}
"""

DOWN = """
  - name: iam
    module: rest
    priority: 200
    url: "http://127.0.0.1:%d"
    timeout: 2s
"""

HS_PEOPLE = [
    {"user_id": "@alice:example.org", "display_name": "Alice at the HS"},
    {"user_id": "@alex:example.org", "display_name": "Alex"},
    {"user_id": "@zed:other.org", "display_name": "Zed Alarm"},
]


def mxgate(peer, client="  profile: {fill_from_stores: true}", stores=STATIC, hs=None):
    return Daemon(CONFIG, subst={"HS": hs or peer.base_url, "CLIENT": client,
                                 "STORES": stores})


def ids(r):
    return [e.get("user_id") for e in (r.json or {}).get("results", [])]


@test
@with_homeserver_peer(tokens=[TOKEN], directory=HS_PEOPLE)
def merged_search(peer):
    with mxgate(peer) as d:
        r = d.post(SEARCH, {"search_term": "al"}, headers=AUTH)
        check("search: 200", r.status == 200, r)
        check("search: the homeserver's results first, then the stores', one entry each",
              ids(r)[:3] == ["@alice:example.org", "@alex:example.org", "@zed:other.org"] and
              sorted(ids(r)[3:]) == ["@alfred:example.org", "@alina:example.org"], ids(r))
        first = r.json["results"][0]
        check("search: the homeserver's entry wins over the store's",
              first.get("display_name") == "Alice at the HS", first)
        alina = [e for e in r.json["results"] if e["user_id"] == "@alina:example.org"]
        check("search: a store's person has name and avatar",
              alina == [{"user_id": "@alina:example.org", "display_name": "Alina Anders",
                         "avatar_url": "mxc://example.org/alina"}], alina)
        check("search: nothing left out, limited false", r.json.get("limited") is False, r.json)
        r = d.post("/_matrix/client/r0/user_directory/search",
                   {"search_term": "al", "limit": 4}, headers=AUTH)
        check("limit 4 (r0): four results, limited true",
              len(ids(r)) == 4 and r.json.get("limited") is True, r.json)
        r = d.post(SEARCH, {"search_term": "al", "limit": 2}, headers=AUTH)
        check("limit 2: only the homeserver's, limited true",
              ids(r) == ["@alice:example.org", "@alex:example.org"] and
              r.json.get("limited") is True, r.json)
        r = d.post(SEARCH, {"search_term": "@car"}, headers=AUTH)
        check("a leading @: the stores search without it", ids(r) == ["@carol:example.org"],
              ids(r))
        r = d.post(SEARCH, {"search_term": "a"}, headers=AUTH)
        check("a one-character term: the homeserver's results only",
              r.status == 200 and ids(r) == [e["user_id"] for e in HS_PEOPLE], ids(r))
        reqs = peer.request("GET", "/_test/requests").json["requests"]
        check("the homeserver was asked with the caller's token and X-Forwarded-For",
              reqs and all(q["authorization"] and q["x_forwarded_for"] == "127.0.0.1"
                           for q in reqs), reqs)


@test
@with_homeserver_peer(tokens=[TOKEN], directory=HS_PEOPLE)
def search_refusals(peer):
    with mxgate(peer) as d:
        r = d.post(SEARCH, {"search_term": "al"})
        check("no token: the homeserver's 401 M_MISSING_TOKEN as it is",
              r.status == 401 and r.json.get("errcode") == "M_MISSING_TOKEN", r)
        r = d.post(SEARCH, {"search_term": "al"}, headers={"Authorization": "Bearer nope"})
        check("a wrong token: 401 M_UNKNOWN_TOKEN", r.status == 401 and
              r.json.get("errcode") == "M_UNKNOWN_TOKEN", r)
        for name, body, errcode in (
                ("no search_term", {"limit": 3}, "M_MISSING_PARAM"),
                ("search_term a number", {"search_term": 5}, "M_BAD_JSON"),
                ("limit a string", {"search_term": "al", "limit": "3"}, "M_BAD_JSON"),
                ("limit negative", {"search_term": "al", "limit": -1}, "M_BAD_JSON"),
                ("an array", [], "M_BAD_JSON")):
            r = d.post(SEARCH, body, headers=AUTH)
            check("%s: 400 %s" % (name, errcode), r.status == 400 and
                  (r.json or {}).get("errcode") == errcode, r)
        r = d.request("POST", SEARCH, b"{oops", headers=dict(AUTH, **{
            "Content-Type": "application/json"}))
        check("not JSON: 400 M_NOT_JSON", r.status == 400 and
              r.json.get("errcode") == "M_NOT_JSON", r)
        r = d.post(SEARCH, {"search_term": "al", "limit": 100000}, headers=AUTH)
        check("a huge limit is capped (max_limit), not an error", r.status == 200 and
              len(ids(r)) == 5, r)


@test
@with_homeserver_peer(tokens=[TOKEN], directory=HS_PEOPLE)
def search_outages(peer):
    with mxgate(peer, stores=DOWN % free_port()) as d:
        t0 = time.monotonic()
        r = d.post(SEARCH, {"search_term": "al"}, headers=AUTH)
        check("the only store down: the homeserver's results intact",
              r.status == 200 and ids(r) == [e["user_id"] for e in HS_PEOPLE], r)
        check("the only store down: answered promptly (%.1f s)" % (time.monotonic() - t0),
              time.monotonic() - t0 < 3.0)
        log = open(d.log_file, encoding="utf-8").read()
        check("the only store down: a warning in the log", "directory:" in log, log[-1000:])
    with mxgate(peer, stores=STATIC + DOWN % free_port()) as d:
        r = d.post(SEARCH, {"search_term": "car"}, headers=AUTH)
        check("one store of two down: the other's people still merged",
              r.status == 200 and ids(r) == ["@carol:example.org"], r)
    with mxgate(peer, hs="http://127.0.0.1:%d" % free_port()) as d:
        r = d.post(SEARCH, {"search_term": "al"}, headers=AUTH)
        check("homeserver down: 502 M_UNKNOWN", r.status == 502 and
              r.json.get("errcode") == "M_UNKNOWN", r)
    peer.behave(directory_delay_ms=5000)
    with mxgate(peer) as d:
        t0 = time.monotonic()
        r = d.post(SEARCH, {"search_term": "al"}, headers=AUTH)
        took = time.monotonic() - t0
        check("homeserver slow: 504 after homeserver.timeout (%.1f s)" % took,
              r.status == 504 and 1.5 < took < 4.5, r)
    peer.behave(directory_delay_ms=0)
    with mxgate(peer, client="  directory: {enabled: false}") as d:
        r = d.post(SEARCH, {"search_term": "al"}, headers=AUTH)
        check("directory off: the homeserver's answer only",
              r.status == 200 and ids(r) == [e["user_id"] for e in HS_PEOPLE], r)


@test
@with_homeserver_peer(tokens=[TOKEN], directory=HS_PEOPLE)
def profiles(peer):
    peer.behave(profiles={
        "@carol:example.org": {"displayname": "Carol (set at the HS)"},
        "@alfred:example.org": {"avatar_url": "mxc://example.org/alfred"},
    })
    with mxgate(peer, client="  profile: {fill_from_stores: false}") as d:
        r = d.get("/_matrix/client/v3/profile/@alice:example.org")
        check("fill off: the homeserver's 404 as it is", r.status == 404 and
              r.json.get("errcode") == "M_NOT_FOUND", r)
    with mxgate(peer) as d:
        r = d.get("/_matrix/client/v3/profile/@alina:example.org")
        check("not at the homeserver: the store's name and avatar",
              r.status == 200 and r.json == {"displayname": "Alina Anders",
                                             "avatar_url": "mxc://example.org/alina"}, r)
        r = d.get("/_matrix/client/r0/profile/%40alina%3Aexample.org/displayname")
        check("displayname key (encoded path, r0): the store's",
              r.status == 200 and r.json == {"displayname": "Alina Anders"}, r)
        r = d.get("/_matrix/client/v3/profile/@carol:example.org")
        check("set at the homeserver: the homeserver's wins",
              r.status == 200 and r.json == {"displayname": "Carol (set at the HS)"}, r)
        r = d.get("/_matrix/client/v3/profile/@alfred:example.org")
        check("a homeserver profile without a name: the store's name added",
              r.json == {"avatar_url": "mxc://example.org/alfred",
                         "displayname": "Alfred Bauer"}, r)
        r = d.get("/_matrix/client/v3/profile/@nobody:example.org")
        check("nobody anywhere: the homeserver's 404", r.status == 404, r)
        r = d.get("/_matrix/client/v3/profile/@alice:other.org")
        check("another server's user: never filled", r.status == 404, r)
        r = d.request("PUT", "/_matrix/client/v3/profile/@alina:example.org/displayname",
                      {"displayname": "Alina (mine)"}, headers=AUTH)
        check("PUT displayname: passed to the homeserver", r.status == 200, r)
        r = d.get("/_matrix/client/v3/profile/@alina:example.org/displayname")
        check("after PUT: what the person set wins",
              r.json == {"displayname": "Alina (mine)"}, r)
    with mxgate(peer, hs="http://127.0.0.1:%d" % free_port()) as d:
        r = d.get("/_matrix/client/v3/profile/@alina:example.org")
        check("homeserver down: 502, not invented from the stores", r.status == 502, r)


@test
@with_homeserver_peer(tokens=[TOKEN], directory=HS_PEOPLE)
def well_known(peer):
    with mxgate(peer) as d:
        r = d.get("/.well-known/matrix/client")
        check("not configured: 404 M_NOT_FOUND", r.status == 404 and
              r.json.get("errcode") == "M_NOT_FOUND", r)
    client = "  well_known: {homeserver: \"https://matrix.example.org\"}"
    with mxgate(peer, client=client) as d:
        r = d.get("/.well-known/matrix/client", headers={"Origin": "https://app.example"})
        check("configured: m.homeserver, and m.identity_server from public_baseurl",
              r.status == 200 and r.json == {
                  "m.homeserver": {"base_url": "https://matrix.example.org"},
                  "m.identity_server": {"base_url": "https://id.example.org"}}, r)
        check("CORS: Access-Control-Allow-Origin *",
              r.headers.get("access-control-allow-origin") == "*", r.headers)
        check("JSON content type", r.headers.get("content-type", "").startswith(
            "application/json"), r.headers)
    client = ("  well_known:\n    homeserver: \"https://matrix.example.org\"\n"
              "    identity_server: \"https://is.example.net\"")
    with mxgate(peer, client=client) as d:
        r = d.get("/.well-known/matrix/client")
        check("identity_server as configured",
              r.json.get("m.identity_server") == {"base_url": "https://is.example.net"}, r)


if __name__ == "__main__":
    main()
