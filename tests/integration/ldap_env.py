"""ldap_env.py: what the test_ldap*.py files share: one throwaway slapd per
test file (tests/peers/slapd.py, stopped at exit whatever happens), the
mxgate configuration of the ldap store against it, and helpers that run the
store tools (auth-test, lookup, search, profile) and parse their output."""

import atexit
import os
import re
import sys

from harness import Daemon, check, run_cli, tmp_dir

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "peers"))
import slapd  # noqa: E402  (tests/peers/slapd.py)

SERVER = "example.org"
INTERNAL = "/_matrix-internal/identity/v1/check_credentials"
# Paging must be needed: more people than the server's size limit, and the
# store's pages smaller than that limit.
USERS = 2000
SIZE_LIMIT = 500
PAGE_SIZE = 200

_slapd = {}


def ldap_server(tls=False, users=USERS):
    """The file's slapd (built once, started when it is not running)."""
    key = (tls, users)
    s = _slapd.get(key)
    if s is None:
        s = slapd.Slapd(tmp_dir("slapd"), users=users, tls=tls, size_limit=SIZE_LIMIT)
        _slapd[key] = s
        atexit.register(s.stop)
    elif not s.running():
        s.start()
    return s


HEAD = """
server_name: %s
data_dir: "@DATA_DIR@"
plugin_dir: "@PLUGIN_DIR@"
log:
  file: "@LOG_FILE@"
  level: debug
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
""" % SERVER


def yaml_str(value):
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


def store_yaml(name, priority, **keys):
    """One stores[] entry of the ldap module; lists become flow lists."""
    out = ["  - name: %s" % name, "    module: ldap", "    priority: %d" % priority]
    for key, value in keys.items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int):
            text = str(value)
        elif isinstance(value, (list, tuple)):
            text = "[%s]" % ", ".join(yaml_str(v) for v in value)
        else:
            text = yaml_str(value)
        out.append("    %s: %s" % (key, text))
    return "\n".join(out) + "\n"


def openldap_store(ldap, uris=None, name="corp", priority=10, **extra):
    keys = dict(uris=uris or [ldap.uri], bind_dn=ldap.bind_dn,
                bind_password_file=ldap.bind_password_file, base_dn=[ldap.people_base],
                preset="openldap", login_filter="(memberOf=%s)" % ldap.group_dn,
                default_region="GB", page_size=PAGE_SIZE, pool_size=4,
                connect_timeout="2s", timeout="5s")
    keys.update(extra)
    return store_yaml(name, priority, **keys)


def ad_store(ldap, name="ad", priority=20, **extra):
    keys = dict(uris=[ldap.uri], bind_dn=ldap.bind_dn,
                bind_password_file=ldap.bind_password_file, base_dn=[ldap.ad_base],
                preset="active_directory", default_region="GB", page_size=PAGE_SIZE,
                pool_size=2, connect_timeout="2s", timeout="5s")
    keys.update(extra)
    return store_yaml(name, priority, **keys)


def config(*stores, tail=""):
    return HEAD + "".join(stores) + tail


def daemon(text, start=True, **kw):
    """A Daemon for text (start=False: just its config file, for the CLI)."""
    return Daemon(text, start=start, migrate=start, **kw)


# --- the store tools ------------------------------------------------------------

class Tool:
    """One run of a store tool: .rc, .out, .err, .stores {name: line after
    the colon}, .verdict (the text after ' -> ', or the 'result:' line),
    .fields [(key, value)] (the indented lines after the verdict), .people
    [(user_id, display name)] (search)."""

    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        self.stores = {}
        self.verdict = None
        self.fields = []
        self.people = []
        after = False
        for line in self.out.splitlines():
            m = re.match(r"store (\S+) \((\w+)\): (.*)$", line)
            if m and not after:
                self.stores[m.group(1)] = m.group(3)
                continue
            if line.startswith("result: "):
                self.verdict = line[len("result: "):]
                after = True
                continue
            if " -> " in line and not line.startswith("  ") and not after:
                self.verdict = line.split(" -> ", 1)[1]
                after = True
                continue
            if after and line.startswith("  "):
                body = line[2:]
                if "\t" in body:
                    uid, _, name = body.partition("\t")
                    self.people.append((uid, name))
                else:
                    key, _, value = body.partition(": ")
                    self.fields.append((key, value))

    def field(self, key):
        return [v for k, v in self.fields if k == key]

    def ids(self):
        return {uid for uid, _ in self.people}

    def __repr__(self):
        return "rc=%s stdout=%r stderr=%r" % (self.rc, self.out[-1500:], self.err[-1500:])


def auth_test(cfg_path, user, password, medium=None):
    args = ["auth-test", "-c", cfg_path]
    if medium:
        args += ["-m", medium]
    return Tool(run_cli(*(args + ["--", user]), input=password + "\n"))


def lookup(cfg_path, medium, address):
    return Tool(run_cli("lookup", "-c", cfg_path, "--", medium, address))


def search(cfg_path, term, limit=None):
    args = ["search", "-c", cfg_path]
    if limit:
        args += ["-l", str(limit)]
    return Tool(run_cli(*(args + ["--", term])))


def profile(cfg_path, user_id):
    return Tool(run_cli("profile", "-c", cfg_path, "--", user_id))


def mxid(localpart):
    return "@%s:%s" % (localpart, SERVER)


def ok_as(tool, localpart):
    """auth-test/lookup said yes, for that person."""
    return tool.rc == 0 and tool.verdict is not None and \
        tool.verdict.startswith(mxid(localpart) + " ")


def said(tool, *results):
    """The chain's verdict is one of results ("denied", "not found", ...)."""
    return tool.rc == 1 and tool.verdict is not None and \
        any(tool.verdict == r or tool.verdict.startswith(r + ":") for r in results)


def check_creds(d, user, password, **extra):
    body = {"user": dict({"id": user, "password": password}, **extra)}
    return d.post(INTERNAL, body, port=d.ports["PORT2"])


def creds_ok(r, localpart):
    auth = (r.json or {}).get("auth") or {}
    return r.status == 200 and auth.get("success") is True and \
        auth.get("id", {}).get("value") == mxid(localpart)


def creds_failed(r):
    return r.status == 200 and ((r.json or {}).get("auth") or {}).get("success") is False


def no_secret(name, secret, *texts):
    joined = "\n".join(t or "" for t in texts)
    check(name, secret not in joined, "the secret appears in: %s" % joined[-1500:])
