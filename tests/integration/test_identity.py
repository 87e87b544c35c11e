"""test_identity.py: the identity slice end to end: a client's hashed 3PID
lookup answered from the static store through the daemon, the pepper's
persistence, the lookup errors, and the signing key endpoints."""

import os
import re

from harness import Daemon, check, test, main, lookup_hash, run_cli

HASH_SHA512 = "$6$mxgatetestsalt$2HFrpLgJW.xs8zRQyNdMv0tgu28C.j8/LaBbZS/uvn72mYukr9Qy1a.4xW8cq5Vcs4d5xIpba/vdVnDTdbqzg."

CONFIG = """
server_name: example.org
data_dir: "@DATA_DIR@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [identity, health]
database:
  driver: sqlite
lookup:
  # The lookup itself is the point here; test_accounts.py covers the token.
  require_auth: false
  max_addresses: 5
  algorithms: [sha256, none]
stores:
  - name: people
    module: static
    users:
      - localpart: alice
        display_name: Alice Liddell
        password_hash: "%s"
        threepids:
          - {medium: email, address: Alice@Example.org}
          - {medium: msisdn, address: "+44 7700 900123"}
      - localpart: bob
        threepids:
          - {medium: email, address: bob@example.org}
    users_file: "@USERS_FILE@"
""" % HASH_SHA512

V2 = "/_matrix/identity/v2"


def users_file(path):
    with open(path, "w") as f:
        f.write("carol\tCarol\t\temail:carol@example.org\n")
    return path


def daemon(**kw):
    tmp = os.environ.get("MXGATE_TEST_TMP", "/tmp")
    path = users_file(os.path.join(tmp, "users-%d.tsv" % os.getpid()))
    return Daemon(CONFIG, subst={"USERS_FILE": path}, **kw)


@test
def discovery():
    with daemon() as d:
        r = d.get(V2)
        check("GET /v2 answers 200 {}", r.status == 200 and r.json == {}, r)
        r = d.get("/_matrix/identity/v2/")
        check("GET /v2/ (trailing slash) answers 200 {}", r.status == 200 and r.json == {}, r)
        r = d.get("/_matrix/identity/versions")
        check("GET /versions lists versions", r.status == 200 and "versions" in (r.json or {}), r)
        check("CORS header on identity replies",
              r.headers.get("access-control-allow-origin") == "*", r.headers)


@test
def hashed_lookup():
    with daemon() as d:
        r = d.get(V2 + "/hash_details")
        check("hash_details 200", r.status == 200, r)
        pepper = (r.json or {}).get("lookup_pepper")
        check("hash_details gives a pepper", isinstance(pepper, str) and len(pepper) >= 16, r.json)
        check("hash_details algorithms", sorted((r.json or {}).get("algorithms", [])) ==
              ["none", "sha256"], r.json)
        hashes = {
            "alice": lookup_hash("alice@example.org", "email", pepper),
            "alice_phone": lookup_hash("447700900123", "msisdn", pepper),
            "bob": lookup_hash("bob@example.org", "email", pepper),
            "carol": lookup_hash("carol@example.org", "email", pepper),
            "nobody": lookup_hash("nobody@example.org", "email", pepper),
        }
        r = d.post(V2 + "/lookup", {"algorithm": "sha256", "pepper": pepper,
                                     "addresses": list(hashes.values())})
        check("lookup 200", r.status == 200, r)
        m = (r.json or {}).get("mappings", {})
        check("lookup maps alice's e-mail (stored mixed-case)",
              m.get(hashes["alice"]) == "@alice:example.org", m)
        check("lookup maps alice's phone (stored with + and spaces)",
              m.get(hashes["alice_phone"]) == "@alice:example.org", m)
        check("lookup maps bob", m.get(hashes["bob"]) == "@bob:example.org", m)
        check("lookup maps carol from users_file", m.get(hashes["carol"]) == "@carol:example.org", m)
        check("lookup omits unknown addresses", hashes["nobody"] not in m and len(m) == 4, m)

        r = d.post(V2 + "/lookup", {"algorithm": "none", "pepper": pepper,
                                     "addresses": ["ALICE@example.org email", "bob@example.org msisdn",
                                                   "garbage"]})
        check("lookup none: canonical match, key echoed as sent",
              r.status == 200 and r.json == {"mappings": {"ALICE@example.org email": "@alice:example.org"}},
              r)

        # The same lookup written with escapes takes the general JSON path:
        # the answer must not differ.
        escaped = ('{"algorithm":"none","pepper":"%s","addresses":["ALICE\\u0040example.org email"]}'
                   % pepper)
        r = d.post(V2 + "/lookup", escaped, {"Content-Type": "application/json"})
        check("lookup with JSON escapes: same answer, key unescaped",
              r.status == 200 and r.json == {"mappings": {"ALICE@example.org email": "@alice:example.org"}},
              r)
        r = d.post(V2 + "/lookup", {"addresses": [hashes["bob"]], "pepper": pepper,
                                     "algorithm": "sha256", "extra": {"ignored": True}})
        check("extra members are ignored", r.status == 200 and
              r.json == {"mappings": {hashes["bob"]: "@bob:example.org"}}, r)

        r = d.post(V2 + "/lookup", {"algorithm": "sha256", "pepper": "wrong", "addresses": []})
        check("wrong pepper: 400 M_INVALID_PEPPER with the current details",
              r.status == 400 and (r.json or {}).get("errcode") == "M_INVALID_PEPPER"
              and r.json.get("lookup_pepper") == pepper and r.json.get("algorithm") == "sha256", r)
        r = d.post(V2 + "/lookup", {"algorithm": "md5", "pepper": pepper, "addresses": []})
        check("unknown algorithm: 400 M_INVALID_PARAM",
              r.status == 400 and (r.json or {}).get("errcode") == "M_INVALID_PARAM", r)
        r = d.post(V2 + "/lookup", {"algorithm": "sha256", "pepper": pepper,
                                     "addresses": ["a"] * 6})
        check("too many addresses: 400 M_TOO_LARGE",
              r.status == 400 and (r.json or {}).get("errcode") == "M_TOO_LARGE", r)
        r = d.post(V2 + "/lookup", {"algorithm": "sha256", "pepper": pepper, "addresses": [1]})
        check("non-string address: 400 M_INVALID_PARAM",
              r.status == 400 and (r.json or {}).get("errcode") == "M_INVALID_PARAM", r)
        r = d.post(V2 + "/lookup", {"algorithm": "sha256", "pepper": pepper, "addresses": "x"})
        check("addresses not a list: 400 M_INVALID_PARAM",
              r.status == 400 and (r.json or {}).get("errcode") == "M_INVALID_PARAM", r)
        r = d.post(V2 + "/lookup", {"algorithm": "sha256"})
        check("missing fields: 400 M_MISSING_PARAMS",
              r.status == 400 and (r.json or {}).get("errcode") == "M_MISSING_PARAMS", r)
        r = d.post(V2 + "/lookup", "{not json", {"Content-Type": "application/json"})
        check("malformed JSON: 400 M_NOT_JSON",
              r.status == 400 and (r.json or {}).get("errcode") == "M_NOT_JSON", r)
        r = d.post(V2 + "/lookup", "[1,2]", {"Content-Type": "application/json"})
        check("JSON array body: 400 M_BAD_JSON",
              r.status == 400 and (r.json or {}).get("errcode") == "M_BAD_JSON", r)
        r = d.get(V2 + "/lookup")
        check("GET on lookup: 405 M_UNRECOGNIZED",
              r.status == 405 and (r.json or {}).get("errcode") == "M_UNRECOGNIZED", r)


@test
def pepper_survives_restart():
    d = daemon()
    pepper = d.get(V2 + "/hash_details").json["lookup_pepper"]
    check("stopped cleanly (exit 0)", d.stop() == 0)
    # Same config file and data dir: start again.
    d.start()
    again = d.get(V2 + "/hash_details").json["lookup_pepper"]
    check("pepper is the same after a restart", pepper == again, (pepper, again))
    d.stop()
    other = daemon()
    check("a fresh database gets another pepper",
          other.get(V2 + "/hash_details").json["lookup_pepper"] != pepper)
    other.stop()


@test
def signing_key():
    with daemon() as d:
        key_file = os.path.join(d.data_dir, "signing.key")
        check("signing key created on first start", os.path.exists(key_file))
        line = open(key_file).read().strip()
        check("key file in Synapse format", re.fullmatch(r"ed25519 0 [A-Za-z0-9+/]{43}", line), line)
        check("key file is private", os.stat(key_file).st_mode & 0o077 == 0,
              oct(os.stat(key_file).st_mode))
        r = d.get(V2 + "/pubkey/ed25519:0")
        check("pubkey 200", r.status == 200 and "public_key" in (r.json or {}), r)
        pub = (r.json or {}).get("public_key", "")
        check("public key is unpadded base64 of 32 bytes", re.fullmatch(r"[A-Za-z0-9+/]{43}", pub), pub)
        r = d.get(V2 + "/pubkey/ed25519:nope")
        check("unknown key id: 404 M_NOT_FOUND",
              r.status == 404 and (r.json or {}).get("errcode") == "M_NOT_FOUND", r)
        r = d.get(V2 + "/pubkey/isvalid?public_key=" + pub.replace("+", "%2B").replace("/", "%2F"))
        check("isvalid true for our key", r.status == 200 and r.json == {"valid": True}, r)
        r = d.get(V2 + "/pubkey/isvalid?public_key=AAAA")
        check("isvalid false for another key", r.status == 200 and r.json == {"valid": False}, r)
        r = d.get(V2 + "/pubkey/isvalid")
        check("isvalid without public_key: 400",
              r.status == 400 and (r.json or {}).get("errcode") == "M_MISSING_PARAMS", r)
    # The key survives a restart unchanged.
    with Daemon(CONFIG.replace("@USERS_FILE@", "/dev/null"), subst={}) as d2:
        first = d2.get(V2 + "/pubkey/ed25519:0").json["public_key"]
        d2.stop()
        d2.start()
        check("same public key after restart",
              d2.get(V2 + "/pubkey/ed25519:0").json["public_key"] == first)


@test
def lookup_cli():
    d = daemon(start=False)
    r = run_cli("lookup", "-c", d.config_path, "email", "ALICE@example.org")
    check("mxgate lookup finds alice (exit 0)", r.returncode == 0, r.stdout + r.stderr)
    check("mxgate lookup says which store answered",
          "store people" in r.stdout and "@alice:example.org" in r.stdout, r.stdout)
    r = run_cli("lookup", "-c", d.config_path, "email", "nobody@example.org")
    check("mxgate lookup: not found exits 1", r.returncode == 1 and "not found" in r.stdout,
          r.stdout + r.stderr)
    r = run_cli("lookup", "-c", d.config_path, "fax", "123")
    check("mxgate lookup: bad medium exits 2", r.returncode == 2, r.stderr)
    r = run_cli("lookup", "-c", d.config_path, "email")
    check("mxgate lookup: missing argument exits 2", r.returncode == 2, r.stderr)
    env = dict(os.environ, MXGATE_CONFIG=d.config_path)
    r = run_cli("lookup", "msisdn", "+44 7700 900123", env=env)
    check("mxgate lookup reads MXGATE_CONFIG", r.returncode == 0 and "@alice:example.org" in r.stdout,
          r.stdout + r.stderr)


if __name__ == "__main__":
    main()
