"""test_database.py: the daemon on both database drivers: PostgreSQL as
well as SQLite, health following the database, reconnection after a
PostgreSQL restart, and refusal of a schema newer than the binary."""

import os
import sqlite3
import subprocess
import time

from harness import Daemon, check, skip, test, main, run_cli, free_port, tmp_dir, pg_conninfo

HERE = os.path.dirname(os.path.abspath(__file__))
PG_SH = os.path.join(HERE, "..", "lib", "pg.sh")

BASE = """
server_name: example.org
data_dir: "@DATA_DIR@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [identity, health]
stores:
  - name: people
    module: static
    users:
      - localpart: alice
        threepids: [{medium: email, address: alice@example.org}]
lookup:
  require_auth: false   # lookup answers from memory without the database
"""

PG = BASE + """
database:
  driver: postgresql
  conninfo: "@CONNINFO@"
  connect_timeout: 2s
  acquire_timeout: 2s
"""

V2 = "/_matrix/identity/v2"


def poll(fn, want, timeout=15.0):
    deadline = time.time() + timeout
    got = None
    while time.time() < deadline:
        got = fn()
        if got == want:
            return got
        time.sleep(0.1)
    return got


@test
def postgresql_driver():
    conninfo = pg_conninfo()
    if not conninfo:
        skip("daemon on PostgreSQL", "MXGATE_TEST_PGCONNINFO not set")
        return
    with Daemon(PG, subst={"CONNINFO": conninfo}) as d:
        r = d.get(V2 + "/hash_details")
        check("hash_details on PostgreSQL", r.status == 200, r)
        out = subprocess.run(["psql", conninfo, "-Atc",
                              "SELECT pepper FROM lookup_peppers ORDER BY created_at DESC, pepper DESC LIMIT 1"],
                             capture_output=True, text=True, timeout=30)
        check("the pepper served is the one stored in PostgreSQL",
              out.stdout.strip() == r.json["lookup_pepper"], (out.stdout, out.stderr))
        r = run_cli("db", "version", "-c", d.config_path)
        check("db version on PostgreSQL", r.returncode == 0, r.stdout + r.stderr)


@test
def health_follows_postgresql():
    if not os.path.exists("/usr/lib/postgresql/15/bin/postgres"):
        skip("health follows PostgreSQL", "PostgreSQL 15 not installed")
        return
    pgdir = tmp_dir("pg-own")
    # PostgreSQL runs as its own user: it must be able to reach its directory.
    parent = pgdir
    while parent not in ("/", "/tmp"):
        parent = os.path.dirname(parent)
        os.chmod(parent, os.stat(parent).st_mode | 0o711)
    port = free_port()
    start = subprocess.run(["bash", PG_SH, "start", pgdir, str(port)], capture_output=True,
                           text=True, timeout=120)
    if not check("own PostgreSQL started", start.returncode == 0, start.stderr):
        return
    conninfo = start.stdout.strip().splitlines()[-1]
    try:
        with Daemon(PG, subst={"CONNINFO": conninfo}) as d:
            check("health 200 while PostgreSQL runs", d.get("/health").status == 200)
            pepper = d.get(V2 + "/hash_details").json["lookup_pepper"]
            subprocess.run(["bash", PG_SH, "stop", pgdir], capture_output=True, timeout=60)
            code = poll(lambda: d.get("/health").status, 503)
            check("health 503 once PostgreSQL is down", code == 503, code)
            r = d.get("/health")
            check("503 is a Matrix error", (r.json or {}).get("errcode") == "M_UNKNOWN", r)
            r = d.get(V2 + "/hash_details")
            check("lookup keeps answering from memory while the database is down",
                  r.status == 200 and r.json["lookup_pepper"] == pepper, r)
            again = subprocess.run(["bash", PG_SH, "start", pgdir, str(port)],
                                   capture_output=True, text=True, timeout=120)
            check("PostgreSQL restarted", again.returncode == 0, again.stderr)
            code = poll(lambda: d.get("/health").status, 200)
            check("health 200 again after PostgreSQL is back (reconnect)", code == 200, code)
    finally:
        subprocess.run(["bash", PG_SH, "stop", pgdir], capture_output=True, timeout=60)


@test
def unreachable_database_at_start():
    port = free_port()  # nothing listens there
    d = Daemon(PG, subst={"CONNINFO": "host=127.0.0.1 port=%d dbname=x user=x" % port},
               migrate=False, start=False)
    r = run_cli("serve", "-c", d.config_path, timeout=30)
    check("serve exits 1 when the database cannot be reached", r.returncode == 1,
          r.stdout + r.stderr)
    check("and says so", "database" in (r.stdout + r.stderr).lower(), r.stdout + r.stderr)
    r = run_cli("db", "migrate", "-c", d.config_path, timeout=30)
    check("db migrate exits 1 when the database cannot be reached", r.returncode == 1,
          r.stdout + r.stderr)


@test
def newer_schema_refused():
    d = Daemon(BASE, start=False)
    r = run_cli("db", "migrate", "-c", d.config_path)
    check("db migrate on a fresh SQLite database", r.returncode == 0, r.stdout + r.stderr)
    r2 = run_cli("db", "migrate", "-c", d.config_path)
    check("db migrate is idempotent", r2.returncode == 0, r2.stdout + r2.stderr)
    db = sqlite3.connect(os.path.join(d.data_dir, "mxgate.db"))
    db.execute("UPDATE schema_version SET version = 999")
    db.commit()
    db.close()
    r = run_cli("serve", "-c", d.config_path, timeout=30)
    out = r.stdout + r.stderr
    check("serve refuses a newer schema (exit 1)", r.returncode == 1, out)
    check("the message names the schema versions", "999" in out, out)
    r = run_cli("db", "migrate", "-c", d.config_path)
    check("db migrate refuses a newer schema (exit 1)", r.returncode == 1, r.stdout + r.stderr)


if __name__ == "__main__":
    main()
