"""test_sql.py: the `sql` store module against real databases: a Synapse-shaped
schema (synapse_schema.sql) with bcrypt hashes read by the `synapse` preset,
on SQLite and on the suite's PostgreSQL (a database of our own, dropped at
the end), and a made-up `people` table read by custom queries with
sha512-crypt and argon2id hashes.  Through `mxgate auth-test`, `lookup`,
`search` and `profile`, the daemon's hashed lookup (fed by enumerate) and
check_credentials, including a PostgreSQL that cannot be reached (503,
never success:false) and injection attempts that must match nobody."""

import atexit
import ctypes
import os
import re
import secrets
import sqlite3
import subprocess
import unicodedata
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # Debian 12's Python still has it; the hashes come from libxcrypt

from harness import (Daemon, check, free_port, lookup_hash, main, pg_conninfo, run_cli, skip,
                     test, tmp_dir, wait_for)

HERE = os.path.dirname(os.path.abspath(__file__))
PEPPER = "pep-" + secrets.token_hex(4)
# Typed with a ligature and a combining diaeresis: NFKC makes it "Dörte fix".
DORA_TYPED = "Do\u0308rte \ufb01x"
INTERNAL = "/_matrix-internal/identity/v1/check_credentials"
V2 = "/_matrix/identity/v2"


def bcrypt(password):
    # Cost 4 (rounds=16): the test checks the format, not the strength.
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))


def argon2id(password):
    """An argon2id PHC string from libargon2 (the library mxgate links)."""
    lib = ctypes.CDLL("libargon2.so.1")
    pw = password.encode()
    salt = secrets.token_bytes(16)
    out = ctypes.create_string_buffer(256)
    rc = lib.argon2id_hash_encoded(ctypes.c_uint32(2), ctypes.c_uint32(1024), ctypes.c_uint32(1),
                                   pw, ctypes.c_size_t(len(pw)), salt, ctypes.c_size_t(len(salt)),
                                   ctypes.c_size_t(32), out, ctypes.c_size_t(len(out)))
    if rc != 0:
        raise RuntimeError("argon2id_hash_encoded: %d" % rc)
    return out.value.decode()


# name, password hash, display name, avatar, guest, deactivated, appservice, 3PIDs
USERS = [
    ("@alice:example.org", bcrypt("alice-pw"), "Alice Liddell", "mxc://example.org/alice",
     0, 0, None, [("email", "alice@example.org"), ("msisdn", "447700900123")]),
    ("@bob:example.org", bcrypt(unicodedata.normalize("NFKC", "bob-pw") + PEPPER), "Bob Builder",
     None, 0, 0, None, [("email", "bob@example.org")]),
    ("@dora:example.org", bcrypt(unicodedata.normalize("NFKC", DORA_TYPED)), "Dörte Ünal", None,
     0, 0, None, [("email", "dora@example.org")]),
    ("@carol:example.org", bcrypt("carol-pw"), "Carol Gone", None, 0, 1, None,
     [("email", "carol@example.org")]),
    ("@guest:example.org", bcrypt("guest-pw"), "Guest Alice", None, 1, 0, None,
     [("email", "guest@example.org")]),
    ("@bridge:example.org", bcrypt("bridge-pw"), "Bridged Alice", None, 0, 0, "irc",
     [("email", "bridge@example.org")]),
]

PEOPLE = [  # login, hash, name, mail, phone, locked
    ("dave", crypt.crypt("dave-pw", crypt.mksalt(crypt.METHOD_SHA512)), "Dave Sha",
     "Dave@Example.org", None, 0),
    ("erin", argon2id("erin-pw"), "Erin Argon", None, "447700900456", 0),
    ("frank", crypt.crypt("frank-pw", crypt.mksalt(crypt.METHOD_SHA512)), "Frank Locked",
     "frank@example.org", None, 1),
]

PEOPLE_QUERIES = r"""
    queries:
      authenticate: SELECT login, pw, name, locked FROM people WHERE login = $1
      lookup: >-
        SELECT login FROM people WHERE ($1 = 'email' AND lower(mail) = $2)
        OR ($1 = 'msisdn' AND phone = $2)
      enumerate: >-
        SELECT 'email', lower(mail), login FROM people WHERE mail IS NOT NULL
        UNION ALL SELECT 'msisdn', phone, login FROM people WHERE phone IS NOT NULL
        ORDER BY 3, 1
      directory_search: >-
        SELECT login, name FROM people WHERE lower(name) LIKE lower(CAST($1 AS TEXT))
        ESCAPE '\' OR login LIKE $1 ESCAPE '\' ORDER BY login LIMIT CAST($2 AS INTEGER)
      profile: SELECT name FROM people WHERE login = $1
      profile_threepids: SELECT 'email', mail FROM people WHERE login = $1 AND mail IS NOT NULL
"""


def lit(v):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + v.replace("'", "''") + "'"


def fixture_sql():
    """The schema and every row, as SQL both databases run (our own data)."""
    with open(os.path.join(HERE, "synapse_schema.sql")) as f:
        out = [f.read()]
    for name, pw, display, avatar, guest, deact, appservice, tpids in USERS:
        out.append("INSERT INTO users (name, password_hash, creation_ts, is_guest, "
                   "appservice_id, deactivated) VALUES (%s, %s, 1700000000, %d, %s, %d);"
                   % (lit(name), lit(pw), guest, lit(appservice), deact))
        out.append("INSERT INTO profiles (user_id, displayname, avatar_url) VALUES (%s, %s, %s);"
                   % (lit(name[1:name.index(":")]), lit(display), lit(avatar)))
        for medium, address in tpids:
            out.append("INSERT INTO user_threepids (user_id, medium, address, validated_at, "
                       "added_at) VALUES (%s, %s, %s, 0, 0);" % (lit(name), lit(medium),
                                                                 lit(address)))
    out.append("CREATE TABLE people (login TEXT PRIMARY KEY, pw TEXT, name TEXT, mail TEXT, "
               "phone TEXT, locked INTEGER);")
    for row in PEOPLE:
        out.append("INSERT INTO people VALUES (%s);" % ", ".join(lit(v) for v in row))
    return "\n".join(out) + "\n"


_backends = None


def backends():
    """[(name, YAML lines of the connection)]: an SQLite file, and a fresh
    PostgreSQL database when the suite gives one (dropped at exit)."""
    global _backends
    if _backends is not None:
        return _backends
    sql = fixture_sql()
    path = os.path.join(tmp_dir("synapse"), "homeserver.db")
    db = sqlite3.connect(path)
    db.executescript(sql)
    db.close()
    _backends = [("sqlite", "driver: sqlite\n    path: \"%s\"" % path)]
    base = pg_conninfo()
    if base is None:
        return _backends
    name = "synapse_test_" + secrets.token_hex(4)
    env = dict(os.environ, PGCLIENTENCODING="UTF8")
    psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    subprocess.run(psql + [base, "-c", "CREATE DATABASE %s" % name], check=True, env=env,
                   capture_output=True)
    atexit.register(lambda: subprocess.run(
        psql + [base, "-c", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name], env=env,
        capture_output=True))
    conninfo = re.sub(r"dbname=\S+", "dbname=" + name, base)
    if "dbname=" not in conninfo:
        conninfo += " dbname=" + name
    subprocess.run(psql + [conninfo], input=sql, text=True, check=True, env=env,
                   capture_output=True)
    _backends.append(("postgresql", "driver: postgresql\n    conninfo: \"%s\"" % conninfo))
    return _backends


CONFIG = """
server_name: example.org
data_dir: "@DATA_DIR@"
plugin_dir: "@PLUGIN_DIR@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [identity, health]
  - bind: "127.0.0.1:@PORT2@"
    resources: [internal]
database:
  driver: sqlite
lookup:
  require_auth: false
stores:
  - name: synapse
    module: sql
    @CONN@
@EXTRA@
"""


def config(conn, extra="", start=False):
    return Daemon(CONFIG, subst={"CONN": conn, "EXTRA": extra}, start=start)


def auth(cfg, user, password, *args):
    return run_cli("auth-test", "-c", cfg, *args, user, input=password + "\n")


def pg_backends(label):
    """The backends to run on; records a skip when PostgreSQL is missing."""
    found = backends()
    if len(found) == 1:
        skip("%s on postgresql" % label, "no PostgreSQL (MXGATE_TEST_PGCONNINFO unset)")
    return found


@test
def synapse_auth_test():
    for name, conn in pg_backends("synapse auth-test"):
        cfg = config(conn + "\n    preset: synapse").config_path
        r = auth(cfg, "alice", "alice-pw")
        check("%s: auth-test alice ok" % name, r.returncode == 0 and
              "store synapse (sql): ok @alice:example.org" in r.stdout and
              "alice -> @alice:example.org (store synapse)" in r.stdout, r.stdout + r.stderr)
        check("%s: auth-test shows the profile" % name,
              "  display_name: Alice Liddell" in r.stdout and
              "  email: alice@example.org" in r.stdout and "  msisdn: 447700900123" in r.stdout,
              r.stdout)
        check("%s: the password is never printed" % name,
              "alice-pw" not in r.stdout + r.stderr, r.stdout + r.stderr)
        r = auth(cfg, "ALICE@example.org", "alice-pw", "--medium", "email")
        check("%s: login by e-mail address" % name, r.returncode == 0 and
              "-> @alice:example.org (store synapse)" in r.stdout, r.stdout + r.stderr)
        r = auth(cfg, "alice", "wrong")
        check("%s: wrong password denied" % name, r.returncode == 1 and
              "alice -> denied" in r.stdout, r.stdout + r.stderr)
        r = auth(cfg, DORA_TYPED, "x")
        check("%s: a non-ASCII login is not found" % name, r.returncode == 1 and
              "not found" in r.stdout, r.stdout + r.stderr)
        r = auth(cfg, "dora", DORA_TYPED)
        check("%s: non-ASCII password, NFKC-normalised as Synapse does" % name,
              r.returncode == 0 and "  display_name: Dörte Ünal" in r.stdout,
              r.stdout + r.stderr)
        r = auth(cfg, "dora", unicodedata.normalize("NFKC", DORA_TYPED))
        check("%s: the normalised form is the same password" % name, r.returncode == 0,
              r.stdout + r.stderr)
        for who in ("carol", "guest", "bridge"):
            r = auth(cfg, who, who + "-pw")
            check("%s: %s (deactivated/guest/appservice) not found" % (name, who),
                  r.returncode == 1 and "%s -> not found" % who in r.stdout, r.stdout + r.stderr)
        r = auth(cfg, "bob", "bob-pw")
        check("%s: bob's hash has the pepper: denied without it" % name,
              r.returncode == 1 and "bob -> denied" in r.stdout, r.stdout + r.stderr)
        pcfg = config(conn + "\n    preset: synapse\n    password_pepper: \"%s\"" % PEPPER)
        r = auth(pcfg.config_path, "bob", "bob-pw")
        check("%s: with password_pepper bob logs in" % name, r.returncode == 0 and
              "-> @bob:example.org (store synapse)" in r.stdout, r.stdout + r.stderr)
        check("%s: the pepper is never printed" % name, PEPPER not in r.stdout + r.stderr,
              r.stdout + r.stderr)
        for evil in ("' OR 1=1 --", "alice' --", "%", "_lice", "@alice:example.org' OR '1'='1"):
            r = auth(cfg, evil, "alice-pw")
            check("%s: login %r matches nobody" % (name, evil), r.returncode == 1 and
                  "-> not found" in r.stdout, r.stdout + r.stderr)


@test
def synapse_lookup_search_profile():
    for name, conn in pg_backends("synapse lookup/search/profile"):
        cfg = config(conn + "\n    preset: synapse").config_path
        r = run_cli("lookup", "-c", cfg, "email", "ALICE@example.org")
        check("%s: lookup canonicalises and finds alice" % name, r.returncode == 0 and
              "-> @alice:example.org (store synapse)" in r.stdout, r.stdout + r.stderr)
        r = run_cli("lookup", "-c", cfg, "msisdn", "+44 7700 900123")
        check("%s: lookup by phone" % name, r.returncode == 0 and
              "@alice:example.org" in r.stdout, r.stdout + r.stderr)
        for addr in ("carol@example.org", "guest@example.org", "bridge@example.org",
                     "%@example.org", "_lice@example.org", "x'OR'1'='1@example.org"):
            r = run_cli("lookup", "-c", cfg, "email", addr)
            check("%s: lookup %s finds nobody" % (name, addr), r.returncode == 1 and
                  "@" not in r.stdout.split("->")[-1], r.stdout + r.stderr)
        r = run_cli("search", "-c", cfg, "alice")
        merged = r.stdout.split("result:", 1)[-1]
        check("%s: search alice: only the active one" % name, r.returncode == 0 and
              "result: 1 found" in r.stdout and "@alice:example.org\tAlice Liddell" in merged,
              r.stdout + r.stderr)
        r = run_cli("search", "-c", cfg, "rte Ün")
        check("%s: search by a non-ASCII display name" % name,
              "@dora:example.org\tDörte Ünal" in r.stdout, r.stdout + r.stderr)
        if name == "postgresql":
            # SQLite's lower() and LIKE fold ASCII only (no ICU), as documented.
            r = run_cli("search", "-c", cfg, "ünal")
            check("%s: non-ASCII search is case-insensitive" % name,
                  "@dora:example.org\tDörte Ünal" in r.stdout, r.stdout + r.stderr)
        r = run_cli("search", "-c", cfg, "LIDD")
        check("%s: search is case-insensitive" % name, "result: 1 found" in r.stdout, r.stdout)
        for term in ("%%", "__", "' OR 1=1 --", "example.org"):
            r = run_cli("search", "-c", cfg, term)
            check("%s: search %r finds nobody" % (name, term),
                  "result: 0 found" in r.stdout and "store synapse (sql): 0 found" in r.stdout,
                  r.stdout + r.stderr)
        r = run_cli("profile", "-c", cfg, "@alice:example.org")
        check("%s: profile" % name, r.returncode == 0 and
              "@alice:example.org -> ok (store synapse)" in r.stdout and
              "  avatar_url: mxc://example.org/alice" in r.stdout and
              "  email: alice@example.org" in r.stdout, r.stdout + r.stderr)
        r = run_cli("profile", "-c", cfg, "@carol:example.org")
        check("%s: no profile for the deactivated" % name, r.returncode == 1 and
              "-> not found" in r.stdout, r.stdout + r.stderr)


def check_creds(d, user, password):
    return d.post(INTERNAL, {"user": {"id": user, "password": password}}, port=d.ports["PORT2"])


@test
def synapse_daemon():
    for name, conn in pg_backends("synapse daemon"):
        with Daemon(CONFIG, subst={"CONN": conn + "\n    preset: synapse", "EXTRA": ""}) as d:
            pepper = d.get(V2 + "/hash_details").json["lookup_pepper"]
            want = {lookup_hash(a, m, pepper): u for u, _, _, _, g, dd, ap, t in USERS
                    if not (g or dd or ap) for m, a in t}
            gone = [lookup_hash("carol@example.org", "email", pepper),
                    lookup_hash("guest@example.org", "email", pepper)]
            body = {"algorithm": "sha256", "pepper": pepper, "addresses": list(want) + gone}
            got = {}

            def indexed():
                nonlocal got
                r = d.post(V2 + "/lookup", body)
                got = (r.json or {}).get("mappings", {}) if r.status == 200 else {}
                return got == want
            ok = wait_for(indexed, timeout=15.0, interval=0.1)
            check("%s: hashed lookup fed by enumerate (deactivated and guests left out)" % name,
                  ok, got)
            r = check_creds(d, "@alice:example.org", "alice-pw")
            a = (r.json or {}).get("auth", {})
            check("%s: check_credentials success" % name, r.status == 200 and
                  a.get("success") is True and
                  a.get("id") == {"type": "mxid", "value": "@alice:example.org"}, r)
            check("%s: check_credentials profile" % name,
                  a.get("profile", {}).get("display_name") == "Alice Liddell" and
                  {"medium": "msisdn", "address": "447700900123"} in
                  a.get("profile", {}).get("three_pids", []), a)
            r = check_creds(d, "alice@example.org", "alice-pw")
            check("%s: check_credentials by e-mail" % name, r.status == 200 and
                  r.json["auth"]["success"] is True, r)
            for user, pw in (("@alice:example.org", "wrong"), ("@carol:example.org", "carol-pw"),
                             ("' OR 1=1 --", "alice-pw")):
                r = check_creds(d, user, pw)
                check("%s: check_credentials %s/%s: success false" % (name, user, pw),
                      r.status == 200 and r.json["auth"]["success"] is False, r)
            check("%s: no password in the log" % name, "alice-pw" not in d.log_text(),
                  d.log_text()[-2000:])


@test
def postgresql_down():
    port = free_port()
    conn = ("driver: postgresql\n    connect_timeout: 2s\n    conninfo: \"host=127.0.0.1 "
            "port=%d user=synapse password=s3cr3t-dbpw dbname=synapse\"" % port)
    with Daemon(CONFIG, subst={"CONN": conn + "\n    preset: synapse", "EXTRA": ""}) as d:
        check("down: the daemon starts while PostgreSQL is unreachable", d.running(), "")
        for user, pw in (("@alice:example.org", "alice-pw"), ("@alice:example.org", "wrong"),
                         ("nobody", "x")):
            r = check_creds(d, user, pw)
            check("down: check_credentials %s/%s is 503, never success:false" % (user, pw),
                  r.status == 503 and "auth" not in (r.json or {}), r)
        log = d.log_text()
        check("down: the conninfo password is not logged", "s3cr3t-dbpw" not in log, log[-2000:])
        r = auth(d.config_path, "alice", "alice-pw")
        check("down: auth-test says unavailable", r.returncode == 1 and
              "store synapse (sql): unavailable:" in r.stdout and
              "alice -> unavailable" in r.stdout, r.stdout + r.stderr)
        check("down: auth-test does not print the conninfo password",
              "s3cr3t-dbpw" not in r.stdout + r.stderr, r.stdout + r.stderr)
        r = run_cli("search", "-c", d.config_path, "alice")
        check("down: search reports the store unavailable",
              "store synapse (sql): unavailable" in r.stdout, r.stdout + r.stderr)


@test
def people_custom_queries():
    for name, conn in pg_backends("people custom queries"):
        cfg = config(conn + PEOPLE_QUERIES.rstrip()).config_path
        r = auth(cfg, "dave", "dave-pw")
        check("%s: sha512-crypt login" % name, r.returncode == 0 and
              "-> @dave:example.org (store synapse)" in r.stdout and
              "  email: dave@example.org" in r.stdout, r.stdout + r.stderr)
        r = auth(cfg, "@erin:example.org", "erin-pw")
        check("%s: argon2id login" % name, r.returncode == 0 and
              "  display_name: Erin Argon" in r.stdout, r.stdout + r.stderr)
        r = auth(cfg, "447700900456", "erin-pw", "--medium", "msisdn")
        check("%s: login by phone number" % name, r.returncode == 0, r.stdout + r.stderr)
        r = auth(cfg, "erin", "dave-pw")
        check("%s: argon2id wrong password denied" % name, "erin -> denied" in r.stdout, r.stdout)
        r = auth(cfg, "frank", "frank-pw")
        check("%s: locked column: disabled" % name, "frank -> disabled" in r.stdout, r.stdout)
        r = auth(cfg, "' OR 1=1 --", "dave-pw")
        check("%s: injected login matches nobody" % name, "-> not found" in r.stdout, r.stdout)
        r = run_cli("search", "-c", cfg, "argon")
        check("%s: search" % name, "@erin:example.org\tErin Argon" in r.stdout, r.stdout)
        r = run_cli("search", "-c", cfg, "__")
        check("%s: '_' is literal in search" % name, "result: 0 found" in r.stdout, r.stdout)
        r = run_cli("lookup", "-c", cfg, "email", "dave@EXAMPLE.org")
        check("%s: lookup" % name, "@dave:example.org" in r.stdout, r.stdout)


if __name__ == "__main__":
    main()
