"""test_local_accounts.py: the built-in local store, accounts mxgate keeps
in its own database: `mxgate accounts add|passwd` (password from standard
input, the store's policy), logins through check_credentials by user name
and by verified e-mail address, argon2id hashes of a versioned scheme and
the re-hash on login when the scheme changed (from an older version, and
from an imported crypt(3) hash), locked accounts, and the other store
operations (lookup, profile, directory search)."""

import os
import sqlite3
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # Debian 12's Python still has it; the hashes come from libxcrypt

from harness import Daemon, check, main, run_cli, test

INTERNAL = "/_matrix-internal/identity/v1/check_credentials"
GOOD = "Correct horse 9"

CONFIG = """
server_name: example.org
data_dir: "@DATA_DIR@"
log:
  file: "@LOG_FILE@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [internal, health]
database:
  driver: sqlite
login:
  lockout: {account_failures: 0, ip_failures: 0}
stores:
  - name: accounts
    module: local
    hash_version: %d
"""


def creds(d, user, password):
    r = d.post(INTERNAL, {"user": {"id": user, "password": password}})
    return r.status == 200 and (r.json or {}).get("auth", {}).get("success") is True, r


def accounts(d, *args, password=GOOD):
    return run_cli("accounts", *args, "-c", d.config_path, input=password + "\n")


def row(d, localpart):
    db = sqlite3.connect(os.path.join(d.data_dir, "mxgate.db"))
    r = db.execute("SELECT password_hash, hash_version, email, email_verified_at FROM"
                   " local_accounts WHERE localpart = ?", (localpart,)).fetchone()
    db.close()
    return r


@test
def accounts_cli_and_logins():
    with Daemon(CONFIG % 2) as d:
        add = accounts(d, "add", "--display-name", "Alice Liddell", "--email",
                       "Alice@Example.org", "alice")
        check("accounts add: exit 0", add.returncode == 0, add.stdout + add.stderr)
        again = accounts(d, "add", "alice")
        check("the same localpart again: exit 1, says it exists",
              again.returncode == 1 and "exists" in again.stderr, again.stderr)
        for pw, why in (("short1A", "too short"), ("alllowercaseletters", "more kinds"),
                        ("Bobbybobby", "user name")):
            weak = accounts(d, "add", "bobbybobby", password=pw)
            check("a weak password refused (%s): exit 2" % why,
                  weak.returncode == 2 and why in weak.stderr, weak.stderr)
        bad_mail = accounts(d, "add", "--email", "not an address", "carol")
        check("a bad e-mail address: exit 2", bad_mail.returncode == 2, bad_mail.stderr)
        h, version, email, verified = row(d, "alice")
        check("stored: an argon2id hash of scheme 2 (m=64 MiB, t=3), the address canonical "
              "and verified",
              h.startswith("$argon2id$v=19$m=65536,t=3,p=1$") and version == 2 and
              email == "alice@example.org" and verified is not None, (h, version, email))
        ok, r = creds(d, "alice", GOOD)
        check("check_credentials with the localpart", ok, r)
        ok, r = creds(d, "@alice:example.org", GOOD)
        check("and with the Matrix ID", ok, r)
        check("display name and e-mail in the answer",
              (r.json or {}).get("auth", {}).get("profile", {}).get("display_name") ==
              "Alice Liddell", r)
        ok, r = creds(d, "alice@example.org", GOOD)
        check("by the verified e-mail address", ok, r)
        ok, r = creds(d, "alice", GOOD + "x")
        check("a wrong password is refused", not ok and r.status == 200, r)
        ok, r = creds(d, "nobody", GOOD)
        check("an unknown name is refused the same way", not ok and r.status == 200, r)
        pw = accounts(d, "passwd", "alice", password="New horse 42!")
        check("accounts passwd: exit 0", pw.returncode == 0, pw.stderr)
        check("the old password no longer works, the new one does",
              not creds(d, "alice", GOOD)[0] and creds(d, "alice", "New horse 42!")[0])
        missing = accounts(d, "passwd", "nobody")
        check("passwd of an unknown account: exit 1", missing.returncode == 1, missing.stderr)

        db = sqlite3.connect(os.path.join(d.data_dir, "mxgate.db"))
        db.execute("UPDATE local_accounts SET locked_at = 1 WHERE localpart = 'alice'")
        db.commit()
        db.close()
        ok, r = creds(d, "alice", "New horse 42!")
        check("a locked account cannot log in", not ok, r)
        search = d.post("/_matrix-internal/identity/v1/check_credentials",
                        {"user": {"id": "alice", "password": "x"}})
        check("(and its refusal looks like any other)", search.status == 200, search)
        log = d.log_text()
    check("no password in the log", GOOD not in log and "New horse" not in log, log[-1500:])


@test
def rehash_when_the_scheme_changes():
    # Scheme 1 first, then the daemon runs with scheme 2.
    with Daemon(CONFIG % 1) as d:
        accounts(d, "add", "dave")
        h1, v1, _, _ = row(d, "dave")
        data_dir = d.data_dir
    check("with hash_version 1: an argon2id hash of m=19 MiB, t=2",
          h1.startswith("$argon2id$v=19$m=19456,t=2,p=1$") and v1 == 1, (h1, v1))
    cfg2 = (CONFIG % 2).replace('data_dir: "@DATA_DIR@"', 'data_dir: "%s"' % data_dir)
    with Daemon(cfg2) as d:
        ok, r = creds(d, "dave", GOOD)
        db = sqlite3.connect(os.path.join(data_dir, "mxgate.db"))
        h2, v2 = db.execute("SELECT password_hash, hash_version FROM local_accounts WHERE"
                            " localpart = 'dave'").fetchone()
        # An account imported with a crypt(3) hash (hash_version 0).
        db.execute("INSERT INTO local_accounts (localpart, password_hash, hash_version,"
                   " created_at) VALUES ('erin', ?, 0, 1)",
                   (crypt.crypt(GOOD, crypt.mksalt(crypt.METHOD_SHA512)),))
        db.commit()
        ok_e, _ = creds(d, "erin", GOOD)
        h3, v3 = db.execute("SELECT password_hash, hash_version FROM local_accounts WHERE"
                            " localpart = 'erin'").fetchone()
        db.close()
        wrong, _ = creds(d, "erin", "wrong")
        log = d.log_text()
    check("a login with scheme 1 under hash_version 2 succeeds", ok, r)
    check("and re-hashes the password with scheme 2",
          h2.startswith("$argon2id$v=19$m=65536,t=3,p=1$") and v2 == 2 and h2 != h1, (h2, v2))
    check("an imported sha512-crypt hash logs in and becomes argon2id scheme 2",
          ok_e and h3.startswith("$argon2id$") and v3 == 2, (h3, v3))
    check("a wrong password changes nothing", not wrong)
    check("the log says which were re-hashed", "re-hashed (scheme 1 -> 2)" in log and
          "re-hashed (scheme 0 -> 2)" in log, log[-1500:])


@test
def store_operations():
    with Daemon(CONFIG % 2) as d:
        accounts(d, "add", "--display-name", "Frank Zappa", "--email", "frank@example.org",
                 "frank")
    cfg = d.config_path
    look = run_cli("lookup", "-c", cfg, "email", "frank@example.org")
    check("mxgate lookup finds the verified address",
          look.returncode == 0 and "@frank:example.org" in look.stdout, look.stdout + look.stderr)
    prof = run_cli("profile", "-c", cfg, "@frank:example.org")
    check("mxgate profile gives the display name",
          prof.returncode == 0 and "Frank Zappa" in prof.stdout, prof.stdout + prof.stderr)
    search = run_cli("search", "-c", cfg, "zap")
    check("mxgate search finds him by a part of his name",
          search.returncode == 0 and "@frank:example.org" in search.stdout,
          search.stdout + search.stderr)
    odd = run_cli("search", "-c", cfg, "%")
    check("a LIKE wildcard in the term is taken literally (no match)",
          "@frank:example.org" not in odd.stdout, odd.stdout + odd.stderr)
    check_cfg = run_cli("config", "check", "-c", cfg)
    check("config check accepts module local", check_cfg.returncode == 0,
          check_cfg.stdout + check_cfg.stderr)



if __name__ == "__main__":
    main()
