"""test_synapse_module.py: the Synapse module (plugins/synapse/
mxgate_auth_provider.py) against the real daemon: mxgate with a static store
and an `internal` listener answers check_credentials, Synapse's side is the
ModuleApi stand-in of tests/synapse.  Then the module's own unit tests
(tests/synapse, stand-ins on both sides) run as a subprocess, one check each."""

import asyncio
import logging
import os
import re
import subprocess
import sys
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # Debian 12's Python still has it; the hashes come from libxcrypt

from harness import Daemon, check, test, main

HERE = os.path.dirname(os.path.abspath(__file__))
SUITE = os.path.join(os.path.dirname(HERE), "synapse")
sys.path.insert(0, SUITE)
from standin import ModuleApiStandin  # noqa: E402  (puts plugins/synapse on sys.path)
import mxgate_auth_provider  # noqa: E402

PASSWORD = "Tr0ub4dor&3 with spaces"
HASH = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_SHA512))

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
stores:
  - name: people
    module: static
    users:
      - localpart: alice
        display_name: "Alice Ängström"
        password_hash: "%s"
        threepids:
          - {medium: email, address: Alice@Example.org}
          - {medium: msisdn, address: "+44 7700 900123"}
      - localpart: bob
        display_name: Bob
        password_hash: "%s"
""" % (HASH, HASH)


class Captured(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.records = []

    def emit(self, record):
        self.records.append(record)

    def warnings(self):
        return [r.getMessage() for r in self.records if r.levelno >= logging.WARNING]


LOG = Captured()
logging.getLogger("mxgate_auth_provider").addHandler(LOG)
logging.getLogger("mxgate_auth_provider").setLevel(logging.INFO)


def provider(d, api, **config):
    config.setdefault("endpoint", "http://127.0.0.1:%d" % d.ports["PORT2"])
    config.setdefault("timeout", 5)
    cls = mxgate_auth_provider.MxgateAuthProvider
    return cls(cls.parse_config(config), api)


def login(p, user, password=PASSWORD):
    return asyncio.run(p.check_auth(user, "m.login.password", {"password": password}))


def login_3pid(p, medium, address, password=PASSWORD):
    return asyncio.run(p.check_3pid_auth(medium, address, password))


@test
def logins_through_mxgate():
    with Daemon(CONFIG) as d:
        api = ModuleApiStandin("example.org")
        p = provider(d, api)
        check("module mode: callbacks registered",
              set(api.callbacks or {}) == {"auth_checkers", "check_3pid_auth"}, api.calls)

        r = login(p, "alice")
        check("real login: alice is @alice:example.org", r == ("@alice:example.org", None), r)
        acc = api.accounts.get("@alice:example.org")
        check("real login: the account was created with the store's display name",
              acc is not None and acc.display_name == "Alice Ängström",
              acc and acc.display_name)
        check("real login: the store's 3PIDs, as mxgate canonicalised them",
              acc is not None and api.threepid_set("@alice:example.org") ==
              {("email", "alice@example.org"), ("msisdn", "447700900123")},
              acc and acc.threepids)
        check("real login: registered once, e-mail at registration, phone after",
              api.calls_named("register_user") ==
              [("register_user", "alice", "Alice Ängström", ["alice@example.org"])] and
              api.calls_named("add_threepid") ==
              [("add_threepid", "@alice:example.org", "msisdn", "447700900123")], api.calls)

        LOG.records.clear()
        r = login(p, "alice", "not the password")
        check("wrong password: refused", r is None, r)
        check("wrong password: no warning (mxgate said no)", LOG.warnings() == [],
              LOG.warnings())
        r = login(p, "nobody")
        check("unknown user: refused, nobody created",
              r is None and "@nobody:example.org" not in api.accounts, r)

        r = login(p, "@ALICE:example.org")
        check("full Matrix ID in capitals: the same account",
              r == ("@alice:example.org", None) and len(api.calls_named("register_user")) == 1,
              r)
        r = login_3pid(p, "email", "ALICE@example.org")
        check("e-mail login: @alice:example.org", r == ("@alice:example.org", None), r)
        r = login_3pid(p, "email", "alice@example.org", "wrong")
        check("e-mail login, wrong password: refused", r is None, r)
        r = login_3pid(p, "msisdn", "447700900123")
        check("phone login: @alice:example.org", r == ("@alice:example.org", None), r)
        r = login(p, "alice@example.org")
        check("e-mail typed as the user name: @alice:example.org",
              r == ("@alice:example.org", None), r)

        # Legacy mode: rest_auth_provider's keys, Synapse's legacy constructor.
        api2 = ModuleApiStandin("example.org")
        api2.add_account("@bob:example.org", "Robert")
        cls = mxgate_auth_provider.MxgateAuthProvider
        legacy = cls(config=cls.parse_config({
            "endpoint": "http://127.0.0.1:%d" % d.ports["PORT2"],
            "policy": {"login": {"profile": {"name": True}}}}), account_handler=api2)
        r = login(legacy, "bob")
        check("legacy config: bob logs in, display name replaced per policy.login",
              r == ("@bob:example.org", None) and
              api2.accounts["@bob:example.org"].display_name == "Bob",
              (r, api2.calls))

        log = d.log_text()
        check("the password never reaches mxgate's log", PASSWORD not in log, log[-2000:])

        d.stop()
        LOG.records.clear()
        r = login(p, "alice")
        check("mxgate stopped: login refused", r is None, r)
        check("mxgate stopped: one warning line, says unreachable",
              len(LOG.warnings()) == 1 and "unreachable" in LOG.warnings()[0] and
              PASSWORD not in LOG.warnings()[0], LOG.warnings())


def failure_report(stderr, name):
    """The FAIL/ERROR block unittest printed for test `name`."""
    m = re.search(r"^(?:FAIL|ERROR): %s \(.*?(?=^=====|^-{20,}\nRan )" % re.escape(name),
                  stderr, re.M | re.S)
    return m.group(0) if m else stderr[-1500:]


@test
def shared_secret_with_mxgate():
    secret = "secret between synapse and mxgate"
    text = CONFIG.replace("stores:\n", "login:\n  shared_secret: \"%s\"\nstores:\n" % secret, 1)
    with Daemon(text) as d:
        api = ModuleApiStandin("example.org")
        r = login(provider(d, api, shared_secret=secret), "alice")
        check("shared secret: the module sends it, mxgate checks the password",
              r == ("@alice:example.org", None), r)
        LOG.records.clear()
        r = login(provider(d, ModuleApiStandin("example.org")), "alice")
        check("no shared secret in the module: refused", r is None, r)
        check("no shared secret in the module: one warning naming mxgate's 401",
              len(LOG.warnings()) == 1 and "401" in LOG.warnings()[0], LOG.warnings())


@test
def unit_suite():
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-B", "-m", "unittest", "discover", "-s", SUITE,
                           "-v"], capture_output=True, text=True, timeout=50, env=env,
                          cwd=SUITE)
    results = re.findall(r"^(test_\w+) \(([\w.]+)\)(?:\n.*?)? \.\.\. (ok|FAIL|ERROR|skipped.*)$",
                         proc.stderr, re.M)
    for name, where, verdict in results:
        if verdict.startswith("skipped"):
            continue
        label = where if where.endswith("." + name) else where + "." + name  # Python < 3.11
        check("unittest %s" % label, verdict == "ok", failure_report(proc.stderr, name))
    ran = re.search(r"^Ran (\d+) tests?", proc.stderr, re.M)
    check("unittest: the suite ran (%s tests) and said OK" % (ran.group(1) if ran else "?"),
          proc.returncode == 0 and ran is not None and int(ran.group(1)) >= len(results) > 0,
          proc.stderr[-600:])


if __name__ == "__main__":
    main()
