"""test_config_cli.py: configuration through the CLI: a generated config
runs as it is, bad configs are refused with file, line and key and exit 2,
MXGATE_CONFIG is honoured."""

import os
import re

from harness import (Daemon, HomeserverPeer, check, test, main, plugin_dir, register_account,
                     run_cli, skip, tmp_dir)


@test
def generated_config_runs():
    d = tmp_dir("gen")
    path = os.path.join(d, "mxgate.yaml")
    r = run_cli("config", "generate", "--server-name", "example.org", "--data-dir",
                os.path.join(d, "data"), "-o", path)
    check("config generate exits 0", r.returncode == 0, r.stderr)
    text = open(path).read() if os.path.exists(path) else ""
    check("generated config is commented", text.count("#") > 10, text[:300])
    r = run_cli("config", "generate", "--server-name", "example.org", "-o", path)
    check("config generate refuses to overwrite (exit 2)", r.returncode == 2, r.stderr)
    r = run_cli("config", "check", "-c", path)
    check("config check accepts the generated config", r.returncode == 0, r.stdout + r.stderr)
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    # Run it on a free port: the generated listener is 127.0.0.1:8090.
    with Daemon(text.replace("127.0.0.1:8090", "127.0.0.1:@PORT@"), wait_path=None) as dm:
        r = dm.get("/_matrix/identity/v2/hash_details")
        check("the generated config guards hash_details (401 M_UNAUTHORIZED)",
              r.status == 401 and (r.json or {}).get("errcode") == "M_UNAUTHORIZED", r)
    if HomeserverPeer.node() is None:
        skip("the generated config serves hash_details to a registered user",
             "node is not installed")
        return
    # A user of example.org (a fake homeserver mapped in) registers, then looks up.
    with HomeserverPeer("example.org") as hs:
        mapped = text.replace("127.0.0.1:8090", "127.0.0.1:@PORT@").replace(
            "\nidentity:\n",
            "\nidentity:\n  homeservers:\n    - {server_name: example.org, base_url: \"%s\"}\n"
            % hs.base_url)
        with Daemon(mapped, wait_path=None, migrate=False) as dm:
            token = register_account(dm, hs, "@alice:example.org")
            r = dm.get("/_matrix/identity/v2/hash_details",
                       headers={"Authorization": "Bearer " + token})
            check("the generated config serves hash_details to a registered user",
                  r.status == 200 and "lookup_pepper" in (r.json or {}), r)


@test
def generated_config_with_plugin_dir():
    d = tmp_dir("genp")
    path = os.path.join(d, "mxgate.yaml")
    r = run_cli("config", "generate", "--server-name", "example.org", "--data-dir",
                os.path.join(d, "data"), "--plugin-dir", plugin_dir(), "-o", path)
    text = open(path).read() if r.returncode == 0 else ""
    check("config generate --plugin-dir sets plugin_dir",
          'plugin_dir: "%s"' % plugin_dir() in text, r.stderr + text[:600])
    # The generated file with a module store added loads the module from there.
    text = text.replace("stores: []", "stores:\n  - {name: iam, module: rest, "
                        "url: \"http://127.0.0.1:9\"}")
    with open(path, "w") as f:
        f.write(text)
    r = run_cli("config", "check", "-c", path)
    check("a module store loads from --plugin-dir", r.returncode == 0, r.stdout + r.stderr)
    # config check starts the stores as serve does: a module refuses keys that
    # exclude each other (checked in its init, not by the key table).
    with open(path, "w") as f:
        f.write(text.replace('url: "http://127.0.0.1:9"}', 'url: "http://127.0.0.1:9", '
                             'auth_bearer_token: t, auth_basic_user: u, '
                             'auth_basic_password: p}'))
    r = run_cli("config", "check", "-c", path)
    check("config check runs the modules' own checks (exit 2, the store named)",
          r.returncode == 2 and "store 'iam'" in r.stderr, r.stdout + r.stderr)
    r = run_cli("config", "generate", "--server-name", "example.org", "--plugin-dir", "")
    check("config generate --plugin-dir '' exits 2", r.returncode == 2, r.stderr)


@test
def example_config_is_current():
    here = os.path.dirname(os.path.abspath(__file__))
    example = os.path.join(here, "..", "..", "etc", "mxgate.yaml.example")
    r = run_cli("config", "generate", "--server-name", "example.org", "--data-dir",
                "/var/lib/mxgate")
    check("etc/mxgate.yaml.example is what config generate writes",
          r.returncode == 0 and open(example).read() == r.stdout,
          "regenerate it: mxgate config generate --server-name example.org "
          "--data-dir /var/lib/mxgate > etc/mxgate.yaml.example")


BAD = [
    ("unknown top-level key", "server_name: a.org\nlisteners: [{bind: '127.0.0.1:1', resources: [health]}]\nfoo: 1\n", 3, "foo"),
    ("bad listen address", "server_name: a.org\nlisteners:\n  - bind: 'nowhere'\n    resources: [health]\n", 3, "listeners[0].bind"),
    ("missing server_name", "listeners: [{bind: '127.0.0.1:1', resources: [health]}]\n", 1, "server_name"),
    ("duplicate store names", "server_name: a.org\nlisteners: [{bind: '127.0.0.1:1', resources: [health]}]\nstores:\n  - {name: s, module: static}\n  - {name: s, module: static}\n", 5, "stores"),
    ("missing store module", "server_name: a.org\nlisteners: [{bind: '127.0.0.1:1', resources: [health]}]\nstores:\n  - {name: s, module: nosuch}\n", 4, "stores[0]"),
]


@test
def bad_configs():
    d = tmp_dir("bad")
    for i, (what, text, line, key) in enumerate(BAD):
        path = os.path.join(d, "bad%d.yaml" % i)
        with open(path, "w") as f:
            f.write(text)
        r = run_cli("config", "check", "-c", path)
        out = r.stdout + r.stderr
        check("config check: %s -> exit 2" % what, r.returncode == 2, out)
        check("config check: %s -> names file:line and key" % what,
              re.search(re.escape(path) + r":%d: " % line, out) is not None and key in out, out)
        r = run_cli("serve", "-c", path)
        check("serve: %s -> exit 2" % what, r.returncode == 2, r.stdout + r.stderr)
    r = run_cli("config", "check", "-c", os.path.join(d, "missing.yaml"))
    check("config check: missing file -> exit 2", r.returncode == 2, r.stderr)
    env = dict(os.environ, MXGATE_CONFIG=os.path.join(d, "bad0.yaml"))
    r = run_cli("config", "check", env=env)
    check("config check uses MXGATE_CONFIG", r.returncode == 2 and "bad0.yaml" in r.stdout + r.stderr,
          r.stdout + r.stderr)


if __name__ == "__main__":
    main()
